"""The /live namespace.  Every event handler runs: load the sender, check access, act, answer."""
from __future__ import annotations

from datetime import UTC, datetime

from flask_socketio import Namespace, join_room

from live import principal as principals

USER_ROOM = "user:{}"


def server_time() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class LiveNamespace(Namespace):
    def on_connect(self, auth=None):
        user = principals.authenticate_connection(auth)
        if user is None:
            raise ConnectionRefusedError("unauthorized")
        principals.remember(user)
        join_room(USER_ROOM.format(user.id))

    def on_whoami(self, _data=None):
        sender = principals.principal()
        if sender is None:
            return {"ok": False, "error": {"code": "unauthorized", "message": "not connected"}}
        return {
            "ok": True,
            "employee_no": sender.employee_no,
            "role": sender.role,
            "server_time": server_time(),
        }
