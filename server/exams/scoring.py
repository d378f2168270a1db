"""The bridge between stored sessions and the pure grading package."""
from __future__ import annotations

from decimal import Decimal

from grading import MultiRule, Policy, QuestionSnapshot, SpeedBonus
from server.exams.models import LiveSession, SessionQuestion


def policy_for(session: LiveSession) -> Policy:
    bonus = None
    if session.speed_bonus_points and session.speed_bonus_seconds:
        bonus = SpeedBonus(session.speed_bonus_points, float(session.speed_bonus_seconds))
    return Policy(multi=MultiRule(session.multi_rule), step=session.rounding_step, speed_bonus=bonus)


def snapshot(question: SessionQuestion) -> QuestionSnapshot:
    return QuestionSnapshot(question.id, question.type, question.answer, question.points,
                            tuple(sorted(question.options)))


def counted_max(questions: list[SessionQuestion], order: list[int]) -> Decimal:
    """The maximum a participant can score on the questions they were given (removed voids
    do not count)."""
    by_id = {q.id: q for q in questions}
    return sum((by_id[i].points for i in order if by_id[i].void != "remove"), Decimal(0))
