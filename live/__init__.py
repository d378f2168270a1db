"""Socket.IO for live exams.  Handlers are thin: check who is asking, call a service, answer.

The protocol is documented in docs/protocol.md.
"""
from __future__ import annotations

from flask import Flask

from live.messages import error_texts


def init_app(app: Flask) -> None:
    app.jinja_env.globals["live_error_texts"] = error_texts
    app.jinja_env.filters.setdefault("combine", lambda first, second: {**first, **second})
    # Imported here, not at the top: every live module imports this package first, and the
    # namespace imports all of them (a cycle the package's __init__ must not start).
    from live.namespace import LiveNamespace
    from server.extensions import socketio

    # SocketIO is one object per process; several apps (tests) must not register it twice.
    if not any(isinstance(h, LiveNamespace) for h in socketio.namespace_handlers):
        socketio.on_namespace(LiveNamespace("/live"))
