"""Ranks, pass/fail and the score histogram."""
from __future__ import annotations

import math
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


NICE_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


def histogram(totals: list[Decimal], maximum: Decimal, most: int = 10) -> list[tuple[Decimal, Decimal, int]]:
    """Totals counted in at most ``most`` buckets of a round width (1, 2, 2.5, 5 times a power of
    ten, never less than 0.5: "0–2", "2–4", never "0–1.7"), each bucket [low, high) and the last one
    closed at ``maximum``: (low, high, count) per bucket, the last ``high`` being ``maximum``."""
    if maximum <= 0:
        return [(Decimal(0), Decimal(0), len(totals))]
    raw = maximum / most
    scale = Decimal(10) ** (raw.adjusted())
    width = next((step * scale for step in NICE_STEPS if step * scale >= raw), 10 * scale)
    width = max(width, Decimal("0.5"))
    buckets = math.ceil(maximum / width)
    counts = [0] * buckets
    for total in totals:
        counts[min(buckets - 1, max(0, int(total // width)))] += 1
    return [(width * i, min(width * (i + 1), maximum), counts[i]) for i in range(buckets)]


def points_text(points: Decimal | None) -> str:
    """Points as every page and document prints them: no trailing zeros and never an exponent
    (``Decimal("10.0").normalize()`` alone prints "1E+1")."""
    if points is None:
        return ""
    return f"{points.normalize():f}"
