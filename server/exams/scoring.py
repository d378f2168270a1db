"""The bridge between stored sessions and the pure grading package: the session's policy and
its questions as grading snapshots.  The rules themselves are grading/'s."""
from __future__ import annotations

from decimal import Decimal

from grading import MultiRule, Policy, QuestionSnapshot, SpeedBonus, Void, max_total
from server.exams.models import LiveSession, SessionQuestion


def policy_for(session: LiveSession) -> Policy:
    bonus = None
    if session.speed_bonus_points and session.speed_bonus_seconds:
        bonus = SpeedBonus(session.speed_bonus_points, float(session.speed_bonus_seconds))
    return Policy(multi=MultiRule(session.multi_rule), step=session.rounding_step, speed_bonus=bonus)


def snapshot(question: SessionQuestion) -> QuestionSnapshot:
    """``question`` (an ORM object or a row with the same fields) as grading sees it."""
    return QuestionSnapshot(question.id, question.type, question.answer, question.points,
                            tuple(sorted(question.options or ())), Void(question.void) if question.void else None)


def counted_max(questions: list[SessionQuestion], order: list[int]) -> Decimal:
    """The maximum a participant can score on the questions they were given (removed voids
    do not count)."""
    return max_total([snapshot(q) for q in questions], order)
