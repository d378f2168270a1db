"""Ranks and pass/fail."""
from __future__ import annotations

from collections.abc import Hashable
from decimal import ROUND_UP, Decimal


def competition_ranks(totals: dict[Hashable, Decimal]) -> dict[Hashable, int]:
    """Standard competition ranking ("1224"): equal totals share a rank, the next rank skips."""
    ordered = sorted(totals.values(), reverse=True)
    first_at: dict[Decimal, int] = {}
    for position, total in enumerate(ordered, start=1):
        first_at.setdefault(total, position)
    return {who: first_at[total] for who, total in totals.items()}


def pass_threshold(max_total: Decimal, pass_percent: Decimal) -> Decimal:
    """Points needed to pass: exactly ``pass_percent`` of the maximum, never rounded in the
    trainee's favour (60% of 12 is 7.2, so 7.0 fails), shown to two places."""
    return (max_total * pass_percent / 100).quantize(Decimal("0.01"), rounding=ROUND_UP)


def passed(total: Decimal, max_total: Decimal, pass_percent: Decimal) -> bool:
    return total >= pass_threshold(max_total, pass_percent)


def points_text(points: Decimal | None) -> str:
    """Points as every page and document prints them: no trailing zeros and never an exponent
    (``Decimal("10.0").normalize()`` alone prints "1E+1")."""
    if points is None:
        return ""
    return f"{points.normalize():f}"
