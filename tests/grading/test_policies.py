"""Every scoring policy on worked examples, and the properties every policy must keep."""
from __future__ import annotations

import ast
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grading import (
    MultiRule,
    Outcome,
    Policy,
    QuestionSnapshot,
    Response,
    SpeedBonus,
    competition_ranks,
    grade_answer,
    pass_threshold,
    passed,
    points_text,
)

MULTI = QuestionSnapshot(1, "multi", "ACD", D(3), ("A", "B", "C", "D"))
SINGLE = QuestionSnapshot(2, "single", "B", D(2), ("A", "B", "C", "D"))
JUDGE = QuestionSnapshot(3, "judge", "F", D(1))


def points(question, choice, rule=MultiRule.EXACT, **policy):
    return grade_answer(question, Response(question.id, choice), Policy(multi=rule, **policy)).points


def test_true_false_and_single_choice_are_all_or_nothing():
    assert points(JUDGE, "F") == 1 and points(JUDGE, "错") == 1 and points(JUDGE, "T") == 0
    assert points(SINGLE, "B") == 2 and points(SINGLE, "A") == 0
    assert grade_answer(SINGLE, Response(2, "AB"), Policy()).outcome is Outcome.UNANSWERED  # invalid


# Key ACD, 3 points.  (choice, exact, partial, half, penalty)
WORKED = [
    ("ACD", 3, 3, 3, 3),
    ("CDA", 3, 3, 3, 3),   # order does not matter
    ("AC", 0, 2, 1.5, 2),  # 2 of 3 right: partial 2/3*3 = 2; half 1.5; penalty 1+1
    ("A", 0, 1, 1.5, 1),   # 1 of 3: partial 1; half 1.5; penalty 1
    ("ACB", 0, 0, 0, 1),   # one wrong: 0 except penalty 2-1 = 1
    ("AB", 0, 0, 0, 0),    # penalty 1-1 = 0
    ("B", 0, 0, 0, 0),     # penalty floors at 0
    ("ABCD", 0, 0, 0, 2),  # all four: penalty 3-1 = 2
]


@pytest.mark.parametrize("choice, exact, partial, half, penalty", WORKED)
def test_multiple_choice_rules_on_worked_examples(choice, exact, partial, half, penalty):
    assert points(MULTI, choice, MultiRule.EXACT) == D(str(exact))
    assert points(MULTI, choice, MultiRule.PARTIAL) == D(str(partial))
    assert points(MULTI, choice, MultiRule.HALF) == D(str(half))
    assert points(MULTI, choice, MultiRule.PENALTY) == D(str(penalty))


def test_rounding_is_half_up_to_the_step():
    two_points = QuestionSnapshot(9, "multi", "ABC", D(2), ("A", "B", "C", "D"))
    # partial: 1 of 3 right = 0.667 -> 0.5; 2 of 3 = 1.333 -> 1.5
    assert points(two_points, "A", MultiRule.PARTIAL) == D("0.5")
    assert points(two_points, "AB", MultiRule.PARTIAL) == D("1.5")
    # exactly half-way rounds up: 1 point, key of 4, one right = 0.25 -> 0.5
    one = QuestionSnapshot(8, "multi", "ABCD", D(1), ("A", "B", "C", "D"))
    assert points(one, "A", MultiRule.PARTIAL) == D("0.5")
    assert points(one, "A", MultiRule.PARTIAL, step=D("0.01")) == D("0.25")


def test_outcomes():
    policy = Policy(multi=MultiRule.PARTIAL)
    assert grade_answer(MULTI, Response(1, "ACD"), policy).outcome is Outcome.CORRECT
    assert grade_answer(MULTI, Response(1, "AC"), policy).outcome is Outcome.PARTIAL
    assert grade_answer(MULTI, Response(1, "B"), policy).outcome is Outcome.WRONG
    assert grade_answer(MULTI, None, policy).outcome is Outcome.UNANSWERED
    assert grade_answer(MULTI, Response(1, "AZ"), policy).outcome is Outcome.UNANSWERED


def test_speed_bonus_is_off_by_default_and_only_for_correct_answers():
    assert grade_answer(SINGLE, Response(2, "B", seconds=1), Policy()).bonus == 0
    bonus = Policy(speed_bonus=SpeedBonus(D(1), 20.0))
    assert grade_answer(SINGLE, Response(2, "B", seconds=0), bonus).bonus == 1
    assert grade_answer(SINGLE, Response(2, "B", seconds=10), bonus).bonus == D("0.5")
    assert grade_answer(SINGLE, Response(2, "B", seconds=25), bonus).bonus == 0
    assert grade_answer(SINGLE, Response(2, "A", seconds=0), bonus).bonus == 0


def test_ties_share_a_rank():
    assert competition_ranks({"a": D(90), "b": D(85), "c": D(90), "d": D(70)}) == {
        "a": 1, "c": 1, "b": 3, "d": 4}


def test_pass_mark_is_a_share_of_the_maximum():
    assert pass_threshold(D(100), D(60)) == 60
    assert pass_threshold(D(47), D(60)) == D("28.2")  # never rounded down in anyone's favour
    assert not passed(D(28), D(47), D(60)) and passed(D("28.5"), D(47), D(60))
    assert passed(D(60), D(100), D(60)) and not passed(D("59.5"), D(100), D(60))


def test_grading_imports_neither_flask_nor_the_server():
    for path in (Path(__file__).resolve().parents[2] / "grading").glob("*.py"):
        tree = ast.parse(path.read_text())
        names = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        forbidden = {"flask", "server", "sqlalchemy", "flask_sqlalchemy"}
        assert not {n for n in names if n.split(".")[0] in forbidden}, path


# --- properties ---------------------------------------------------------------------------------

LETTERS = "ABCDEF"


@st.composite
def multi_case(draw):
    count = draw(st.integers(2, 6))
    letters = LETTERS[:count]
    key = "".join(sorted(draw(st.sets(st.sampled_from(letters), min_size=1))))
    choice = "".join(sorted(draw(st.sets(st.sampled_from(letters), min_size=1))))
    value = D(draw(st.integers(1, 20))) / (2 if draw(st.booleans()) else 1)
    question = QuestionSnapshot(1, "multi", key, value, tuple(letters))
    return question, choice, draw(st.sampled_from(list(MultiRule)))


@given(multi_case())
def test_a_score_is_always_between_zero_and_the_maximum(case):
    question, choice, rule = case
    assert D(0) <= points(question, choice, rule) <= question.points


@given(multi_case())
def test_exact_never_gives_partial_credit(case):
    question, choice, _rule = case
    assert points(question, choice, MultiRule.EXACT) in (D(0), question.points)


@given(multi_case())
def test_the_penalty_rule_never_goes_below_zero(case):
    question, choice, _rule = case
    assert points(question, choice, MultiRule.PENALTY) >= 0


@given(multi_case(), st.randoms())
def test_shuffling_options_never_changes_a_score(case, rng):
    """The same question with its options in another order (the key and the choice relabelled
    with it) scores the same: no letter is worth more than another."""
    question, choice, rule = case
    letters = list(question.options)
    shuffled = letters[:]
    rng.shuffle(shuffled)
    relabel = dict(zip(letters, shuffled, strict=True))
    moved = QuestionSnapshot(question.id, "multi", "".join(sorted(relabel[k] for k in question.answer)),
                             question.points, question.options)
    moved_choice = "".join(sorted(relabel[c] for c in choice))
    assert points(moved, moved_choice, rule) == points(question, choice, rule)


@given(multi_case())
def test_more_right_and_nothing_wrong_never_scores_less(case):
    question, choice, rule = case
    right = "".join(sorted(set(choice) & set(question.answer)))
    if right and right != choice:
        assert points(question, right, rule) >= points(question, choice, rule)


def test_an_arriving_answer_is_decided_by_its_sequence_number():
    from grading import Recording, StoredAnswer, decide_answer

    policy = Policy()
    first = decide_answer(SINGLE, "B", 1, None, None, policy)
    assert (first.status, first.choice, first.delta, first.first) == (Recording.SAVED, "B", 2, True)
    stored = StoredAnswer("B", 1, first.grade.points, first.grade.bonus, first.grade.outcome)
    assert decide_answer(SINGLE, "B", 1, None, stored, policy).status is Recording.DUPLICATE
    assert decide_answer(SINGLE, "A", 1, None, stored, policy).status is Recording.STALE
    changed = decide_answer(SINGLE, "a", 2, None, stored, policy)
    assert (changed.status, changed.choice, changed.delta, changed.first) == (Recording.SAVED, "A", -2, False)
    assert decide_answer(SINGLE, "Z", 3, None, stored, policy).status is Recording.INVALID
    assert decide_answer(SINGLE, "B", 3, None, stored, policy, assigned=False).status is Recording.INVALID


def test_voids_are_applied_where_answers_are_graded():
    from dataclasses import replace

    from grading import Void

    full, removed = replace(SINGLE, void=Void.FULL_POINTS), replace(SINGLE, void=Void.REMOVE)
    assert grade_answer(full, Response(2, "A"), Policy()).points == 2
    assert grade_answer(full, None, Policy()).points == 2
    wrong_removed = grade_answer(removed, Response(2, "B"), Policy())
    assert wrong_removed.points == 0 and wrong_removed.outcome is Outcome.CORRECT  # kept for the record


def test_answering_a_question_already_voided_with_full_points_does_not_count_it_twice():
    from dataclasses import replace

    from grading import Void, decide_answer

    voided = replace(SINGLE, void=Void.FULL_POINTS)
    assert grade_answer(voided, None, Policy()).counted == 2  # the regrade gave everyone its points
    decision = decide_answer(voided, "A", 1, None, None, Policy())
    assert decision.grade.points == 2 and decision.delta == 0


def test_the_speed_bonus_is_kept_apart_from_knowledge_points():
    """Pass or fail and a certificate's score use knowledge points only; a fast right answer
    earns its bonus beside them, never above the question's full marks."""
    from grading import Recording, decide_answer, grade_attempt

    fast = Policy(speed_bonus=SpeedBonus(D(1), 10.0))
    attempt = grade_attempt([SINGLE, JUDGE], {2: Response(2, "B", 0.0), 3: Response(3, "F", 0.0)}, fast)
    assert (attempt.total, attempt.max_total, attempt.bonus) == (3, 3, 2)
    decision = decide_answer(SINGLE, "B", 1, 0.0, None, fast)
    assert decision.status is Recording.SAVED and (decision.delta, decision.bonus_delta) == (2, 1)


@pytest.mark.parametrize(("points", "text"), [
    (D("10"), "10"), (D("10.0"), "10"), (D("100.00"), "100"), (D("7.50"), "7.5"), (D("0.00"), "0"),
    (D("1E+1"), "10"), (D("0.25"), "0.25"), (None, ""),
])
def test_points_print_without_exponent_or_trailing_zeros(points, text):
    assert points_text(points) == text


def test_the_score_histogram_has_round_buckets():
    """Buckets of a round width people read at a glance ("0–2", not "0–1.7"), the last one
    closed at full marks, and every total counted once."""
    from grading import histogram, points_text

    labels = lambda buckets: [f"{points_text(low)}–{points_text(high)}" for low, high, _n in buckets]  # noqa: E731
    seventeen = histogram([D(0), D("1.9"), D(2), D(17)], D(17))
    assert labels(seventeen) == ["0–2", "2–4", "4–6", "6–8", "8–10", "10–12", "12–14", "14–16", "16–17"]
    assert [n for _low, _high, n in seventeen] == [2, 1, 0, 0, 0, 0, 0, 0, 1]
    assert labels(histogram([], D(100))) == [f"{n}–{n + 10}" for n in range(0, 100, 10)]
    assert labels(histogram([], D(150)))[-1] == "140–150"
    assert labels(histogram([], D(3))) == ["0–0.5", "0.5–1", "1–1.5", "1.5–2", "2–2.5", "2.5–3"]
    assert histogram([D(0)], D(0)) == [(D(0), D(0), 1)]
