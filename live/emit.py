"""The one place that emits.  Rooms: trainees of a session, its staff (dashboards), one user.

Every emit waits for the transaction it belongs to: it is registered with
server.database.after_commit and goes out when the handler commits (never if it rolls back), so
no browser hears of a change that is not on disk."""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from server.database import after_commit
from server.exams.models import LiveSession, Participant
from server.extensions import db, socketio

NAMESPACE = "/live"


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
    user only."""
    session_id = session.id
    if not callable(payload):
        room = trainees_room(session_id)
        after_commit(lambda: _send(event, payload, room))
        return

    def each() -> None:
        participants = db.session.scalars(sa.select(Participant).where(
            Participant.session_id == session_id, Participant.removed.is_(False)))
        for participant in participants:
            _send(event, payload(participant), user_room(participant.user_id))

    after_commit(each)
