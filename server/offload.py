"""Work that must not run on the live event loop.

One gevent loop carries every websocket of every exam on a process, so anything that can take
more than a few milliseconds of CPU leaves it.  Argon2 (a C library that releases the GIL while
it hashes) runs on gevent's bounded thread pool: the loop keeps serving while a native thread
hashes, and at most ``THREADS`` hashes run at once.  Python code (parsing spreadsheets, question
files and PDFs from strangers) holds the GIL, so it runs in a bounded pool of worker processes
(``in_process``), each job with a wall-time and a memory limit.

Workers are started as fresh interpreters (``python -m server.offload``), never forked from the
server: a fork of a process patched by gevent, with a hub and threads, is unsafe, and
multiprocessing's spawn would import the server's ``__main__`` (wsgi.py) again in every worker.
Nothing here imports Flask.
"""
from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TypeVar

import gevent
from gevent import get_hub, monkey

T = TypeVar("T")

THREADS = 4
THREAD_NICENESS = 10  # pool threads run below the loop's thread (Linux: niceness is per thread)
START_SECONDS = 60  # a new worker's interpreter start, before its first job's own limit counts


def in_thread(function: Callable[..., T], *args, **kwargs) -> T:
    """``function(*args, **kwargs)`` on a native thread; the calling greenlet waits, the loop runs.

    Only for code that releases the GIL (argon2, zlib, hashlib on large inputs): Python code on a
    thread still holds the GIL and stalls the loop as much as it would inline.
    """
    pool = get_hub().threadpool
    if pool.maxsize != THREADS:
        pool.maxsize = THREADS
    return pool.apply(_yielding_to_the_loop, (function, args, kwargs))


def _yielding_to_the_loop(function: Callable[..., T], args: tuple, kwargs: dict) -> T:
    """Run ``function`` on a pool thread that gives way to the loop's: more hashing threads than
    cores took CPU time from the loop's thread during a sign-in storm, and every socket waited.
    On Linux, ``setpriority(PRIO_PROCESS, 0)`` sets the calling thread's niceness (a system call
    of about a microsecond, beside a hash of ~50 ms); raising it needs no privilege."""
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, 0, THREAD_NICENESS)
    return function(*args, **kwargs)


def pause() -> None:
    """Let the loop serve everyone else for a moment: called between slices of work that needs
    the database and so stays in this process (checking thousands of roster rows).  Nothing
    outside gevent."""
    if _cooperative():
        gevent.sleep(0)


# --- watching the loop ---------------------------------------------------------------------------


class LoopWatch:
    """A greenlet that wakes every ``interval`` seconds and records how late it woke: the longest
    time the loop was held by something that should have been offloaded.  /healthz reports (and
    restarts) the worst since its previous report.

    Two figures: ``max_stall_ms`` is the wall-clock lateness, what a trainee's socket felt, and
    includes time the operating system gave the CPU to other processes; ``max_busy_ms`` counts
    only the part of that lateness the loop's own thread spent running (its CPU time), so it
    names work on the loop whatever else the machine is doing.  Hostile-input tests check the
    second: on a shared 2-core machine the first also measures the neighbours."""

    def __init__(self, interval: float = 0.01):
        self.interval = interval
        self.worst = 0.0
        self.worst_busy = 0.0
        self.since = time.monotonic()
        self._greenlet = None

    def start(self, trace_ms: float = 0) -> LoopWatch:
        """Start watching; with ``trace_ms``, also log where any greenlet held the loop longer
        than that (EXAMHALL_LOOP_TRACE_MS: a diagnosis aid, each switch then costs a little)."""
        self._greenlet = gevent.spawn(self._run)
        if trace_ms:
            _trace_long_holds(trace_ms / 1000)
        return self

    def _run(self) -> None:
        while True:
            before, cpu_before = time.perf_counter(), time.thread_time()
            gevent.sleep(self.interval)
            late = time.perf_counter() - before - self.interval
            busy = min(late, time.thread_time() - cpu_before)
            self.worst, self.worst_busy = max(self.worst, late), max(self.worst_busy, busy)

    def report(self) -> dict:
        """The worst stall (ms) since the previous report, and over how many seconds; restarts."""
        now = time.monotonic()
        report = {"max_stall_ms": round(self.worst * 1000, 1), "max_busy_ms": round(self.worst_busy * 1000, 1),
                  "seconds": round(now - self.since, 1)}
        self.worst, self.worst_busy, self.since = 0.0, 0.0, now
        return report


def _trace_long_holds(threshold: float) -> None:
    import logging
    import traceback

    import greenlet

    log, hub, last = logging.getLogger("examhall.loop"), get_hub(), [time.perf_counter()]

    def trace(event: str, args) -> None:
        now = time.perf_counter()
        if event in ("switch", "throw"):
            origin = args[0]
            if now - last[0] > threshold and origin is not hub and origin.gr_frame is not None:
                log.warning("the loop was held %.0f ms; the greenlet gave it back at:\n%s", (now - last[0]) * 1000,
                            "".join(traceback.format_stack(origin.gr_frame, limit=14)))
        last[0] = now

    greenlet.settrace(trace)


# --- worker processes ---------------------------------------------------------------------------


class LimitExceeded(Exception):
    """A job went over its time or memory limit, or its worker died; the worker was replaced.
    ``kind`` is "time", "memory" or "crashed"."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(kind, detail)
        self.kind, self.detail = kind, detail

    def __str__(self) -> str:
        return f"the job went over its {self.kind} limit ({self.detail})" if self.kind != "crashed" \
            else f"the job's worker died ({self.detail})"


@dataclass(frozen=True)
class Limits:
    workers: int = 2
    seconds: float = 20.0
    memory_mb: int = 512

    @classmethod
    def from_config(cls, config) -> Limits:
        """From the app's EXAMHALL_OFFLOAD_WORKERS, _SECONDS and _MEMORY_MB (server/config.py)."""
        return cls(workers=config["EXAMHALL_OFFLOAD_WORKERS"], seconds=config["EXAMHALL_OFFLOAD_SECONDS"],
                   memory_mb=config["EXAMHALL_OFFLOAD_MEMORY_MB"])


def _cooperative() -> bool:
    return monkey.is_module_patched("select")


def _call(function: Callable[..., T], *args) -> T:
    return function(*args)


class _Process:
    """A worker interpreter started with posix_spawn: the fork and exec happen in C, so nothing
    runs in a copy of the server (gevent's Popen runs Python in the forked child, and held the loop
    for ~0.5 s in a large server)."""

    def __init__(self, argv: list[str], pass_fds: tuple[int, ...]):
        for fd in pass_fds:
            os.set_inheritable(fd, True)  # only these; every other descriptor is close-on-exec
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # where `server` is
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        self.pid = os.posix_spawn(sys.executable, argv, env)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self._reap(os.WNOHANG)
        return self.returncode

    def kill(self) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def wait(self) -> int:
        while self.returncode is None:
            self._reap(0)
        return self.returncode

    def _reap(self, options: int) -> None:
        try:
            pid, status = os.waitpid(self.pid, options)
        except ChildProcessError:  # the loop's SIGCHLD watcher reaped it already
            self.returncode = -1
            return
        if pid:
            self.returncode = os.waitstatus_to_exitcode(status)


class _Worker:
    """One worker interpreter and the two pipes to it."""

    def __init__(self, memory_mb: int):
        job_read, job_write = os.pipe()
        result_read, result_write = os.pipe()
        try:
            self.process = _Process([sys.executable, "-m", "server.offload", str(job_read), str(result_write),
                                     str(memory_mb)], pass_fds=(job_read, result_write))
        finally:
            os.close(job_read)
            os.close(result_write)
        self.jobs = Connection(job_write, readable=False)
        self.results = Connection(result_read, writable=False)
        self.started = False

    def _wait_until_started(self) -> None:
        """A new worker says when its interpreter is up: a job's time limit counts the job, not
        the start (~0.3 s on a quiet machine, seconds on a busy one)."""
        if self.started:
            return
        if not self._readable(START_SECONDS):
            raise LimitExceeded("crashed", f"the worker did not start within {START_SECONDS} s")
        try:
            (in_thread if _cooperative() else _call)(self.results.recv_bytes)
        except (EOFError, OSError):
            raise LimitExceeded("crashed", f"exit status {self.process.wait()}") from None
        self.started = True

    def run(self, payload: bytes, seconds: float):
        """Send one pickled job and wait (without blocking the loop) for its outcome.  The pipes are
        written and read on a native thread: a payload larger than the pipe's buffer waits there
        until the worker reads it."""
        self._wait_until_started()
        blocking = in_thread if _cooperative() else _call
        blocking(self.jobs.send_bytes, payload)
        if not self._readable(seconds):
            raise LimitExceeded("time", f"{seconds:g} s")
        try:
            status, value = pickle.loads(blocking(self.results.recv_bytes))  # noqa: S301 (our worker's pipe)
        except (EOFError, OSError):
            code = self.process.wait()
            raise LimitExceeded("crashed", f"exit status {code}") from None
        if status == "memory":
            raise LimitExceeded("memory", value)
        if status == "error":
            raise value
        return value

    def _readable(self, seconds: float) -> bool:
        if _cooperative():
            from gevent.select import select

            return bool(select([self.results.fileno()], [], [], seconds)[0])
        return self.results.poll(seconds)

    def stop(self) -> None:
        for connection in (self.jobs, self.results):
            connection.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class ProcessPool:
    """At most ``limits.workers`` jobs at once, each in a worker of its own; a worker that went
    over a limit or died is dropped and the next job starts a fresh one."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self._idle: list[_Worker] = []
        self._slots: threading.BoundedSemaphore | None = None
        self._lock = threading.Lock()
        self._closed = False

    def run(self, function: Callable[..., T], *args, seconds: float | None = None, **kwargs) -> T:
        payload = pickle.dumps((function, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        slots = self._semaphore()
        with slots:
            worker = self._idle.pop() if self._idle else _Worker(self.limits.memory_mb)
            healthy = False
            try:
                result = worker.run(payload, min(seconds or self.limits.seconds, self.limits.seconds))
                healthy = True
                return result
            except LimitExceeded:
                raise
            except Exception:
                healthy = True  # the job raised; the worker is fine
                raise
            finally:
                if healthy and not self._closed and worker.process.poll() is None:
                    self._idle.append(worker)
                else:
                    worker.stop()

    def _semaphore(self) -> threading.BoundedSemaphore:
        # Made on first use: by then gevent has patched threading, so waiting for a slot yields.
        with self._lock:
            if self._slots is None:
                self._slots = threading.BoundedSemaphore(self.limits.workers)
            return self._slots

    def close(self) -> None:
        self._closed = True  # workers busy now stop when their job ends
        while self._idle:
            self._idle.pop().stop()


_pool = ProcessPool(Limits())
atexit.register(lambda: _pool.close())  # workers end with the server


def configure(limits: Limits) -> None:
    """Use ``limits`` from now on (the app's OFFLOAD_* settings); idle workers are replaced."""
    global _pool  # the one pool of this process, like gevent's hub thread pool
    if limits != _pool.limits:
        old, _pool = _pool, ProcessPool(limits)
        old.close()


def in_process(function: Callable[..., T], *args, seconds: float | None = None, **kwargs) -> T:
    """``function(*args, **kwargs)`` in a worker process; the calling greenlet waits, the loop runs.

    ``function`` must be a module-level function and its arguments and result picklable.  An
    exception it raises is raised here; LimitExceeded when it takes longer than the time limit
    (or ``seconds``, when shorter), needs more than the memory limit, or its worker dies (the
    worker is replaced).
    """
    return _pool.run(function, *args, seconds=seconds, **kwargs)


# --- inside a worker ----------------------------------------------------------------------------


def _serve(job_fd: int, result_fd: int, memory_mb: int) -> None:
    import resource

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    jobs, results = Connection(job_fd, writable=False), Connection(result_fd, readable=False)
    results.send_bytes(b"started")
    while True:
        try:
            payload = jobs.recv_bytes()
        except EOFError:
            return
        try:
            function, args, kwargs = pickle.loads(payload)  # noqa: S301 (our server's pipe)
            del payload
            outcome = ("ok", function(*args, **kwargs))
        except MemoryError:
            outcome = ("memory", f"{memory_mb} MB")
        except BaseException as error:  # every failure goes back to the caller
            outcome = ("error", error)
        try:
            answer = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.loads(answer)  # noqa: S301 (an error that cannot be rebuilt there is described instead)
        except MemoryError:
            answer = pickle.dumps(("memory", f"{memory_mb} MB"))
        except Exception:
            error = outcome[1]
            answer = pickle.dumps(("error", RuntimeError(f"{type(error).__name__}: {error}")))
        del outcome
        results.send_bytes(answer)  # after a MemoryError the caller stops this worker


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
