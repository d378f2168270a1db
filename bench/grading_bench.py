"""Benchmark: grade 1,000,000 answers across the policies, and the cost per answer of the
incremental leaderboard at 10,000 participants.

Baselines measured in the same run:
- grading: a bare loop that only compares the choice with the key (the floor any grader pays);
- leaderboard: recomputing ranks by sorting all totals after each answer (what "rescan" costs).

Prints one JSON object.  Usage: python bench/grading_bench.py [ANSWERS] [PARTICIPANTS]
"""
from __future__ import annotations

import json
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grading import (
    Leaderboard,
    MultiRule,
    Policy,
    QuestionSnapshot,
    Response,
    competition_ranks,
    grade_answer,
)


def _questions(rng: random.Random, count: int = 100) -> list[QuestionSnapshot]:
    questions = []
    for index in range(count):
        kind = ("judge", "single", "multi")[index % 3]
        if kind == "judge":
            questions.append(QuestionSnapshot(index, kind, rng.choice("TF"), Decimal(1)))
        elif kind == "single":
            questions.append(QuestionSnapshot(index, kind, rng.choice("ABCD"), Decimal(2), tuple("ABCD")))
        else:
            key = "".join(sorted(rng.sample("ABCD", rng.randint(2, 4))))
            questions.append(QuestionSnapshot(index, kind, key, Decimal(3), tuple("ABCD")))
    return questions


def _answers(rng, questions, count):
    answers = []
    for _ in range(count):
        question = rng.choice(questions)
        if question.type == "judge":
            choice = rng.choice("TF")
        elif question.type == "single":
            choice = rng.choice("ABCD")
        else:
            choice = "".join(sorted(rng.sample("ABCD", rng.randint(1, 4))))
        answers.append((question, Response(question.id, choice)))
    return answers


def bench_grading(count: int) -> dict:
    rng = random.Random(11)  # noqa: S311 (test data)
    answers = _answers(rng, _questions(rng), count)
    started = time.perf_counter()
    hits = sum(1 for question, response in answers if response.choice == question.answer)
    baseline = time.perf_counter() - started
    per_rule = {}
    for rule in MultiRule:
        policy = Policy(multi=rule)
        started = time.perf_counter()
        total = Decimal(0)
        for question, response in answers:
            total += grade_answer(question, response, policy).points
        per_rule[rule.value] = round(count / (time.perf_counter() - started))
    slowest = min(per_rule.values())
    return {"answers": count, "answers_per_second": per_rule, "correct_share": round(hits / count, 3),
            "baseline_compare_only_per_second": round(count / baseline),
            "slowest_policy_vs_compare_only_time_ratio": round((count / slowest) / baseline, 1)}


def bench_leaderboard(participants: int, updates: int = 20_000, naive_updates: int = 200) -> dict:
    rng = random.Random(5)  # noqa: S311
    board = Leaderboard(Decimal(100))
    totals = {who: Decimal(rng.randint(0, 200)) / 2 for who in range(participants)}
    for who, total in totals.items():
        board.set_total(who, total)
    moves = [(rng.randrange(participants), Decimal(rng.randint(0, 200)) / 2) for _ in range(updates)]
    started = time.perf_counter()
    for who, total in moves:
        board.set_total(who, total)
        board.rank(who)
    ours = (time.perf_counter() - started) / updates
    started = time.perf_counter()
    for who, total in moves[:naive_updates]:
        totals[who] = total
        competition_ranks(totals)[who]
    naive = (time.perf_counter() - started) / naive_updates
    return {"participants": participants, "update_and_rank_microseconds": round(ours * 1e6, 2),
            "baseline_full_rerank_microseconds": round(naive * 1e6, 1),
            "baseline_vs_ours_ratio": round(naive / ours)}


if __name__ == "__main__":
    answers = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    people = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    print(json.dumps({"benchmark": "grading", "grading": bench_grading(answers),
                      "leaderboard": bench_leaderboard(people)}, indent=2))
