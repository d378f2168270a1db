"""The document worker: claims issuing jobs from the queue (server/documents/queue.py) and renders
and signs their documents on this machine's cores.  Run as a service on any node of a cluster,
one or more (`flask --app wsgi documents worker`), or started by a single-machine server for the
jobs it queues (`python -m server.documents.worker --until-idle`, which ends when none is left).

It runs apart from the web servers so that rendering and signing (CPU-bound) never hold up a live
exam's event loop.  SIGTERM (systemd's stop) gives the job back to the queue and ends; kill -9
leaves it to another worker once the lease runs out."""
from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading

from flask import current_app

from server.documents import queue
from server.documents.operations import run_claimed

log = logging.getLogger("server.documents.worker")


class Stopping(BaseException):
    """SIGTERM arrived: give the job back and end (a BaseException: no job handler swallows it)."""


def stop_on_sigterm(stopped: threading.Event) -> None:
    def handler(signum, frame):
        stopped.set()
        raise Stopping()

    signal.signal(signal.SIGTERM, handler)


def work(processes: int | None = None, until_idle: bool = False, stopped: threading.Event | None = None) -> int:
    """Claim and run jobs until stopped (or, ``until_idle``, until none is left to claim).  Returns
    how many jobs it ran.  Needs an app context."""
    stopped = stopped or threading.Event()
    worker = queue.worker_name()
    poll = current_app.config["DOCUMENTS_POLL_SECONDS"]
    processes = processes or current_app.config.get("DOCUMENTS_PROCESSES")
    ran = 0
    log.info("document worker %s: waiting for jobs", worker)
    while not stopped.is_set():
        job_id = queue.claim(worker=worker)
        if job_id is None:
            if until_idle:
                break
            stopped.wait(poll)
            continue
        log.info("job %s: claimed by %s", job_id, worker)
        try:
            job = run_claimed(job_id, worker, processes)
        except Stopping:
            queue.release(job_id, worker)
            log.info("job %s: given back to the queue (the worker is stopping)", job_id)
            raise
        ran += 1
        log.info("job %s: %s, %s of %s%s", job.id, job.state, job.done, job.total,
                 f" ({job.error})" if job.error else "")
    return ran


def main(argv: list[str]) -> int:
    from server import create_app

    parser = argparse.ArgumentParser(prog="python -m server.documents.worker")
    parser.add_argument("--until-idle", action="store_true", help="end when no job is left to claim")
    parser.add_argument("--processes", type=int, default=None)
    args = parser.parse_args(argv[1:])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stopped = threading.Event()
    stop_on_sigterm(stopped)
    app = create_app()
    with app.app_context(), contextlib.suppress(Stopping):
        work(args.processes, args.until_idle, stopped)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
