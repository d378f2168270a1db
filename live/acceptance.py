"""Whether an answer may be accepted now: the server's clock against the session's state and
deadlines, with a grace period for the network and a trainee's own extra time.  Works on ORM
objects and on the answer writer's plain rows alike (it reads attributes only)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from server.exams.models import Pacing, SessionStatus


class Refused(Exception):
    """A control or an answer that is not allowed now; ``code`` is part of the protocol."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code
        self.message = message or code


def grace(app=None) -> timedelta:
    return timedelta(seconds=float((app or current_app).config.get("LIVE_GRACE_SECONDS", 2)))


def check_answer(session, participant, question, now: datetime, allowance: timedelta) -> None:
    """Raises Refused unless an answer to ``question`` may be accepted at ``now`` (server time).
    ``allowance``: the grace period."""
    if participant.removed:
        raise Refused("removed")
    if participant.finished_at is not None or session.status == SessionStatus.ENDED:
        raise Refused("finished")
    if session.status == SessionStatus.PAUSED:
        raise Refused("paused")
    if session.status != SessionStatus.RUNNING or question.id not in participant.question_order:
        raise Refused("not_open")
    extra = timedelta(seconds=participant.extra_seconds) + allowance
    if session.pacing == Pacing.PACED:
        if question.id != session.current_question_id:
            raise Refused("not_open")
        if not session.question_open or now > session.question_deadline_at + extra:
            raise Refused("late")
    elif now > session.deadline_at + extra:
        raise Refused("late")
