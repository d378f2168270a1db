"""The data grading works on."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


@dataclass(frozen=True)
class QuestionSnapshot:
    """A question as an exam froze it.  ``answer`` is "T"/"F" (judge) or sorted letters."""

    id: int
    type: str  # "judge" | "single" | "multi"
    answer: str
    points: Decimal
    options: tuple[str, ...] = ()  # option letters, e.g. ("A", "B", "C", "D"); empty for judge

    @property
    def choices(self) -> frozenset[str]:
        return frozenset(self.options) if self.type != "judge" else frozenset("TF")


@dataclass(frozen=True)
class Response:
    """One participant's answer to one question: the chosen letters ("T"/"F" for judge), and
    seconds from the question's opening to the answer (used only by the speed bonus)."""

    question_id: int
    choice: str
    seconds: float | None = None


class Outcome(StrEnum):
    CORRECT = "correct"
    PARTIAL = "partial"
    WRONG = "wrong"
    UNANSWERED = "unanswered"


@dataclass(frozen=True)
class Grade:
    points: Decimal
    outcome: Outcome
    bonus: Decimal = Decimal(0)


@dataclass
class AttemptResult:
    """One participant's whole attempt."""

    grades: dict[int, Grade] = field(default_factory=dict)
    total: Decimal = Decimal(0)
    max_total: Decimal = Decimal(0)
