"""Grading one answer, deciding what a newly arrived answer changes, and grading a whole attempt.
The void rules live here and nowhere else: a question voided with full points gives everyone its
points, a removed one counts for nothing, in the total and in the maximum."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from grading.model import AttemptResult, Grade, Outcome, QuestionSnapshot, QuestionType, Response, Void, judge_value
from grading.policy import MultiRule, Policy

ZERO = Decimal(0)
_SEPARATORS = re.compile(r"[\s、,，;；/]+")
_STORED_JUDGE = frozenset("TF")


def _letters(text: str) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).strip().upper())


def key_letters(text: str | None) -> str | None:
    """Sorted option letters as people write them (``ACD``, ``A、C、D``, ``a, c d``), or None when
    it is empty, repeats a letter or holds anything but letters.  Banks and regrades read keys
    with this; which letters a question has is for the caller to check."""
    letters = _letters(text or "")
    if not letters or not letters.isalpha() or len(set(letters)) != len(letters):
        return None
    return "".join(sorted(letters))


def normalize_choice(question: QuestionSnapshot, choice: str | None) -> str | None:
    """The choice in stored form (sorted letters, or T/F), or None when it is not valid for
    ``question`` (unknown letter, repeated letter, several letters for single choice)."""
    if choice is None:
        return None
    if not isinstance(choice, str):
        choice = str(choice)
    if question.type == QuestionType.JUDGE:
        return choice if choice in _STORED_JUDGE else judge_value(choice)
    # What browsers send is already letters: only anything else is normalised (NFKC, separators).
    text = choice if choice.isascii() and choice.isalpha() and choice.isupper() else _letters(choice)
    if not text or len(set(text)) != len(text) or any(c not in question.options for c in text):
        return None
    if question.type == QuestionType.SINGLE and len(text) != 1:
        return None
    return "".join(sorted(text))


class KeyProblem(StrEnum):
    NOT_TRUE_FALSE = "not_true_false"  # a true/false key that is neither 对 nor 错
    NOT_LETTERS = "not_letters"  # empty, repeated or not letters at all
    NOT_AN_OPTION = "not_an_option"  # names a letter the question has no option for
    SINGLE_WITH_MANY = "single_with_many"  # several letters for a single-choice question


def check_key(question_type: str, options: tuple[str, ...] | frozenset[str], key: str) -> tuple[str | None,
                                                                                                 KeyProblem | None]:
    """A key as someone typed it, in stored form, or the problem with it for this question."""
    if question_type == QuestionType.JUDGE:
        value = judge_value(key)
        return (value, None) if value else (None, KeyProblem.NOT_TRUE_FALSE)
    letters = key_letters(key)
    if letters is None:
        return None, KeyProblem.NOT_LETTERS
    if any(c not in options for c in letters):
        return None, KeyProblem.NOT_AN_OPTION
    if question_type == QuestionType.SINGLE and len(letters) != 1:
        return None, KeyProblem.SINGLE_WITH_MANY
    return letters, None


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
    """Points and outcome for one answer, the question's void applied.  An invalid or missing
    choice scores 0 (unanswered), except on a question voided with full points."""
    grade = _grade(question, response, policy)
    if question.void is None:
        return grade
    if question.void is Void.REMOVE:  # the outcome stays for the record; nothing counts
        return Grade(ZERO, grade.outcome)
    # Void.FULL_POINTS
    return Grade(question.points, grade.outcome if grade.outcome is Outcome.UNANSWERED else Outcome.CORRECT,
                 grade.bonus)


def _grade(question: QuestionSnapshot, response: Response | None, policy: Policy) -> Grade:
    choice = normalize_choice(question, response.choice if response else None)
    if choice is None:
        return Grade(ZERO, Outcome.UNANSWERED)
    if question.type in (QuestionType.JUDGE, QuestionType.SINGLE):
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


def grade_attempt(questions: list[QuestionSnapshot], responses: dict[int, Response], policy: Policy,
                  order: list[int] | None = None) -> AttemptResult:
    """Every question of an attempt graded (``order``: the ids this participant was given, when
    papers are drawn; else all of ``questions``).  Unanswered questions score 0, removed ones
    count neither in the total nor in the maximum."""
    by_id = {q.id: q for q in questions}
    result = AttemptResult()
    for question_id in order if order is not None else list(by_id):
        question = by_id[question_id]
        grade = grade_answer(question, responses.get(question.id), policy)
        result.grades[question.id] = grade
        result.total += grade.points
        result.bonus += grade.bonus
        if question.counts:
            result.max_total += question.points
    return result


def max_total(questions: list[QuestionSnapshot], order: list[int] | None = None) -> Decimal:
    """The most a participant given ``order`` (default: every question) can score."""
    by_id = {q.id: q for q in questions}
    return sum((by_id[i].points for i in (order if order is not None else by_id) if by_id[i].counts), ZERO)


# --- a newly arrived answer -----------------------------------------------------------------------


class Recording(StrEnum):
    SAVED = "saved"  # stored (first answer, or a change with a higher sequence number)
    DUPLICATE = "duplicate"  # the same answer with the same sequence number: already stored
    STALE = "stale"  # an answer with a higher sequence number is already stored
    INVALID = "invalid"  # not a valid choice for this question, or not this participant's question


@dataclass(frozen=True)
class StoredAnswer:
    """What is already stored for a participant's question."""

    choice: str
    seq: int
    points: Decimal
    bonus: Decimal
    outcome: str


@dataclass(frozen=True)
class Decision:
    """What recording an answer does: its status; when saved, the stored choice, its grade,
    the changes to the participant's total (knowledge points) and to their speed bonus, and
    whether it is the first answer to the question."""

    status: Recording
    choice: str | None = None
    grade: Grade | None = None
    delta: Decimal = ZERO
    first: bool = False
    bonus_delta: Decimal = ZERO


def decide_answer(question: QuestionSnapshot, choice: str, seq: int, seconds: float | None,
                  existing: StoredAnswer | None, policy: Policy, assigned: bool = True) -> Decision:
    """Whether an answer (``choice`` in the question's own letters) replaces what is stored:
    the highest sequence number wins, whatever order answers arrive in.  ``assigned``: the
    question is on this participant's paper.  Constant work: the total changes by a delta."""
    stored = normalize_choice(question, choice)
    if stored is None or not assigned:
        return Decision(Recording.INVALID)
    if existing is not None and existing.seq >= seq:
        same = existing.seq == seq and existing.choice == stored
        return Decision(Recording.DUPLICATE if same else Recording.STALE)
    grade = grade_answer(question, Response(question.id, stored, seconds), policy)
    # What the question counted before: the stored answer's, or what no answer is worth (a
    # question voided with full points already gave its points).
    before = Grade(existing.points, Outcome(existing.outcome), existing.bonus) if existing is not None \
        else grade_answer(question, None, policy)
    return Decision(Recording.SAVED, stored, grade, grade.points - before.points, first=existing is None,
                    bonus_delta=grade.bonus - before.bonus)
