"""Scoring, pure: question snapshots + responses + a policy -> points, totals, ranks, pass/fail,
item analysis and regrades.  No Flask, no database: callers pass dataclasses and get dataclasses.

Points are Decimals, rounded half-up to the policy's step (0.5 by default) once per answer.
"""
from grading.analysis import ItemAnalysis, analyse_items
from grading.leaderboard import Leaderboard
from grading.model import (
    Grade,
    Outcome,
    QuestionSnapshot,
    QuestionType,
    Response,
    Void,
    judge_label,
    judge_value,
)
from grading.policy import MultiRule, Policy, SpeedBonus
from grading.regrade import Attempt, RegradeChange, regrade
from grading.scoring import (
    Decision,
    KeyProblem,
    Recording,
    StoredAnswer,
    check_key,
    decide_answer,
    grade_answer,
    grade_attempt,
    key_letters,
    max_total,
    normalize_choice,
)
from grading.totals import competition_ranks, histogram, pass_threshold, passed, points_text

__all__ = [
    "Attempt", "Decision", "Grade", "ItemAnalysis", "KeyProblem", "Leaderboard", "MultiRule", "Outcome", "Policy",
    "QuestionSnapshot", "QuestionType", "Recording", "RegradeChange", "Response", "SpeedBonus", "StoredAnswer",
    "Void", "analyse_items", "check_key", "competition_ranks", "decide_answer", "grade_answer", "grade_attempt",
    "histogram", "judge_label", "judge_value", "key_letters", "max_total", "normalize_choice", "pass_threshold",
    "passed", "points_text", "regrade",
]
