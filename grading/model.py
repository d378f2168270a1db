"""The data grading works on, and the exam's vocabulary: question types, true/false spellings,
outcomes and voids.  Every other package takes these names from here."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class QuestionType(StrEnum):
    JUDGE = "judge"  # 判断题: answer "T" or "F"
    SINGLE = "single"  # 单选题: one letter
    MULTI = "multi"  # 多选题: one or more letters, sorted


class Void(StrEnum):
    """How a regrade takes a broken question out of the contest."""

    FULL_POINTS = "full_points"  # everyone gets the question's points, answered or not
    REMOVE = "remove"  # the question no longer counts, in the total or the maximum


class Outcome(StrEnum):
    CORRECT = "correct"
    PARTIAL = "partial"
    WRONG = "wrong"
    UNANSWERED = "unanswered"


# True/false as Chinese and Moodle banks, and trainees, write it.  Stored as "T" / "F".
TRUE_SPELLINGS = frozenset({"t", "true", "对", "√", "✓", "✔", "正确", "是", "yes", "y", "1"})
FALSE_SPELLINGS = frozenset({"f", "false", "错", "×", "✗", "✘", "x", "错误", "否", "no", "n", "0"})
JUDGE_LABELS = {"T": "对", "F": "错"}  # how a stored true/false value is shown in Chinese


def judge_value(text: str | None) -> str | None:
    """"T" or "F" for any spelling of true or false, else None."""
    word = unicodedata.normalize("NFKC", text or "").strip().strip("()（）[]【】").strip().lower()
    if word in TRUE_SPELLINGS:
        return "T"
    if word in FALSE_SPELLINGS:
        return "F"
    return None


def judge_label(answer: str) -> str:
    """对 / 错 for a stored true/false value; anything else unchanged."""
    return JUDGE_LABELS.get(answer, answer)


@dataclass(frozen=True)
class QuestionSnapshot:
    """A question as an exam froze it.  ``answer`` is "T"/"F" (judge) or sorted letters;
    ``void`` is set when a regrade took the question out of the contest."""

    id: int
    type: str  # a QuestionType
    answer: str
    points: Decimal
    options: tuple[str, ...] = ()  # option letters, e.g. ("A", "B", "C", "D"); empty for judge
    void: Void | None = None

    @property
    def choices(self) -> frozenset[str]:
        return frozenset(self.options) if self.type != QuestionType.JUDGE else frozenset("TF")

    @property
    def counts(self) -> bool:
        """Whether the question counts towards totals and the maximum."""
        return self.void is not Void.REMOVE


@dataclass(frozen=True)
class Response:
    """One participant's answer to one question: the chosen letters ("T"/"F" for judge), and
    seconds from the question's opening to the answer (used only by the speed bonus)."""

    question_id: int
    choice: str
    seconds: float | None = None


@dataclass(frozen=True)
class Grade:
    points: Decimal
    outcome: Outcome
    bonus: Decimal = Decimal(0)

    @property
    def counted(self) -> Decimal:
        """Points and bonus together: what the live leaderboard adds up (results never do)."""
        return self.points + self.bonus


@dataclass
class AttemptResult:
    """One participant's whole attempt.  ``total`` is knowledge points only: it decides pass or
    fail and is what a certificate prints, out of ``max_total``; the speed bonus is kept apart."""

    grades: dict[int, Grade] = field(default_factory=dict)
    total: Decimal = Decimal(0)
    max_total: Decimal = Decimal(0)
    bonus: Decimal = Decimal(0)
