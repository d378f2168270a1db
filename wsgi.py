"""The entry point: `python wsgi.py` serves Examhall with gevent; `flask --app wsgi ...` runs tasks.

This is the one place gevent patches the standard library, before anything else is imported, and
only when serving: tasks (`flask --app wsgi documents issue|worker`, imports, migrations) run in a
plain interpreter.  Patched, multiprocessing's pool ran its result-handler "thread" as a greenlet
whose blocking pipe read froze the whole process, so `documents issue` hung forever.
"""
import gevent
from gevent import monkey

# Greenlets do not record the stack that spawned them (a debugging aid): Engine.IO spawns one
# per incoming message, and the recorded frames were a third of the young objects the garbage
# collector had to scan during an answer burst (which got ~25% faster without them).
gevent.config.track_greenlet_tree = False
if __name__ == "__main__":
    monkey.patch_all()

import gc  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402

from server import create_app  # noqa: E402
from server.extensions import socketio  # noqa: E402
from server.offload import LoopWatch  # noqa: E402

app = create_app()


def tune_garbage_collector() -> None:
    """Thousands of connections allocate many small objects per event; with the default
    threshold (700) the collector ran every few hundred events and took a third of an answer
    burst.  Everything loaded at start-up is frozen out of its scans, and young collections run
    every 50,000 allocations (only cyclic garbage waits longer; memory grew ~2%)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def compile_templates() -> None:
    """Every page template compiled before the first request: compiling one on first use took
    20-50 ms on the loop, so the first person to open a page during a live exam froze it."""
    for name in app.jinja_env.list_templates(extensions=("html", "txt")):
        app.jinja_env.get_template(name)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    host, port = app.config["EXAMHALL_HOST"], app.config["EXAMHALL_PORT"]
    print(f"Examhall is serving on http://{host}:{port}", flush=True)
    compile_templates()
    tune_garbage_collector()
    # /healthz reports the loop's worst stall; EXAMHALL_LOOP_TRACE_MS logs where it was held longer.
    app.extensions["loop_watch"] = LoopWatch().start(trace_ms=float(os.environ.get("EXAMHALL_LOOP_TRACE_MS") or 0))
    socketio.run(app, host=host, port=port)
