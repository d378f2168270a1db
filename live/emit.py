"""The one place that emits.  Rooms: trainees of a session, its staff (dashboards), one user.

Every emit waits for the transaction it belongs to: it is registered with
server.database.after_commit and goes out when the handler commits (never if it rolls back), so
no browser hears of a change that is not on disk."""
from __future__ import annotations

from collections.abc import Callable

import socketio as python_socketio
import sqlalchemy as sa

from server.database import after_commit
from server.exams.models import LiveSession, Participant
from server.extensions import db, socketio

NAMESPACE = "/live"
# Sent to every connection of a user whose sign-in ended; the connections are then closed.
SIGNED_OUT = "signed_out"


def trainees_room(session_id: int) -> str:
    return f"session:{session_id}:trainees"


def staff_room(session_id: int) -> str:
    return f"session:{session_id}:staff"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def _send(event: str, payload: dict, room: str) -> None:
    socketio.emit(event, payload, to=room, namespace=NAMESPACE)


def to_staff(session: LiveSession, event: str, payload: dict) -> None:
    room = staff_room(session.id)
    after_commit(lambda: _send(event, payload, room))


def to_user(user_id: int, event: str, payload: dict) -> None:
    room = user_room(user_id)
    after_commit(lambda: _send(event, payload, room))


def to_trainees(session: LiveSession, event: str, payload: dict | Callable[[Participant], dict]) -> None:
    """One payload for the whole room, or, when it differs per trainee (shuffled papers), one
    built for each participant (after the commit, from what was committed) and sent to that
    user only; a trainee it builds None for gets nothing."""
    session_id = session.id
    if not callable(payload):
        room = trainees_room(session_id)
        after_commit(lambda: _send(event, payload, room))
        return

    def each() -> None:
        participants = db.session.scalars(sa.select(Participant).where(
            Participant.session_id == session_id, Participant.removed.is_(False)))
        for participant in participants:
            data = payload(participant)
            if data is not None:
                _send(event, data, user_room(participant.user_id))

    after_commit(each)


def sign_out(user_id: int) -> None:
    """Tell every open connection of the user, in every server process, that its sign-in has
    ended, and close them: ``signed_out`` goes to the user's room like any emit (through the
    message queue when there is one), and each process's client manager (below) closes its own
    members of the room right after delivering it.  Called after the commit that ended it."""
    socketio.emit(SIGNED_OUT, {}, to=user_room(user_id), namespace=NAMESPACE)


# --- the client managers: emits as python-socketio does them, plus closing signed-out rooms ------


def _close_members(manager, event: str, namespace: str | None, room) -> None:
    """After ``signed_out`` reached a user's room, close the room's connections in this process
    (the client hears `signed_out`, then the server's disconnect)."""
    if event != SIGNED_OUT or not isinstance(room, str):
        return
    for sid, _eio_sid in list(manager.get_participants(namespace or "/", room)):
        manager.server.disconnect(sid, namespace=namespace, ignore_queue=True)


class InProcessManager(python_socketio.Manager):
    """One server process (no message queue)."""

    def emit(self, event, data, namespace, room=None, **kwargs):
        result = super().emit(event, data, namespace, room=room, **kwargs)
        _close_members(self, event, namespace, room)
        return result


class _ClosesSignedOut:
    """For the message-queue managers: every process handles each emit in ``_handle_emit``
    (its own and the others', from the queue), so each closes its own connections."""

    def _handle_emit(self, message):
        super()._handle_emit(message)
        _close_members(self, message.get("event"), message.get("namespace"), message.get("room"))


class RedisManager(_ClosesSignedOut, python_socketio.RedisManager):
    pass


class KombuManager(_ClosesSignedOut, python_socketio.KombuManager):
    pass


def client_manager(url: str | None):
    """The Socket.IO client manager: in-process, or a message queue that lets several server
    processes emit to each other's clients."""
    if not url:
        return InProcessManager()
    if url.startswith(("redis://", "rediss://")):
        return RedisManager(url, channel="examhall")
    return KombuManager(url, channel="examhall")
