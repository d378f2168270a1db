"""Deterministic draws and shuffles: the same session seed and participant always give the same
questions in the same order with the same option order, so any result can be reproduced."""
from __future__ import annotations

import hashlib
import random


def rng_for(session_seed: int, user_id: int, purpose: str) -> random.Random:
    digest = hashlib.sha256(f"{session_seed}:{user_id}:{purpose}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311 (fairness, not secrecy)


def draw(pool: list[int], count: int, rng: random.Random) -> list[int]:
    """``count`` ids from ``pool`` (sorted first, so the database's row order does not matter)."""
    ordered = sorted(pool)
    if count > len(ordered):
        raise ValueError(f"only {len(ordered)} questions to draw {count} from")
    return rng.sample(ordered, count)


def option_order(letters: list[str], rng: random.Random) -> str:
    """A permutation of the option letters: position i shows the canonical option order[i]."""
    shuffled = list(letters)
    rng.shuffle(shuffled)
    return "".join(shuffled)


def to_canonical(order: str | None, display_choice: str) -> str:
    """Map letters as displayed (A = first shown) back to the canonical option letters."""
    if not order:
        return display_choice
    mapping = {chr(ord("A") + i): canonical for i, canonical in enumerate(order)}
    return "".join(sorted(mapping.get(c, "?") for c in display_choice))


def to_display(order: str | None, canonical_choice: str) -> str:
    if not order:
        return canonical_choice
    mapping = {canonical: chr(ord("A") + i) for i, canonical in enumerate(order)}
    return "".join(sorted(mapping.get(c, "?") for c in canonical_choice))
