"""Scoring, pure: question snapshots + responses + a policy -> points, totals, ranks, pass/fail,
item analysis and regrades.  No Flask, no database: callers pass dataclasses and get dataclasses.

Points are Decimals, rounded half-up to the policy's step (0.5 by default) once per answer.
"""
from grading.analysis import ItemAnalysis, analyse_items
from grading.leaderboard import Leaderboard
from grading.model import Grade, Outcome, QuestionSnapshot, Response
from grading.policy import MultiRule, Policy, SpeedBonus
from grading.regrade import RegradeChange, Void, regrade
from grading.scoring import grade_answer, grade_attempt, normalize_choice
from grading.totals import competition_ranks, pass_threshold, passed

__all__ = [
    "Grade", "ItemAnalysis", "Leaderboard", "MultiRule", "Outcome", "Policy", "QuestionSnapshot",
    "RegradeChange", "Response", "SpeedBonus", "Void", "analyse_items", "competition_ranks",
    "grade_answer", "grade_attempt", "normalize_choice", "pass_threshold", "passed", "regrade",
]
