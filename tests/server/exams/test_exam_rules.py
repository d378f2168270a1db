"""Rules found broken by the code review, each at the rule and through the pages: regrade keys
are checked against their question; results cost a fixed number of queries and an ended
session's table is kept until something changes it; a session never reads its paper again."""
from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from server.database import commit
from server.errors import OperationError
from server.exams import operations as exams
from server.exams.models import Answer, AuditEntry, LiveSession, Participant
from server.exams.results import (
    item_analysis,
    participant_row,
    participant_sheets,
    regrade_preview,
    session_results,
)
from server.extensions import db
from server.papers import operations as papers
from tests.conftest import Auth

CHOICES = {"judge": "T", "single": "A", "multi": "AB"}


@contextmanager
def statements():
    """Counts the SQL statements the block runs on the app's engine (any connection)."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def _ended_session(people, fixed_paper, make_trainees, count: int, prefix: str) -> LiveSession:
    session = exams.create_session(people["inv_bj"], fixed_paper, "", "paced", make_trainees(count, prefix=prefix))
    exams.freeze(session)
    session.status = "running"
    for n, participant in enumerate(db.session.scalars(sa.select(Participant).where(
            Participant.session_id == session.id))):
        for seq, question in enumerate(session.questions, start=1):
            if (n + seq) % 3:  # some questions left unanswered
                exams.record_answer(session, participant, question, CHOICES[question.type], seq)
    exams.end_session(session)
    commit()
    db.session.expire_all()
    return session


# --- regrade keys ---------------------------------------------------------------------------------


def _question(session, qtype):
    return next(q for q in session.questions if q.type == qtype)


@pytest.mark.parametrize(("qtype", "key"), [("single", "Z"), ("single", "AB"), ("judge", "AB"), ("judge", "X1"),
                                            ("multi", "AZ"), ("multi", "AA"), ("multi", "?")])
def test_a_regrade_refuses_a_key_that_is_not_valid_for_its_question(started, people, qtype, key):
    exams.end_session(started)
    commit()
    question = _question(started, qtype)
    before = question.answer
    with pytest.raises(OperationError) as refused:
        exams.apply_regrade(people["inv_bj"], started, {question.id: key}, {}, reason="改答案")
    assert refused.value.field == f"key_{question.id}" and str(question.position) in refused.value.message
    db.session.rollback()
    assert db.session.get(type(question), question.id).answer == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_a_regrade_waits_for_the_end_of_the_session(started, people):
    """Answers still arrive while it runs, graded with the keys they meet: a regrade then would
    race them.  The preview works; applying says why not."""
    question = _question(started, "single")
    participant = db.session.scalar(sa.select(Participant).where(Participant.session_id == started.id))
    exams.record_answer(started, participant, question, "B", 1)
    with pytest.raises(OperationError) as refused:
        exams.apply_regrade(people["inv_bj"], started, {question.id: "B"}, {}, reason="答案印错")
    assert refused.value.code == "not_ended"
    [line] = [line for line in regrade_preview(started, {question.id: "B"}, {}) if line.changed]
    assert line.participant.id == participant.id


def test_a_regrade_takes_keys_as_people_type_them(started, people):
    exams.end_session(started)
    commit()
    judge, multi = _question(started, "judge"), _question(started, "multi")
    exams.apply_regrade(people["inv_bj"], started, {judge.id: "错" if judge.answer == "T" else "对",
                                                    multi.id: "d、a b"}, {}, reason="答案印错")
    commit()
    assert judge.answer == ("F" if judge.original_answer == "T" else "T") and multi.answer == "ABD"


def test_the_regrade_page_shows_a_bad_key_on_its_field_and_changes_nothing(client, auth, people, started):
    exams.end_session(started)
    commit()
    question = _question(started, "single")
    auth.login("J100")
    for action in ("preview", "apply"):
        page = client.submit(f"/sessions/{started.id}/regrade",
                             {f"key_{question.id}": "x", "action": action, "reason": "印刷错误"})
        text = page.get_data(as_text=True)
        assert page.status_code == 400
        assert f'name="key_{question.id}"' in text and 'aria-invalid="true"' in text
        assert "没有这个选项" in text or "no option" in text
    db.session.expire_all()
    assert db.session.get(type(question), question.id).answer == question.original_answer
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


# --- results: a fixed number of queries, a cache that is never stale --------------------------------


def test_results_cost_the_same_number_of_queries_for_10_and_100_participants(people, fixed_paper, make_trainees):
    cost = {}
    for count, prefix in ((10, "X"), (100, "Y")):
        session = _ended_session(people, fixed_paper, make_trainees, count, prefix)
        participant_id = db.session.scalar(sa.select(Participant.id).where(Participant.session_id == session.id))
        questions = {q.id: q.answer for q in session.questions}
        measured = {}
        for name, read in (("table", lambda s=session: session_results(s, sort="name")),
                           ("row", lambda s=session, p=participant_id: participant_row(s, p)),
                           ("analysis", lambda s=session: item_analysis(s)),
                           ("sheets", lambda s=session: participant_sheets(s)),
                           ("regrade", lambda s=session, q=questions: regrade_preview(s, q, {}))):
            db.session.expire_all()
            with statements() as seen:
                read()
            measured[name] = len(seen)
        cost[count] = measured
    assert cost[10] == cost[100], cost
    assert all(n <= 6 for n in cost[100].values()), cost  # a handful each, whatever the roster


def test_result_pages_cost_the_same_for_10_and_100_participants(app, client, people, fixed_paper, make_trainees):
    cost = {}
    for count, prefix in ((10, "X"), (100, "Y")):
        session = _ended_session(people, fixed_paper, make_trainees, count, prefix)
        participant = db.session.scalar(sa.select(Participant).where(Participant.session_id == session.id))
        staff, trainee = app.test_client(), app.test_client()
        Auth(staff).login("J100")
        Auth(trainee).login(participant.user.employee_no)
        measured = {}
        for name, who, url in (("results", staff, f"/sessions/{session.id}/results"),
                               ("sheet", staff, f"/sessions/{session.id}/participants/{participant.id}"),
                               ("own sheet", trainee, f"/my/results/{participant.id}")):
            app.extensions.pop("examhall_results", None)  # not served from the cache: measure the work
            with statements() as seen:
                assert who.get(url).status_code == 200, url
            measured[name] = len(seen)
        cost[count] = measured
    assert cost[10] == cost[100], cost


def test_an_ended_sessions_table_is_kept_until_something_changes_it(app, people, fixed_paper, make_trainees):
    session = _ended_session(people, fixed_paper, make_trainees, 5, "C")
    first = session_results(session)
    with statements() as seen:
        again = session_results(session, sort="total")
    by_total = sorted(first.rows, key=lambda r: (-r.total, r.employee_no))
    assert seen == [] and [r.participant_id for r in again.rows] == [r.participant_id for r in by_total]
    # Another process regrades: totals change and the session's results_version moves on.
    top = first.rows[0]
    with db.engine.begin() as other:
        other.execute(sa.update(Participant).where(Participant.id == top.participant_id).values(total=0))
        other.execute(sa.update(LiveSession).where(LiveSession.id == session.id).values(
            results_version=LiveSession.results_version + 1))
    db.session.expire_all()
    changed = session_results(session)
    assert changed.row(top.participant_id).total == 0 != top.total


def test_a_regrade_moves_results_on_in_every_process(people, fixed_paper, make_trainees):
    session = _ended_session(people, fixed_paper, make_trainees, 4, "D")
    before = session_results(session)
    version = session.results_version
    question = _question(session, "single")  # everyone answered A (where they answered)
    exams.apply_regrade(people["inv_bj"], session, {question.id: "A" if question.answer != "A" else "B"}, {},
                        reason="答案印错")
    commit()
    assert session.results_version == version + 1
    after = session_results(session)
    assert [r.total for r in after.rows] != [r.total for r in before.rows]


# --- a session never reads its paper again ------------------------------------------------------------


def test_a_session_copies_every_setting_it_uses(people, fixed_paper, make_trainees):
    fixed_paper.shuffle_options, fixed_paper.shuffle_questions = True, True
    session = exams.create_session(people["inv_bj"], fixed_paper, "", "paced", make_trainees(2))
    commit()
    papers.update_settings(fixed_paper, papers.PaperSettings(name="改过的卷", shuffle_options=False,
                                                             points_judge="1", points_single="2", points_multi="3"))
    commit()
    db.session.expire_all()
    session = db.session.get(LiveSession, session.id)
    assert (session.shuffle_options, session.shuffle_questions, session.selection) == (True, True, "fixed")
    assert not session.uniform


def test_a_papers_questions_and_points_are_locked_while_a_session_waits_to_start(people, fixed_paper, bank,
                                                                                make_trainees):
    session = exams.create_session(people["inv_bj"], fixed_paper, "周考", "paced", make_trainees(1))
    commit()
    ids = [pq.question_id for pq in fixed_paper.questions]
    with pytest.raises(OperationError) as locked:
        papers.set_questions(fixed_paper, ids[:2])
    assert locked.value.code == "paper_in_use" and "周考" in locked.value.message
    db.session.rollback()
    with pytest.raises(OperationError):
        papers.update_settings(fixed_paper, papers.PaperSettings(name="柜员测试", points_judge="5",
                                                                 points_single="2", points_multi="3"))
    db.session.rollback()
    papers.update_settings(fixed_paper, papers.PaperSettings(name="新名字", points_judge="1", points_single="2",
                                                             points_multi="3", show_key="never"))  # sessions copied it
    commit()
    exams.freeze(db.session.get(LiveSession, session.id))
    session.status = "running"
    commit()
    papers.set_questions(fixed_paper, ids[:2])  # started: its questions are frozen, the paper is free
    commit()
    assert len(db.session.get(LiveSession, session.id).questions) == len(ids)


def test_scores_are_unchanged_when_the_answer_was_right_whatever_the_points_rounding(started):
    """A guard for the pure decision's adapters: the ORM path stores what grading decided."""
    participant = db.session.scalar(sa.select(Participant).where(Participant.session_id == started.id))
    multi = _question(started, "multi")
    recorded = exams.record_answer(started, participant, multi, multi.answer, 1)
    assert recorded.status == "saved" and recorded.points == multi.points
    stored = db.session.scalar(sa.select(Answer).where(Answer.participant_id == participant.id))
    assert (stored.choice, stored.points, stored.outcome, participant.total) == (multi.answer, multi.points,
                                                                                 "correct", D(multi.points))


def test_a_sheet_adds_up_to_the_total_when_an_unanswered_question_is_voided_with_full_points(
        people, fixed_paper, make_trainees):
    from grading import Void
    from server.exams.results import participant_sheet

    session = _ended_session(people, fixed_paper, make_trainees, 3, "V")
    question = _question(session, "multi")
    exams.apply_regrade(people["inv_bj"], session, {}, {question.id: Void.FULL_POINTS}, reason="题目有歧义")
    commit()
    unanswered = 0
    for row in session_results(session).rows:
        lines = participant_sheet(db.session.get(Participant, row.participant_id))
        assert sum(line.points for line in lines) == row.total
        unanswered += any(line.question.id == question.id and not line.choice for line in lines)
    assert unanswered  # the case was there: someone had left the voided question unanswered


def test_removing_a_trainee_after_the_end_updates_every_results_table(people, fixed_paper, make_trainees):
    from live import controls

    session = _ended_session(people, fixed_paper, make_trainees, 3, "W")
    before = session_results(session)
    gone = before.rows[0]
    controls.remove(session, db.session.get(Participant, gone.participant_id), session.ended_at)
    commit()
    after = session_results(session)
    assert after.row(gone.participant_id) is None and len(after.rows) == len(before.rows) - 1
