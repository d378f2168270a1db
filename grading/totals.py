"""Ranks and pass/fail."""
from __future__ import annotations

from collections.abc import Hashable
from decimal import ROUND_HALF_UP, Decimal


def competition_ranks(totals: dict[Hashable, Decimal]) -> dict[Hashable, int]:
    """Standard competition ranking ("1224"): equal totals share a rank, the next rank skips."""
    ordered = sorted(totals.values(), reverse=True)
    first_at: dict[Decimal, int] = {}
    for position, total in enumerate(ordered, start=1):
        first_at.setdefault(total, position)
    return {who: first_at[total] for who, total in totals.items()}


def pass_threshold(max_total: Decimal, pass_percent: Decimal) -> Decimal:
    """Points needed to pass: ``pass_percent`` of the maximum, rounded half-up to 0.5."""
    raw = max_total * pass_percent / 100
    return (raw * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2


def passed(total: Decimal, max_total: Decimal, pass_percent: Decimal) -> bool:
    return total >= pass_threshold(max_total, pass_percent)
