"""Grading one answer, and one whole attempt."""
from __future__ import annotations

import unicodedata
from decimal import Decimal

from grading.model import AttemptResult, Grade, Outcome, QuestionSnapshot, Response
from grading.policy import MultiRule, Policy

ZERO = Decimal(0)
_JUDGE = {"T": "T", "F": "F", "对": "T", "错": "F", "√": "T", "×": "F"}


def normalize_choice(question: QuestionSnapshot, choice: str | None) -> str | None:
    """The choice in stored form (sorted letters, or T/F), or None when it is not valid for
    ``question`` (unknown letter, repeated letter, several letters for single choice)."""
    if choice is None:
        return None
    text = unicodedata.normalize("NFKC", str(choice)).strip().upper().replace(",", "").replace(" ", "")
    if question.type == "judge":
        return _JUDGE.get(text)
    if not text or len(set(text)) != len(text) or any(c not in question.options for c in text):
        return None
    if question.type == "single" and len(text) != 1:
        return None
    return "".join(sorted(text))


def _raw_multi(question: QuestionSnapshot, picked: str, rule: MultiRule) -> Decimal:
    key = set(question.answer)
    chosen = set(picked)
    right, wrong = len(chosen & key), len(chosen - key)
    full = question.points
    if rule is MultiRule.EXACT:
        return full if chosen == key else ZERO
    if rule is MultiRule.PENALTY:
        unit = full / len(key)
        return max(ZERO, unit * right - unit * wrong)
    if wrong:
        return ZERO
    if rule is MultiRule.PARTIAL:
        return full * right / len(key)
    # HALF
    if right == len(key):
        return full
    return full / 2 if right else ZERO


def grade_answer(question: QuestionSnapshot, response: Response | None, policy: Policy) -> Grade:
    """Points and outcome for one answer.  An invalid or missing choice scores 0 (unanswered)."""
    choice = normalize_choice(question, response.choice if response else None)
    if choice is None:
        return Grade(ZERO, Outcome.UNANSWERED)
    if question.type in ("judge", "single"):
        raw = question.points if choice == question.answer else ZERO
    else:
        raw = _raw_multi(question, choice, policy.multi)
    points = min(question.points, max(ZERO, policy.round(raw)))
    if choice == question.answer:
        outcome = Outcome.CORRECT
    elif points > 0:
        outcome = Outcome.PARTIAL
    else:
        outcome = Outcome.WRONG
    bonus = ZERO
    if outcome is Outcome.CORRECT and policy.speed_bonus is not None:
        bonus = policy.round(policy.speed_bonus.bonus(response.seconds))
    return Grade(points, outcome, bonus)


def grade_attempt(questions: list[QuestionSnapshot], responses: dict[int, Response],
                  policy: Policy) -> AttemptResult:
    """Every question of an attempt graded; unanswered questions score 0."""
    result = AttemptResult()
    for question in questions:
        grade = grade_answer(question, responses.get(question.id), policy)
        result.grades[question.id] = grade
        result.total += grade.points + grade.bonus
        result.max_total += question.points
    return result
