"""How a paper scores: the multiple-choice rule, rounding and the optional speed bonus."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum


class MultiRule(StrEnum):
    """Conventions Chinese exams use for multiple choice."""

    EXACT = "exact"  # 全对才得分: full points only for exactly the keyed set
    PARTIAL = "partial"  # 少选得部分分: share of the correct options picked; 0 if any wrong
    HALF = "half"  # 少选得一半分: half points for a correct proper subset; 0 if any wrong
    PENALTY = "penalty"  # + per correct option, - per wrong option, never below 0


@dataclass(frozen=True)
class SpeedBonus:
    """Extra points for a fully correct answer, falling linearly from ``max_points`` at once to
    0 at ``window_seconds``.  Off unless a paper sets it."""

    max_points: Decimal
    window_seconds: float

    def bonus(self, seconds: float | None) -> Decimal:
        if seconds is None or seconds >= self.window_seconds:
            return Decimal(0)
        share = Decimal(str(max(0.0, 1 - max(seconds, 0.0) / self.window_seconds)))
        return self.max_points * share


@dataclass(frozen=True)
class Policy:
    multi: MultiRule = MultiRule.EXACT
    # Every answer's points are rounded half-up to a multiple of this step (0.5: 1.25 -> 1.5,
    # 0.66 -> 0.5).  Rounding never takes points above the question's maximum or below 0.
    step: Decimal = Decimal("0.5")
    speed_bonus: SpeedBonus | None = None

    def round(self, value: Decimal) -> Decimal:
        if self.step <= 0:
            return value
        return (value / self.step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * self.step
