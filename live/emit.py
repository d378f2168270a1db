"""The one place that emits.  Rooms: trainees of a session, its staff (dashboards), one user."""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from server.exams.models import LiveSession, Participant
from server.extensions import db, socketio

NAMESPACE = "/live"


def trainees_room(session_id: int) -> str:
    return f"session:{session_id}:trainees"


def staff_room(session_id: int) -> str:
    return f"session:{session_id}:staff"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def to_staff(session: LiveSession, event: str, payload: dict) -> None:
    socketio.emit(event, payload, to=staff_room(session.id), namespace=NAMESPACE)


def to_user(user_id: int, event: str, payload: dict) -> None:
    socketio.emit(event, payload, to=user_room(user_id), namespace=NAMESPACE)


def to_trainees(session: LiveSession, event: str, payload: dict | Callable[[Participant], dict]) -> None:
    """One payload for the whole room, or, when it differs per trainee (shuffled papers), one
    built for each participant and sent to that user only."""
    if not callable(payload):
        socketio.emit(event, payload, to=trainees_room(session.id), namespace=NAMESPACE)
        return
    participants = db.session.scalars(sa.select(Participant).where(
        Participant.session_id == session.id, Participant.removed.is_(False)))
    for participant in participants:
        to_user(participant.user_id, event, payload(participant))
