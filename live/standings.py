"""The session leaderboard, kept per process with grading.Leaderboard: seeded from the database
once, then updated for each graded answer in O(log buckets), never by re-ranking everyone.

With several server processes each process's board also sees the others' answers whenever a
dashboard (re)connects, which re-seeds it from the database.
"""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from grading import Leaderboard
from server.exams.models import LiveSession, Participant
from server.extensions import db
from server.models import User


def _cap(session: LiveSession) -> Decimal:
    bonus = (session.speed_bonus_points or Decimal(0)) * len(session.questions)
    return max(session.max_total + bonus, Decimal(1))


def board_for(app, session: LiveSession, reseed: bool = False) -> Leaderboard:
    boards = app.extensions.setdefault("examhall_leaderboards", {})
    board = boards.get(session.id)
    if board is None or reseed or board.max_total != _cap(session):
        board = Leaderboard(_cap(session), step=session.rounding_step or Decimal("0.5"))
        rows = db.session.execute(sa.select(Participant.id, Participant.total).where(
            Participant.session_id == session.id, Participant.removed.is_(False)))
        for participant_id, total in rows:
            board.set_total(participant_id, total)
        boards[session.id] = board
    return board


def standings(board: Leaderboard, count: int = 10) -> dict:
    top = list(board.top(count))
    names = dict(db.session.execute(sa.select(Participant.id, User.name).join(User).where(
        Participant.id.in_([who for _rank, _total, who in top]))).all()) if top else {}
    return {"leaderboard": [{"rank": rank, "total": str(total), "participant_id": who, "name": names.get(who, "")}
                            for rank, total, who in top],
            "histogram": board.histogram(10)}
