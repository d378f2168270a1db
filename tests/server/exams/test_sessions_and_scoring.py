"""Sessions as data: frozen questions, draws and shuffles, answers graded as they arrive."""
from __future__ import annotations

from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from server.bank import operations as bank_ops
from server.bank.models import Question
from server.errors import OperationError
from server.exams import operations as exams
from server.exams.models import Answer, Participant
from server.extensions import db
from server.papers import draw
from server.papers import operations as papers
from tests.conftest import fresh


def _participants(session):
    return list(db.session.scalars(sa.select(Participant).where(Participant.session_id == session.id)
                                   .order_by(Participant.id)))


def _question(session, stem_start):
    return next(q for q in session.questions if q.stem.startswith(stem_start))


def test_freezing_snapshots_questions_and_bank_edits_never_reach_them(started, bank):
    assert len(started.questions) == 6 and started.max_total == D(1 + 1 + 2 + 2 + 3 + 3)
    source = db.session.get(Question, started.questions[2].question_id)
    assert source.used_at is not None
    edited = bank_ops.edit_question(source, bank_ops.QuestionInput(
        type="single", stem="改过的题", options={"A": "元", "B": "镑"}, answer="B"))
    assert edited is not source and edited.version == 2  # used: a new version
    frozen = fresh(started.questions[2])
    assert frozen.stem.startswith("人民币的单位是") and frozen.answer == "A"


def test_answers_are_graded_when_recorded_and_totals_update(started):
    participant = _participants(started)[0]
    judge, multi = _question(started, "存款保险"), _question(started, "属于存款的有")
    assert exams.record_answer(started, participant, judge, "T", seq=1).status == "saved"
    partial = exams.record_answer(started, participant, multi, "AB", seq=2)
    assert (partial.status, partial.points, partial.outcome) == ("saved", D(2), "partial")  # 2/3 of 3
    db.session.commit()
    assert fresh(participant).total == D(3) and participant.answered == 2


def test_a_changed_answer_replaces_and_the_highest_sequence_wins(started):
    participant = _participants(started)[0]
    single = _question(started, "人民币的单位是")
    exams.record_answer(started, participant, single, "B", seq=1)
    exams.record_answer(started, participant, single, "A", seq=3)
    late = exams.record_answer(started, participant, single, "C", seq=2)  # arrived late, older
    assert late.status == "stale"
    again = exams.record_answer(started, participant, single, "A", seq=3)  # a resend
    assert again.status == "duplicate"
    db.session.commit()
    answer = db.session.scalar(sa.select(Answer).where(Answer.participant_id == participant.id))
    assert (answer.choice, answer.seq, answer.points) == ("A", 3, D(2))
    assert fresh(participant).total == D(2) and participant.answered == 1


def test_invalid_choices_are_refused_and_change_nothing(started):
    participant = _participants(started)[0]
    single = _question(started, "人民币的单位是")
    for bad in ("", "E", "AB", "元"):
        assert exams.record_answer(started, participant, single, bad, seq=1).status == "invalid"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0


def test_draws_and_shuffles_are_deterministic_and_recorded(app, bank, people, make_trainees):
    paper = papers.create_paper(people["admin"], people["admin"].branch, papers.PaperSettings(
        name="抽题卷", selection="draw", shuffle_questions=True, shuffle_options=True))
    papers.set_rules(paper, [("judge", 1, bank, None), ("single", 1, bank, None), ("multi", 2, bank, None)])
    roster = make_trainees(12)
    session = exams.create_session(people["admin"], paper, "抽题考试", "timed", roster)
    exams.freeze(session)
    db.session.commit()
    participants = _participants(session)
    orders = [p.question_order for p in participants]
    assert all(len(order) == 4 for order in orders)
    assert len({tuple(o) for o in orders}) > 1  # not everyone has the same paper
    first = participants[0]
    # Reproducible: the same seed and participant give the same draw and the same option order.
    rng = draw.rng_for(session.seed, first.user_id, "draw")
    by_question = {q.id: q.question_id for q in session.questions}
    pools = {"judge": [], "single": [], "multi": []}
    for question in db.session.scalars(sa.select(Question).where(Question.bank_id == bank.id)):
        pools[question.type].append(question.id)
    expected = draw.draw(pools["judge"], 1, rng) + draw.draw(pools["single"], 1, rng) + draw.draw(
        pools["multi"], 2, rng)
    assert sorted(by_question[i] for i in first.question_order) == sorted(expected)
    assert set(first.option_orders) == {str(i) for i in first.question_order
                                        if by_question[i] not in pools["judge"]}


def test_shuffled_options_are_graded_by_what_was_shown(app, bank, people, make_trainees):
    paper = papers.create_paper(people["admin"], people["admin"].branch, papers.PaperSettings(
        name="乱序卷", shuffle_options=True))
    papers.set_questions(paper, [q.id for q in db.session.scalars(
        sa.select(Question).where(Question.bank_id == bank.id, Question.type == "single"))])
    session = exams.create_session(people["admin"], paper, "", "paced", make_trainees(1))
    exams.freeze(session)
    participant = _participants(session)[0]
    question = _question(session, "人民币的单位是")
    order = participant.option_orders[str(question.id)]
    shown_letter_of_key = draw.to_display(order, "A")  # where 元 (the key) was displayed
    result = exams.record_answer(session, participant, question, shown_letter_of_key, seq=1)
    assert result.outcome == "correct"


def test_a_paper_without_questions_cannot_start_a_session(app, people):
    paper = papers.create_paper(people["admin"], people["admin"].branch, papers.PaperSettings(name="空卷"))
    with pytest.raises(OperationError) as error:
        exams.create_session(people["admin"], paper, "", "paced", [])
    assert error.value.field == "paper_id"


def test_draw_rules_need_enough_questions(app, bank, people):
    paper = papers.create_paper(people["admin"], people["admin"].branch, papers.PaperSettings(
        name="抽太多", selection="draw"))
    with pytest.raises(OperationError) as error:
        papers.set_rules(paper, [("judge", 5, bank, None)])
    assert error.value.field == "rules"
