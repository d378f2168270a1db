"""The live exam's process state and its fairness rules, through Socket.IO test clients: a
running session ignores edits to its paper; the answer writer's fallback keeps every total;
what the process keeps for a session is dropped when it ends; answers take the fast path; a
refused control changes nothing and tells nobody."""
from __future__ import annotations

from decimal import Decimal as D

import gevent
import pytest
import sqlalchemy as sa

from live import controls, ticker
from live.dashboard import board_for
from live.runtime import runtime_for
from live.writer import AnswerJob, writer_for
from server.database import commit
from server.exams import operations as exams
from server.exams.models import Answer, LiveSession, Participant, SessionQuestion
from server.extensions import db
from server.papers import operations as papers
from tests.live.conftest import call, events
from tests.waiting import wait_until


def _paced(people, paper, trainees, **settings):
    for name, value in settings.items():
        setattr(paper, name, value)
    commit()
    session = exams.create_session(people["inv_bj"], paper, "公平性", "paced", trainees)
    commit()
    return session


def _one_question_open(live, people, fixed_paper, make_trainees):
    """A paced session of one trainee with its first question open: (session, staff, trainee)."""
    session = _paced(people, fixed_paper, make_trainees(1), question_seconds=60)
    staff, trainee = live.connect("J100"), live.connect("S000")
    call(trainee, "enter", {"session_id": session.id})
    call(staff, "control", {"session_id": session.id, "action": "start"})
    call(staff, "control", {"session_id": session.id, "action": "next"})
    return session, staff, trainee


def test_editing_the_paper_after_the_start_changes_nothing_for_a_running_session(live, people, fixed_paper,
                                                                                 make_trainees, clock):
    """Eight trainees on a paper with shuffled options all pick the right option texts; the paper
    is edited to unshuffled after the start.  Everyone still scores (it was 4 of 8 when the
    session read its paper's settings live)."""
    session = _paced(people, fixed_paper, make_trainees(8), shuffle_options=True, question_seconds=60)
    staff = live.connect("J100")
    trainees = [live.connect(f"S{n:03d}") for n in range(8)]
    for trainee in trainees:
        assert call(trainee, "enter", {"session_id": session.id})["ok"]
    assert call(staff, "control", {"session_id": session.id, "action": "start"})["ok"]
    papers.update_settings(fixed_paper, papers.PaperSettings(name=fixed_paper.name, shuffle_options=False,
                                                             points_judge="1", points_single="2",
                                                             points_multi="3", multi_rule="partial"))
    commit()
    for _ in range(3):  # to the first multiple-choice question: judge, judge, single, single, multi
        assert call(staff, "control", {"session_id": session.id, "action": "next"})["ok"]
    assert call(staff, "control", {"session_id": session.id, "action": "next"})["ok"]
    assert call(staff, "control", {"session_id": session.id, "action": "next"})["ok"]
    db.session.expire_all()
    frozen = db.session.get(SessionQuestion, db.session.get(LiveSession, session.id).current_question_id)
    assert frozen.type == "multi"
    key_texts = {frozen.options[letter] for letter in frozen.answer}
    orders = set()
    for seq, trainee in enumerate(trainees, start=1):
        shown = events(trainee, "question")[-1]["args"][0]["question"]
        assert shown["id"] == frozen.id
        orders.add(tuple(o["text"] for o in shown["options"]))
        letters = "".join(o["letter"] for o in shown["options"] if o["text"] in key_texts)
        ack = call(trainee, "answer", {"question_id": frozen.id, "choice": letters, "seq": seq})
        assert ack["ok"] and ack["status"] == "saved", ack
    assert len(orders) > 1  # the options really were shuffled per trainee
    db.session.expire_all()
    outcomes = db.session.scalars(sa.select(Answer.outcome).where(Answer.session_question_id == frozen.id)).all()
    assert outcomes == ["correct"] * 8


def test_the_writers_fallback_keeps_the_total_of_every_answer_it_saves(app, people, fixed_paper, make_trainees,
                                                                      clock):
    """A group whose commit fails is written answer by answer: the leaderboard must then hold the
    total of every participant whose answer was saved, not just the last one's."""
    session = _paced(people, fixed_paper, make_trainees(3), question_seconds=60)
    controls.start(session, clock.now())
    question = controls.open_next(session, clock.now())
    commit()
    participants = db.session.scalars(sa.select(Participant).where(Participant.session_id == session.id)).all()
    writer = writer_for(app)
    writer.wait_seconds = 0.2  # all in one group
    good = [AnswerJob(session.id, p.id, question.id, question.answer, 1, clock.now()) for p in participants]
    broken = AnswerJob(session.id, 10**9, question.id, "T", 1, clock.now())  # no such participant: the group fails
    jobs = [good[0], broken, good[1], good[2]]
    results = [gevent.spawn(writer.submit, job) for job in jobs]
    gevent.joinall(results, raise_error=True)
    acks = [g.value for g in results]
    assert [a["ok"] for a in acks] == [True, False, True, True]
    assert acks[1]["error"]["code"] == "server_error"
    db.session.expire_all()
    board = board_for(db.session.get(LiveSession, session.id))
    assert {p.id: board.total(p.id) for p in participants} == {p.id: D(1) for p in participants}


def test_what_the_process_keeps_for_a_session_is_dropped_when_it_ends(app, live, people, fixed_paper,
                                                                      make_trainees, clock):
    session = _paced(people, fixed_paper, make_trainees(2), question_seconds=60)
    staff, trainee = live.connect("J100"), live.connect("S000")
    call(staff, "watch", {"session_id": session.id})
    call(trainee, "enter", {"session_id": session.id})
    call(staff, "control", {"session_id": session.id, "action": "start"})
    call(staff, "control", {"session_id": session.id, "action": "next"})
    question = events(trainee, "question")[-1]["args"][0]["question"]
    assert call(trainee, "answer", {"question_id": question["id"], "choice": "T", "seq": 1})["ok"]
    runtime = runtime_for(app)
    assert session.id in runtime.boards and runtime.question_sessions.get(question["id"]) == session.id
    assert call(staff, "control", {"session_id": session.id, "action": "end"})["ok"]
    assert session.id not in runtime.sessions()


def test_a_session_another_process_ended_is_dropped_at_the_next_tick(app, people, fixed_paper, make_trainees,
                                                                     clock):
    session = _paced(people, fixed_paper, make_trainees(1))
    runtime = runtime_for(app)
    board_for(session)
    runtime.question_sessions[123456] = session.id
    assert session.id in runtime.sessions()
    with db.engine.begin() as other:  # as another server process would end it
        other.execute(sa.update(LiveSession).where(LiveSession.id == session.id).values(status="ended"))
    db.session.expire_all()
    ticker.tick(clock.now())
    assert session.id not in runtime.sessions()


def test_answers_take_the_fast_path(app, live, people, fixed_paper, make_trainees, clock):
    """The answer skips Flask's request context using Flask-SocketIO's private "saved_session";
    should a new Flask-SocketIO rename it, answers would silently take the slow path: this fails."""
    _session, _staff, trainee = _one_question_open(live, people, fixed_paper, make_trainees)
    question = events(trainee, "question")[-1]["args"][0]["question"]
    paths = runtime_for(app).answer_paths
    before = dict(paths)
    assert call(trainee, "answer", {"question_id": question["id"], "choice": "T", "seq": 1})["ok"]
    assert paths["fast"] == before.get("fast", 0) + 1 and paths["request"] == before.get("request", 0)


@pytest.mark.parametrize("target", ["S000", 0, -1, 10**9])
def test_extending_with_a_bad_participant_is_refused_not_given_to_the_room(live, people, fixed_paper,
                                                                          make_trainees, clock, target):
    session, staff, trainee = _one_question_open(live, people, fixed_paper, make_trainees)
    db.session.expire_all()
    deadline = db.session.get(LiveSession, session.id).question_deadline_at
    events(trainee)
    ack = call(staff, "control", {"session_id": session.id, "action": "extend", "seconds": 30,
                                  "participant_id": target})
    assert ack["error"]["code"] == "not_found"
    db.session.expire_all()
    assert db.session.get(LiveSession, session.id).question_deadline_at == deadline
    assert events(trainee, "time_extended") == []


def test_a_control_is_one_transaction_and_its_emits_wait_for_the_commit(app, live, people, fixed_paper,
                                                                        make_trainees, clock):
    """A control that fails half-way leaves no trace: nothing written, nobody told."""
    session = _paced(people, fixed_paper, make_trainees(1), question_seconds=60)
    staff, trainee = live.connect("J100"), live.connect("S000")
    call(trainee, "enter", {"session_id": session.id})
    call(staff, "control", {"session_id": session.id, "action": "start"})
    events(trainee)
    db.session.expire_all()
    # A control that fails half-way: the question opens, then the dashboard's status cannot be built.
    original = controls.dashboard.status_changed

    def broken(*_args):
        raise RuntimeError("the dashboard failed")

    controls.dashboard.status_changed = broken
    try:
        with pytest.raises(RuntimeError):
            controls.open_next(db.session.get(LiveSession, session.id), clock.now())
    finally:
        controls.dashboard.status_changed = original
    db.session.rollback()
    db.session.expire_all()
    assert events(trainee, "question") == []  # nobody heard of the question that never opened
    assert db.session.get(LiveSession, session.id).current_question_id is None


def test_a_second_next_from_a_stale_view_opens_nothing(live, people, fixed_paper, make_trainees, clock):
    """Two "next" at once (a double click, two processes): the second one saw the old question
    open; it must not reopen or resend anything (the deadline and the speed bonus's start stay)."""
    session, staff, trainee = _one_question_open(live, people, fixed_paper, make_trainees)
    db.session.expire_all()
    stale = db.session.get(LiveSession, session.id)
    assert stale.question_open and stale.current_question_id  # this view: the first question is open
    clock.advance(5)
    assert call(staff, "control", {"session_id": session.id, "action": "next"})["ok"]  # the other one wins
    with db.engine.connect() as conn:
        current, opened_at = conn.execute(sa.select(LiveSession.current_question_id,
                                                    LiveSession.question_opened_at)
                                          .where(LiveSession.id == session.id)).one()
    events(trainee)
    clock.advance(1)
    assert controls.open_next(stale, clock.now()) is None
    commit()
    db.session.expire_all()
    again = db.session.get(LiveSession, session.id)
    assert (again.current_question_id, again.question_opened_at, again.question_open) == (current, opened_at, True)
    assert events(trainee, "question") == [] and events(trainee, "question_closed") == []


def test_an_absentee_who_looks_in_after_the_end_stays_absent(live, people, fixed_paper, make_trainees, clock):
    from server.exams.results import session_results

    session = _paced(people, fixed_paper, make_trainees(2), question_seconds=60)
    staff, present = live.connect("J100"), live.connect("S000")
    call(present, "enter", {"session_id": session.id})
    joined = sa.select(sa.func.count()).select_from(Participant).where(
        Participant.session_id == session.id, Participant.joined_at.is_not(None))

    def count_joined() -> int:  # asked on a connection of its own: the writer commits elsewhere
        with db.engine.connect() as conn:
            return conn.scalar(joined)

    wait_until(lambda: count_joined() == 1, message="S000's entry was never written")
    call(staff, "control", {"session_id": session.id, "action": "start"})
    assert call(staff, "control", {"session_id": session.id, "action": "end"})["ok"]
    late = live.connect("S001")
    state = call(late, "enter", {"session_id": session.id})["state"]
    assert state["score"] == {"total": "0", "passed": None}
    assert writer_for(live.app).queue.qsize() == 0  # nothing queued for the writer: not a presence
    assert count_joined() == 1  # looking in after the end did not count as sitting
    db.session.expire_all()
    rows = {r.employee_no: r for r in session_results(db.session.get(LiveSession, session.id)).rows}
    assert rows["S001"].absent and not rows["S000"].absent


def test_a_multiple_choice_question_waits_for_submitted_answers(live, people, fixed_paper, make_trainees, clock):
    """One tick on a multiple-choice question is a draft: it is saved and graded as it stands,
    but it does not count as having answered, so the question does not close under anyone still
    choosing.  It closes once every present trainee has submitted."""
    session = _paced(people, fixed_paper, make_trainees(2), question_seconds=60)
    staff, first, second = live.connect("J100"), live.connect("S000"), live.connect("S001")
    call(staff, "watch", {"session_id": session.id})
    for trainee in (first, second):
        call(trainee, "enter", {"session_id": session.id})
    call(staff, "control", {"session_id": session.id, "action": "start"})
    for _ in range(5):  # judge, judge, single, single: to the first multiple-choice question
        call(staff, "control", {"session_id": session.id, "action": "next"})
    question = events(first, "question")[-1]["args"][0]["question"]
    assert question["type"] == "multi"
    for trainee, seq in ((first, 1), (second, 1)):
        assert call(trainee, "answer", {"question_id": question["id"], "choice": "A", "seq": seq, "final": False})["ok"]
    db.session.expire_all()
    assert db.session.get(LiveSession, session.id).question_open  # drafts: nobody has answered yet
    progress = events(staff, "progress")[-1]["args"][0]
    assert progress["counts"]["answered"] == 0 and not any(r["answered_current"] for r in progress["changed"])
    assert call(first, "answer", {"question_id": question["id"], "choice": "ABD", "seq": 2})["ok"]  # submitted
    db.session.expire_all()
    assert db.session.get(LiveSession, session.id).question_open  # the second is still choosing
    assert call(second, "answer", {"question_id": question["id"], "choice": "AB", "seq": 2, "final": True})["ok"]
    db.session.expire_all()
    assert not db.session.get(LiveSession, session.id).question_open  # everyone present submitted
    stored = dict(db.session.execute(sa.select(Answer.choice, Answer.final).where(
        Answer.session_question_id == question["id"])).all())
    assert stored == {"ABD": True, "AB": True}
