"""Item analysis after a session: which questions work, and which look broken.

For each question: facility (答对率: share of participants with full points), discrimination
(share correct in the upper 27% by total minus the lower 27%), the point-biserial correlation
between being correct and the rest of the score (the total without this question, so a
question does not correlate with itself), how many picked each option, and flags.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from grading.model import Grade, Outcome, QuestionSnapshot

GROUP_SHARE = 0.27
EASY = 0.95
HARD = 0.05


@dataclass(frozen=True)
class ItemAnalysis:
    question_id: int
    participants: int
    facility: float
    discrimination: float
    point_biserial: float | None
    option_counts: dict[str, int]
    unanswered: int
    flags: tuple[str, ...] = field(default=())


def _point_biserial(correct: list[bool], rest: list[float]) -> float | None:
    n = len(rest)
    p = sum(correct) / n if n else 0
    if n < 2 or p in (0, 1):
        return None
    mean = sum(rest) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in rest) / n)
    if sd == 0:
        return None
    mean_right = sum(x for x, c in zip(rest, correct, strict=True) if c) / sum(correct)
    mean_wrong = sum(x for x, c in zip(rest, correct, strict=True) if not c) / (n - sum(correct))
    return (mean_right - mean_wrong) / sd * math.sqrt(p * (1 - p))


def analyse_items(questions: list[QuestionSnapshot], grades: dict[object, dict[int, Grade]],
                  choices: dict[object, dict[int, str]]) -> list[ItemAnalysis]:
    """``grades[participant][question_id]`` and ``choices[participant][question_id]`` (letters)
    for every participant; a question missing from a participant's grades counts as unanswered."""
    people = sorted(grades, key=lambda who: str(who))
    totals = {who: float(sum((g.points + g.bonus for g in grades[who].values()), Decimal(0)))
              for who in people}
    ranked = sorted(people, key=lambda who: (-totals[who], str(who)))
    size = max(1, round(len(ranked) * GROUP_SHARE)) if ranked else 0
    upper, lower = set(ranked[:size]), set(ranked[-size:]) if size else set()
    results = []
    for question in questions:
        def correct(who, question=question) -> bool:
            grade = grades[who].get(question.id)
            return grade is not None and grade.outcome is Outcome.CORRECT

        flags_correct = [correct(who) for who in people]
        n = len(people)
        facility = sum(flags_correct) / n if n else 0.0
        p_upper = sum(correct(w) for w in upper) / len(upper) if upper else 0.0
        p_lower = sum(correct(w) for w in lower) / len(lower) if lower else 0.0
        rest = [totals[w] - float(grades[w][question.id].points if question.id in grades[w] else 0)
                for w in people]
        r_pb = _point_biserial(flags_correct, rest)
        letters = sorted(question.choices)
        counts = dict.fromkeys(letters, 0)
        unanswered = 0
        upper_counts = dict.fromkeys(letters, 0)
        for who in people:
            picked = choices.get(who, {}).get(question.id) or ""
            if not picked:
                unanswered += 1
            for letter in picked:
                if letter in counts:
                    counts[letter] += 1
                    if who in upper:
                        upper_counts[letter] += 1
        flags = []
        if n >= 2 and (p_upper - p_lower < 0 or (r_pb is not None and r_pb < 0)):
            flags.append("negative_discrimination")
        if n and facility >= EASY:
            flags.append("nearly_all_right")
        if n and facility <= HARD:
            flags.append("nearly_all_wrong")
        keyed = set(question.answer)
        best_key = max((upper_counts[k] for k in keyed if k in upper_counts), default=0)
        if any(upper_counts[k] > best_key for k in letters if k not in keyed):
            flags.append("key_suspect")  # the upper group prefers a distractor
        results.append(ItemAnalysis(question.id, n, facility, p_upper - p_lower, r_pb, counts,
                                    unanswered, tuple(flags)))
    return results
