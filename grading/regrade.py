"""Regrading: corrected keys and voided questions, and what they change for each participant.
The one regrade: the preview page, applying it and the tests all call ``regrade``."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from grading.model import Grade, QuestionSnapshot, Response, Void
from grading.policy import Policy
from grading.scoring import grade_attempt
from grading.totals import passed


@dataclass(frozen=True)
class Attempt:
    """What a participant was given and answered.  ``order``: their question ids (drawn papers
    differ per participant; None: every question).  ``total``: the total stored for them, which
    the regrade reports as the old one (None: graded afresh from the responses)."""

    responses: dict[int, Response]
    order: list[int] | None = None
    total: Decimal | None = None


@dataclass(frozen=True)
class RegradeChange:
    """Totals are knowledge points (pass/fail is decided on them); ``new_bonus`` is the speed
    bonus after the regrade, kept apart."""

    participant: object
    old_total: Decimal
    new_total: Decimal
    old_passed: bool
    new_passed: bool
    old_max: Decimal
    new_max: Decimal
    grades: dict[int, Grade] = field(default_factory=dict)  # question id -> new grade, answered ones only
    new_bonus: Decimal = Decimal(0)

    @property
    def changed(self) -> bool:
        return (self.old_total, self.old_passed, self.old_max) != (self.new_total, self.new_passed,
                                                                   self.new_max)


def corrected(questions: list[QuestionSnapshot], keys: dict[int, str] | None = None,
              voids: dict[int, Void] | None = None) -> list[QuestionSnapshot]:
    """The questions with corrected keys and voids; earlier voids stay unless replaced."""
    keys, voids = keys or {}, voids or {}
    return [replace(q, answer=keys.get(q.id, q.answer), void=voids.get(q.id, q.void)) for q in questions]


def regrade(questions: list[QuestionSnapshot], attempts: dict[object, Attempt], policy: Policy,
            pass_percent: Decimal, keys: dict[int, str] | None = None,
            voids: dict[int, Void] | None = None) -> list[RegradeChange]:
    """Old and new total, maximum and pass/fail for every participant (changed or not), on top
    of the keys and voids ``questions`` already carry; with each answered question's new grade."""
    new_questions = corrected(questions, keys, voids)
    changes = []
    for who, attempt in attempts.items():
        old = grade_attempt(questions, attempt.responses, policy, attempt.order)
        new = grade_attempt(new_questions, attempt.responses, policy, attempt.order)
        old_total = attempt.total if attempt.total is not None else old.total
        changes.append(RegradeChange(
            who, old_total, new.total, passed(old_total, old.max_total, pass_percent),
            passed(new.total, new.max_total, pass_percent), old.max_total, new.max_total,
            {q: g for q, g in new.grades.items() if q in attempt.responses}, new.bonus))
    return changes
