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
    from server.auth.operations import identity_changed

    identity_changed.connect(_sign_out_after_commit)  # weakly held: a module function lives on


def _sign_out_after_commit(user_id: int) -> None:
    """An identity change (server.auth.operations.identity_changed): once it is committed, this
    process forgets what it knew of the user's sign-in, and the user's connections everywhere
    are told and closed (live.emit.sign_out)."""
    from flask import current_app

    from live.emit import sign_out
    from live.runtime import runtime_for
    from server.database import after_commit

    identities = runtime_for(current_app._get_current_object()).identities

    def act() -> None:
        identities.forget(user_id)
        sign_out(user_id)

    after_commit(act)
