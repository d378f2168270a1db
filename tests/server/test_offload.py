"""The worker-process pool: results and errors come back, and a job over its time or memory limit,
or whose worker dies, is a LimitExceeded and costs only its worker (the next job gets a new one).
The jobs are this module's functions: a worker imports the module to run them."""
from __future__ import annotations

import os
import signal
import time

import pytest

from server import offload
from server.offload import LimitExceeded, Limits, in_process, in_thread
from server.tables import UploadError


def pid() -> int:
    return os.getpid()


def double(value: int) -> int:
    return value * 2


def sleep_long() -> None:
    time.sleep(60)


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def fail_upload() -> None:
    raise UploadError("too_many_rows", row=7, n=5)


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class Unpicklable(Exception):
    def __init__(self, a, b):
        super().__init__(a)


def raise_unpicklable() -> None:
    raise Unpicklable("odd", "error")


@pytest.fixture
def limits():
    offload.configure(Limits(workers=2, seconds=2, memory_mb=256))
    yield
    offload.configure(Limits())


def test_a_job_runs_in_another_process_and_its_result_comes_back(limits):
    assert in_process(double, 21) == 42
    assert in_process(pid) != os.getpid()


def test_an_error_comes_back_as_itself_with_its_details(limits):
    with pytest.raises(UploadError) as raised:
        in_process(fail_upload)
    assert (raised.value.code, raised.value.row, raised.value.params) == ("too_many_rows", 7, {"n": 5})
    with pytest.raises(RuntimeError, match="Unpicklable: odd"):
        in_process(raise_unpicklable)
    worker = in_process(pid)
    assert in_process(pid) == worker  # an error in the job does not cost the worker


def test_a_job_over_its_time_limit_is_stopped_and_its_worker_replaced(limits):
    before = in_process(pid)
    with pytest.raises(LimitExceeded) as raised:
        in_process(sleep_long)
    assert raised.value.kind == "time"
    after = in_process(pid)
    assert after != before
    with pytest.raises(ProcessLookupError):
        os.kill(before, 0)


def test_a_job_over_its_memory_limit_is_stopped_and_its_worker_replaced(limits):
    assert in_process(allocate, 64) == 64 * 1024 * 1024
    before = in_process(pid)
    with pytest.raises(LimitExceeded) as raised:
        in_process(allocate, 1024)
    assert raised.value.kind == "memory"
    assert in_process(pid) != before


def test_a_worker_that_dies_is_replaced(limits):
    before = in_process(pid)
    with pytest.raises(LimitExceeded) as raised:
        in_process(die)
    assert raised.value.kind == "crashed"
    assert in_process(pid) != before and in_process(double, 2) == 4


def test_the_limits_come_from_the_app_config(make_app):
    make_app(EXAMHALL_OFFLOAD_SECONDS=1.5, EXAMHALL_OFFLOAD_MEMORY_MB=300, EXAMHALL_OFFLOAD_WORKERS=3)
    assert offload._pool.limits == Limits(workers=3, seconds=1.5, memory_mb=300)
    offload.configure(Limits())


def test_hashing_threads_give_way_to_the_loops_thread():
    """Pool threads (Argon2) run at a higher niceness than the thread that runs the loop, so a
    sign-in storm on more threads than cores does not take the loop's CPU."""
    assert in_thread(os.getpriority, os.PRIO_PROCESS, 0) == offload.THREAD_NICENESS > 0
    assert os.getpriority(os.PRIO_PROCESS, 0) == 0


def test_the_loop_watch_reports_a_hold_and_where_it_ended(caplog):
    """/healthz's figures and, with EXAMHALL_LOOP_TRACE_MS, the place a greenlet held the loop."""
    import gevent
    import greenlet

    def hold_the_loop():
        until = time.perf_counter() + 0.08
        while time.perf_counter() < until:  # CPU on the loop, as unoffloaded work would be
            pass
        gevent.sleep(0)

    previous = greenlet.gettrace()
    watch = offload.LoopWatch().start(trace_ms=40)
    try:
        gevent.sleep(0.03)
        watch.report()  # a fresh window
        gevent.spawn(hold_the_loop).join()
        gevent.sleep(0.03)
        report = watch.report()
    finally:
        greenlet.settrace(previous)
        watch._greenlet.kill()
    assert report["max_stall_ms"] >= 60 and report["max_busy_ms"] >= 60, report
    held = [r.getMessage() for r in caplog.records if r.name == "examhall.loop"]
    assert held and "hold_the_loop" in held[0], held
