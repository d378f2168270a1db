"""Regrading: a corrected key or a voided question, and what it changes for each participant."""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from grading.model import QuestionSnapshot, Response
from grading.policy import Policy
from grading.scoring import grade_attempt
from grading.totals import passed


class Void(StrEnum):
    FULL_POINTS = "full_points"  # everyone gets the question's points
    REMOVE = "remove"  # the question no longer counts, in the total or the maximum


@dataclass(frozen=True)
class RegradeChange:
    participant: object
    old_total: Decimal
    new_total: Decimal
    old_passed: bool
    new_passed: bool
    old_max: Decimal
    new_max: Decimal

    @property
    def changed(self) -> bool:
        return (self.old_total, self.old_passed, self.old_max) != (self.new_total, self.new_passed,
                                                                   self.new_max)


def corrected(questions: list[QuestionSnapshot], keys: dict[int, str] | None = None,
              voids: dict[int, Void] | None = None) -> tuple[list[QuestionSnapshot], set[int]]:
    """The questions with corrected keys, without removed ones; and the ids voided with full points."""
    keys, voids = keys or {}, voids or {}
    result, full = [], set()
    for question in questions:
        void = voids.get(question.id)
        if void is Void.REMOVE:
            continue
        if void is Void.FULL_POINTS:
            full.add(question.id)
        result.append(replace(question, answer=keys.get(question.id, question.answer)))
    return result, full


def regrade(questions: list[QuestionSnapshot], responses: dict[object, dict[int, Response]],
            policy: Policy, pass_percent: Decimal, keys: dict[int, str] | None = None,
            voids: dict[int, Void] | None = None) -> list[RegradeChange]:
    """Old and new total and pass/fail for every participant (changed or not)."""
    new_questions, full = corrected(questions, keys, voids)
    changes = []
    for who, answers in responses.items():
        old = grade_attempt(questions, answers, policy)
        new = grade_attempt(new_questions, answers, policy)
        for question in new_questions:
            if question.id in full:
                grade = new.grades[question.id]
                new.total += question.points - grade.points
        changes.append(RegradeChange(
            who, old.total, new.total, passed(old.total, old.max_total, pass_percent),
            passed(new.total, new.max_total, pass_percent), old.max_total, new.max_total))
    return changes
