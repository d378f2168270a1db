"""The incremental leaderboard against a full re-sort, item analysis on a constructed session,
and regrades."""
from __future__ import annotations

import random
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from grading import (
    Attempt,
    KeyProblem,
    Leaderboard,
    MultiRule,
    Policy,
    QuestionSnapshot,
    Response,
    Void,
    analyse_items,
    check_key,
    competition_ranks,
    grade_attempt,
    regrade,
)


@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 200)), min_size=1, max_size=200))
def test_leaderboard_ranks_match_a_full_sort_after_any_updates(updates):
    board = Leaderboard(D(100))
    totals = {}
    for who, half_points in updates:
        totals[who] = D(half_points) / 2
        board.set_total(who, totals[who])
    expected = competition_ranks(totals)
    assert {who: board.rank(who) for who in totals} == expected
    top = list(board.top(5))
    assert [rank for rank, _total, _who in top] == sorted(expected[w] for w in expected)[: len(top)]
    assert sum(board.histogram()) == len(totals)


def test_leaderboard_histogram_and_removal():
    board = Leaderboard(D(10), step=D(1))
    for who, total in {"a": 0, "b": 5, "c": 10, "d": 10}.items():
        board.set_total(who, D(total))
    assert board.histogram(bins=2) == [1, 3]
    board.remove("c")
    assert board.rank("d") == 1 and board.rank("b") == 2 and len(board) == 3


def _session(seed=3, people=60):
    """A session where question 1 discriminates, 2 is keyed wrong (the good students pick C),
    3 everyone gets right."""
    rng = random.Random(seed)
    questions = [QuestionSnapshot(1, "single", "A", D(2), ("A", "B", "C", "D")),
                 QuestionSnapshot(2, "single", "B", D(2), ("A", "B", "C", "D")),
                 QuestionSnapshot(3, "judge", "T", D(1)),
                 QuestionSnapshot(4, "multi", "ABD", D(4), ("A", "B", "C", "D"))]
    responses = {}
    for who in range(people):
        ability = who / people
        answers = {
            1: "A" if rng.random() < ability else rng.choice("BCD"),
            2: "C" if rng.random() < ability else rng.choice("ABD"),
            3: "T",
            4: "ABD" if rng.random() < ability else rng.choice(["AB", "ABC", "D", "C"]),
        }
        responses[who] = {q: Response(q, c) for q, c in answers.items()}
    return questions, responses


def test_item_analysis_finds_good_broken_and_trivial_questions():
    questions, responses = _session()
    policy = Policy(multi=MultiRule.EXACT)
    grades = {who: grade_attempt(questions, answers, policy).grades for who, answers in responses.items()}
    choices = {who: {q: r.choice for q, r in answers.items()} for who, answers in responses.items()}
    items = {i.question_id: i for i in analyse_items(questions, grades, choices)}
    assert items[1].discrimination > 0.4 and items[1].point_biserial > 0.1 and not items[1].flags
    assert "key_suspect" in items[2].flags  # the upper group prefers C over the keyed B
    assert items[3].facility == 1.0 and "nearly_all_right" in items[3].flags
    assert items[3].point_biserial is None  # no variance: undefined, not 0
    assert sum(items[1].option_counts.values()) == 60 and items[1].unanswered == 0
    assert items[4].option_counts["A"] >= items[4].option_counts["C"]


def test_negative_discrimination_is_flagged():
    questions = [QuestionSnapshot(1, "judge", "T", D(1)), QuestionSnapshot(2, "judge", "T", D(10))]
    answers = {}
    for who in range(20):
        strong = who >= 10
        answers[who] = {1: Response(1, "F" if strong else "T"), 2: Response(2, "T" if strong else "F")}
    grades = {w: grade_attempt(questions, a, Policy()).grades for w, a in answers.items()}
    choices = {w: {q: r.choice for q, r in a.items()} for w, a in answers.items()}
    item = analyse_items(questions, grades, choices)[0]
    assert item.discrimination < 0 and "negative_discrimination" in item.flags


def _attempts(responses, orders=None):
    return {who: Attempt(answers, (orders or {}).get(who)) for who, answers in responses.items()}


def test_regrade_with_a_corrected_key_lists_old_and_new():
    questions, responses = _session(people=20)
    changes = {c.participant: c for c in regrade(questions, _attempts(responses), Policy(), D(60), keys={2: "C"})}
    picked_c = [w for w, a in responses.items() if a[2].choice == "C"]
    picked_b = [w for w, a in responses.items() if a[2].choice == "B"]
    assert picked_c and picked_b
    for who in picked_c:
        assert changes[who].new_total == changes[who].old_total + 2
        assert changes[who].grades[2].points == 2 and changes[who].grades[2].outcome == "correct"
    for who in picked_b:
        assert changes[who].new_total == changes[who].old_total - 2
        assert changes[who].grades[2].points == 0
    assert all(c.old_max == c.new_max == 9 for c in changes.values())


def test_voiding_a_question():
    questions, responses = _session(people=10)
    def by_participant(void):
        return {c.participant: c for c in regrade(questions, _attempts(responses), Policy(), D(60), voids={2: void})}

    full, removed = by_participant(Void.FULL_POINTS), by_participant(Void.REMOVE)
    for who, answers in responses.items():
        got_it = answers[2].choice == "B"
        assert full[who].new_total == full[who].old_total + (0 if got_it else 2)
        assert removed[who].new_total == removed[who].old_total - (2 if got_it else 0)
        assert removed[who].new_max == 7 and full[who].new_max == 9
        assert removed[who].grades[2].points == 0 and full[who].grades[2].points == 2


def test_regrade_is_idempotent():
    questions, responses = _session(people=10)
    first = regrade(questions, _attempts(responses), Policy(), D(60), keys={2: "C"})
    corrected = [q if q.id != 2 else QuestionSnapshot(2, "single", "C", D(2), q.options) for q in questions]
    second = regrade(corrected, _attempts(responses), Policy(), D(60), keys={2: "C"})
    assert all(not c.changed for c in second)
    assert [c.new_total for c in first] == [c.new_total for c in second]


def test_regrade_serves_drawn_papers_and_keeps_earlier_voids():
    """Each participant is graded on the questions they were given, and a question voided by an
    earlier regrade stays voided when a later regrade corrects another key."""
    questions, responses = _session(people=12)
    orders = {who: [1, 2, 3] if who % 2 else [2, 3, 4] for who in responses}
    drawn = {who: {q: r for q, r in answers.items() if q in orders[who]} for who, answers in responses.items()}
    removed_before = [q if q.id != 3 else QuestionSnapshot(3, "judge", "T", D(1), void=Void.REMOVE)
                      for q in questions]
    for change in regrade(removed_before, _attempts(drawn, orders), Policy(), D(60), keys={2: "C"}):
        who = change.participant
        assert set(change.grades) == set(orders[who])  # only their own questions
        assert change.new_max == (4 if who % 2 else 6)  # 2 + 2 (+ 4 for multi), question 3 still removed
        assert change.grades[3].points == 0
        expected = sum(g.points for q, g in change.grades.items())
        assert change.new_total == expected


def test_an_unanswered_question_voided_with_full_points_gives_its_points():
    questions = [QuestionSnapshot(1, "single", "A", D(2), ("A", "B")), QuestionSnapshot(2, "judge", "T", D(1))]
    [change] = regrade(questions, {"x": Attempt({2: Response(2, "T")})}, Policy(), D(60),
                       voids={1: Void.FULL_POINTS})
    assert (change.old_total, change.new_total, change.new_max) == (1, 3, 3)


def test_keys_are_checked_against_the_question():
    options = ("A", "B", "C", "D")
    assert check_key("single", options, "b") == ("B", None)
    assert check_key("multi", options, "D、A c") == ("ACD", None)
    assert check_key("judge", (), "错") == ("F", None)
    assert check_key("judge", (), "AB") == (None, KeyProblem.NOT_TRUE_FALSE)
    assert check_key("single", options, "Z") == (None, KeyProblem.NOT_AN_OPTION)
    assert check_key("single", options, "AB") == (None, KeyProblem.SINGLE_WITH_MANY)
    assert check_key("multi", options, "AA") == (None, KeyProblem.NOT_LETTERS)
    assert check_key("multi", options, "") == (None, KeyProblem.NOT_LETTERS)
    assert check_key("multi", options, "A1") == (None, KeyProblem.NOT_LETTERS)
