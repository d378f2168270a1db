"""The live engine through Socket.IO test clients: paced and timed exams, the server's clock,
durable acknowledged answers, reconnects, access checks and what trainees may see."""
from __future__ import annotations

import json
from decimal import Decimal

import gevent
import pytest
import sqlalchemy as sa

from live.writer import AnswerJob, writer_for
from server.exams import operations as exams
from server.exams.models import Answer, LiveSession, Participant
from server.extensions import db
from tests.live.conftest import call, events
from tests.waiting import wait_until


@pytest.fixture
def paced(app, fixed_paper, people, make_trainees):
    fixed_paper.show_key = "after_question"
    fixed_paper.question_seconds = 20
    db.session.commit()
    roster = make_trainees(3)
    session = exams.create_session(people["inv_bj"], fixed_paper, "逐题考试", "paced", roster)
    db.session.commit()
    return session


@pytest.fixture
def timed(app, fixed_paper, people, make_trainees):
    fixed_paper.paper_seconds = 600
    db.session.commit()
    session = exams.create_session(people["inv_bj"], fixed_paper, "限时考试", "timed", make_trainees(2))
    db.session.commit()
    return session


def _answer(client, question, choice, seq):
    return call(client, "answer", {"question_id": question["id"], "choice": choice, "seq": seq})


def _first_question_open(live, paced, watch: bool = False):
    """The invigilator (watching the dashboard if ``watch``), three trainees entered, the session
    started and its first question open: (staff, trainees, the question as trainees got it)."""
    staff = live.connect("J100")
    if watch:
        call(staff, "watch", {"session_id": paced.id})
    trainees = [live.connect(f"S00{n}") for n in range(3)]
    for trainee in trainees:
        call(trainee, "enter", {"session_id": paced.id})
    call(staff, "control", {"session_id": paced.id, "action": "start"})
    call(staff, "control", {"session_id": paced.id, "action": "next"})
    return staff, trainees, events(trainees[0], "question")[-1]["args"][0]["question"]


def _key_letter(question_payload, stem_text):
    return next(o["letter"] for o in question_payload["options"] if o["text"] == stem_text)


def test_a_paced_question_goes_to_everyone_and_answers_are_acknowledged(live, paced, clock):
    staff = live.connect("J100")
    assert call(staff, "watch", {"session_id": paced.id})["ok"]
    trainees = [live.connect(f"S00{n}") for n in range(3)]
    for trainee in trainees:
        entered = call(trainee, "enter", {"code": paced.join_code})
        assert entered["ok"], entered
        assert entered["state"]["session"]["status"] == "lobby"
    assert call(staff, "control", {"session_id": paced.id, "action": "start"})["ok"]
    opened = call(staff, "control", {"session_id": paced.id, "action": "next"})
    assert opened["ok"]
    for trainee in trainees:
        question = events(trainee, "question")[-1]["args"][0]
        assert question["remaining"] == 20 and question["question"]["type"] == "judge"
    question = question["question"]
    ack = _answer(trainees[0], question, "T", 1)
    assert ack == {"ok": True, "status": "saved", "question_id": question["id"], "seq": 1}
    assert _answer(trainees[0], question, "T", 1)["status"] == "duplicate"  # a resend is harmless
    assert _answer(trainees[0], question, "F", 2)["status"] == "saved"  # a changed answer
    stored = db.session.scalar(sa.select(Answer).where(Answer.session_question_id == question["id"]))
    assert (stored.choice, stored.seq) == ("F", 2)


def test_the_server_clock_decides_late_answers_with_grace(live, paced, clock):
    staff, trainee = live.connect("J100"), live.connect("S000")
    call(trainee, "enter", {"session_id": paced.id})
    call(staff, "control", {"session_id": paced.id, "action": "start"})
    call(staff, "control", {"session_id": paced.id, "action": "next"})
    question = events(trainee, "question")[-1]["args"][0]["question"]
    clock.advance(21)  # past the 20 s deadline, within the 2 s grace
    assert _answer(trainee, question, "T", 1)["ok"]
    clock.advance(2)
    late = _answer(trainee, question, "F", 2)
    assert late["ok"] is False and late["error"]["code"] == "late"


def test_closing_reveals_the_key_and_nothing_earlier_does(live, paced, clock):
    staff = live.connect("J100")
    call(staff, "watch", {"session_id": paced.id})
    trainees = [live.connect(f"S00{n}") for n in range(2)]
    for trainee in trainees:
        call(trainee, "enter", {"session_id": paced.id})
    call(staff, "control", {"session_id": paced.id, "action": "start"})
    totals = []
    for _ in range(6):  # every question: open, answer, close
        call(staff, "control", {"session_id": paced.id, "action": "next"})
        before_close = [e for t in trainees for e in events(t)]
        blob = json.dumps(before_close, ensure_ascii=False)
        assert '"key"' not in blob and '"answer"' not in blob and "distribution" not in blob
        question = [e for e in before_close if e["name"] == "question"][-1]["args"][0]["question"]
        ack = _answer(trainees[0], question, question["options"][0]["letter"] if question["options"] else "T", 1)
        # Nor does an answer's acknowledgement say whether it was right, nor anything before the close.
        blob = json.dumps([ack, *(e for t in trainees for e in events(t))], ensure_ascii=False)
        assert "outcome" not in blob and "question_result" not in blob and '"points"' not in blob
        call(staff, "control", {"session_id": paced.id, "action": "close"})
        results = []
        for trainee in trainees:  # drains what each received, so the next round starts clean
            received = events(trainee)
            closed = next(e for e in received if e["name"] == "question_closed")["args"][0]
            assert closed["question_id"] == question["id"] and "key" in closed and "distribution" in closed
            mine = [e["args"][0] for e in received if e["name"] == "question_result"]
            assert len(mine) == 1 and mine[0]["question_id"] == question["id"]
            results.append(mine[0])
        answered, silent = results
        assert answered["outcome"] in ("correct", "partial", "wrong")
        assert silent == {"question_id": question["id"], "outcome": "unanswered", "points": "0", "total": "0"}
        totals.append(Decimal(answered["points"]))
        assert Decimal(answered["total"]) == sum(totals)  # the running total
    staff_view = events(staff)
    assert any(e["name"] == "question_closed" and "key" in e["args"][0] for e in staff_view)
    call(staff, "control", {"session_id": paced.id, "action": "end"})
    ended = events(trainees[0], "ended")[-1]["args"][0]
    assert [line["position"] for line in ended["summary"]] == [1, 2, 3, 4, 5, 6]
    assert all(line["outcome"] != "unanswered" for line in ended["summary"])
    assert {line["outcome"] for line in events(trainees[1], "ended")[-1]["args"][0]["summary"]} == {"unanswered"}


@pytest.mark.parametrize("show_key", ["after_exam", "never"])
def test_a_paper_that_keeps_the_key_sends_no_result_per_question(live, paced, clock, show_key):
    """Only a paper that shows the key after each question tells a trainee how she did on it;
    one that never shows the key says nothing per question at the end either."""
    paced.show_key = show_key
    db.session.commit()
    staff, trainees, question = _first_question_open(live, paced)
    _answer(trainees[0], question, question["options"][0]["letter"] if question["options"] else "T", 1)
    call(staff, "control", {"session_id": paced.id, "action": "close"})
    call(staff, "control", {"session_id": paced.id, "action": "next"})
    state = call(trainees[0], "sync", {"session_id": paced.id})["state"]
    assert "result" not in state and "revealed" not in state
    call(staff, "control", {"session_id": paced.id, "action": "end"})
    received = events(trainees[0])
    assert not [e for e in received if e["name"] == "question_result"]
    ended = next(e for e in received if e["name"] == "ended")["args"][0]
    assert ("summary" in ended) == (show_key == "after_exam")
    state = call(trainees[0], "sync", {"session_id": paced.id})["state"]
    assert ("summary" in state) == (show_key == "after_exam")


def test_a_question_closes_when_every_connected_trainee_has_answered(live, paced, clock):
    staff = live.connect("J100")
    present = [live.connect("S000"), live.connect("S001")]  # S002 never connects
    for trainee in present:
        call(trainee, "enter", {"session_id": paced.id})
    call(staff, "control", {"session_id": paced.id, "action": "start"})
    call(staff, "control", {"session_id": paced.id, "action": "next"})
    question = events(present[0], "question")[-1]["args"][0]["question"]
    _answer(present[0], question, "T", 1)
    db.session.refresh(paced)
    assert paced.question_open
    _answer(present[1], question, "F", 1)
    db.session.refresh(paced)
    assert not paced.question_open  # the absent trainee did not stall it


def test_a_trainee_who_just_dropped_is_waited_for_but_only_briefly(app, live, paced, clock):
    """Everyone else has answered and the last trainee's network blinks: the question stays open
    for LIVE_RECONNECT_GRACE_SECONDS so they can come back and answer; after that it closes."""
    from live import ticker
    from live.clock import now

    app.config["LIVE_RECONNECT_GRACE_SECONDS"] = 10
    _staff, trainees, question = _first_question_open(live, paced)
    _answer(trainees[0], question, "T", 1)
    _answer(trainees[1], question, "F", 1)
    trainees[2].disconnect(namespace="/live")
    left = sa.select(sa.func.count()).select_from(Participant).where(
        Participant.session_id == paced.id, Participant.disconnected_at.is_not(None))

    def written():  # the leave is written with the next group commit; asked on a fresh connection
        with db.engine.connect() as conn:
            return conn.scalar(left)

    wait_until(written, message="the trainee's leave was never written")
    clock.advance(3)
    ticker.tick(now())
    db.session.refresh(paced)
    assert paced.question_open  # dropped 3 s ago: still waited for
    clock.advance(8)
    ticker.tick(now())
    db.session.refresh(paced)
    assert not paced.question_open  # gone for 11 s: the others are not kept waiting


def test_pause_stops_the_clock_and_resume_restores_the_remaining_time(live, paced, clock):
    staff, trainee = live.connect("J100"), live.connect("S000")
    call(trainee, "enter", {"session_id": paced.id})
    call(staff, "control", {"session_id": paced.id, "action": "start"})
    call(staff, "control", {"session_id": paced.id, "action": "next"})
    question = events(trainee, "question")[-1]["args"][0]["question"]
    clock.advance(5)
    call(staff, "control", {"session_id": paced.id, "action": "pause"})
    assert events(trainee, "paused")[-1]["args"][0]["remaining"] == 15
    assert _answer(trainee, question, "T", 1)["error"]["code"] == "paused"
    clock.advance(300)  # a long pause costs no time
    call(staff, "control", {"session_id": paced.id, "action": "resume"})
    assert events(trainee, "resumed")[-1]["args"][0]["remaining"] == 15
    clock.advance(14)
    assert _answer(trainee, question, "T", 1)["ok"]


def test_extend_time_for_one_trainee(live, paced, clock):
    staff = live.connect("J100")
    slow, other = live.connect("S000"), live.connect("S001")
    for trainee in (slow, other):
        call(trainee, "enter", {"session_id": paced.id})
    call(staff, "control", {"session_id": paced.id, "action": "start"})
    call(staff, "control", {"session_id": paced.id, "action": "next"})
    state = call(staff, "watch", {"session_id": paced.id})["state"]
    question = events(slow, "question")[-1]["args"][0]["question"]
    slow_id = next(p["participant_id"] for p in state["roster"] if p["employee_no"] == "S000")
    call(staff, "control", {"session_id": paced.id, "action": "extend", "seconds": 30, "participant_id": slow_id})
    assert events(slow, "time_extended")[-1]["args"][0]["remaining"] == 50
    assert not events(other, "time_extended")
    clock.advance(40)
    assert _answer(slow, question, "T", 1)["ok"]
    assert _answer(other, question, "T", 1)["error"]["code"] == "late"
    # The extra time stays with the trainee for later questions, and with nobody else
    # (the room's payload is built from one participant: it must not be this one's time).
    call(staff, "control", {"session_id": paced.id, "action": "next"})
    heard = {name: [(e["name"], e["args"][0]["remaining"]) for e in events(client)
                    if e["name"] in ("question", "time_extended")]
             for name, client in (("slow", slow), ("other", other))}
    assert heard == {"slow": [("question", 20), ("time_extended", 50)], "other": [("question", 20)]}


def test_a_timed_paper_arrives_whole_and_ends_at_the_deadline(app, live, timed, clock):
    from live import ticker

    staff, trainee = live.connect("J100"), live.connect("S000")
    call(trainee, "enter", {"session_id": timed.id})
    call(staff, "control", {"session_id": timed.id, "action": "start"})
    state = events(trainee, "state")[-1]["args"][0]
    assert len(state["questions"]) == 6 and state["remaining"] == 600
    assert '"answer"' not in json.dumps(state) and '"key"' not in json.dumps(state)
    last, first = state["questions"][-1], state["questions"][0]
    assert _answer(trainee, last, last["options"][0]["letter"], 1)["ok"]  # any order
    assert _answer(trainee, first, "T", 2)["ok"]
    clock.advance(601)
    ticker.tick(clock.now())
    db.session.refresh(timed)
    assert timed.status == "running"  # within grace
    clock.advance(2)
    ticker.tick(clock.now())
    db.session.refresh(timed)
    assert timed.status == "ended"
    ended = events(trainee, "ended")[-1]["args"][0]
    assert "score" in ended
    assert _answer(trainee, first, "F", 3)["error"]["code"] == "finished"


def test_a_trainee_who_comes_back_gets_everything_they_saved(live, timed, clock):
    staff, trainee = live.connect("J100"), live.connect("S000")
    call(trainee, "enter", {"session_id": timed.id})
    call(staff, "control", {"session_id": timed.id, "action": "start"})
    questions = events(trainee, "state")[-1]["args"][0]["questions"]
    _answer(trainee, questions[0], "T", 1)
    _answer(trainee, questions[2], questions[2]["options"][1]["letter"], 2)
    draft = questions[4]  # multiple choice, ticked but not submitted yet
    assert draft["type"] == "multi"
    assert call(trainee, "answer", {"question_id": draft["id"], "choice": "AB", "seq": 3, "final": False})["ok"]
    trainee.disconnect(namespace="/live")
    clock.advance(100)
    again = live.connect("S000")
    state = call(again, "enter", {"session_id": timed.id})["state"]
    assert state["answers"] == {str(questions[0]["id"]): {"choice": "T", "seq": 1, "final": True},
                                str(questions[2]["id"]): {"choice": questions[2]["options"][1]["letter"], "seq": 2,
                                                          "final": True},
                                str(draft["id"]): {"choice": "AB", "seq": 3, "final": False}}
    assert state["remaining"] == 500 and state["last_seq"] == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 3  # nothing counted twice


def test_who_may_do_what(live, paced, people, clock):
    trainee = live.connect("S000")
    assert call(trainee, "control", {"session_id": paced.id, "action": "start"})["error"]["code"] == "forbidden"
    assert call(trainee, "watch", {"session_id": paced.id})["error"]["code"] == "forbidden"
    other_branch = live.connect("J200")
    assert call(other_branch, "watch", {"session_id": paced.id})["error"]["code"] == "forbidden"
    outsider = live.connect("T200")  # a trainee not on this roster
    assert call(outsider, "enter", {"code": paced.join_code})["error"]["code"] == "not_on_roster"
    question = {"id": 1}
    assert _answer(outsider, question, "T", 1)["error"]["code"] == "not_open"
    assert call(outsider, "answer", {"question_id": "x"})["error"]["code"] == "bad_request"


def test_failed_joins_are_rate_limited(live, paced, clock):
    outsider = live.connect("T200")
    codes = [call(outsider, "enter", {"code": f"WRONG{n}"})["error"]["code"] for n in range(11)]
    assert codes[:10] == ["not_on_roster"] * 10 and codes[10] == "rate_limited"


def test_tab_switches_are_counted_and_the_limit_submits(live, timed, clock):
    timed.tab_switch_limit = 2
    db.session.commit()
    staff, trainee = live.connect("J100"), live.connect("S000")
    call(staff, "watch", {"session_id": timed.id})
    call(trainee, "enter", {"session_id": timed.id})
    call(staff, "control", {"session_id": timed.id, "action": "start"})
    first = call(trainee, "focus_lost", {"session_id": timed.id, "kind": "hidden"})
    assert first["tab_switches"] == 1 and not first["submitted"]
    assert call(trainee, "focus_lost", {"session_id": timed.id, "kind": "blur"})["submitted"]
    question = events(trainee, "state")[-1]["args"][0]["questions"][0]
    assert _answer(trainee, question, "T", 1)["error"]["code"] == "finished"
    alerts = [e["args"][0] for e in events(staff, "alert")]
    assert alerts[-1]["submitted"] and alerts[-1]["tab_switches"] == 2


def test_remove_and_announce(live, paced, clock):
    staff, trainee, other = live.connect("J100"), live.connect("S000"), live.connect("S001")
    for t in (trainee, other):
        call(t, "enter", {"session_id": paced.id})
    call(staff, "control", {"session_id": paced.id, "action": "announce", "text": "请关闭手机"})
    state = call(staff, "watch", {"session_id": paced.id})["state"]
    assert events(other, "announcement")[-1]["args"][0]["text"] == "请关闭手机"
    target = next(p["participant_id"] for p in state["roster"] if p["employee_no"] == "S000")
    call(staff, "control", {"session_id": paced.id, "action": "remove", "participant_id": target})
    assert events(trainee, "removed")
    assert call(trainee, "enter", {"session_id": paced.id})["error"]["code"] == "removed"


def test_answers_arriving_together_are_committed_in_groups(app, paced, clock):
    from live import controls
    from server.database import commit

    controls.start(paced, clock.now())
    controls.open_next(paced, clock.now())
    commit()
    participants = db.session.scalars(sa.select(Participant).where(Participant.session_id == paced.id)).all()
    writer = writer_for(app)
    writer.wait_seconds = 0.05
    jobs = [AnswerJob(paced.id, p.id, paced.current_question_id, "T", seq, clock.now())
            for p in participants for seq in range(1, 11)]
    results = [gevent.spawn(writer.submit, job) for job in jobs]
    gevent.joinall(results)
    acks = [g.value for g in results]
    assert all(a["ok"] for a in acks) and len(acks) == 30
    assert writer.batches < len(jobs)  # several answers per commit
    db.session.expire_all()
    assert {p.last_seq for p in db.session.scalars(sa.select(Participant))} == {10}
    session = db.session.get(LiveSession, paced.id)
    assert session.status == "running"


def test_dashboards_get_deltas_counts_and_standings(live, paced, clock):
    staff = live.connect("J100")
    call(staff, "watch", {"session_id": paced.id})
    trainees = [live.connect(f"S00{n}") for n in range(3)]
    for trainee in trainees:
        call(trainee, "enter", {"session_id": paced.id})
    received = []

    def counted():  # the counts follow the roster changes, once, not after each connect
        received.extend(events(staff))
        return any(e["name"] == "counts" and e["args"][0]["connected"] == 3 for e in received)

    wait_until(counted, message="the dashboard was never told that three trainees are connected")
    changes = [e for e in received if e["name"] == "roster_changed"]
    rows = [row for change in changes for row in change["args"][0]["changed"]]
    assert sorted(r["employee_no"] for r in rows) == ["S000", "S001", "S002"]  # only the joiners' rows
    assert all(r["connected"] for r in rows) and len(changes) <= 3  # joins travel in groups
    counted = [e["args"][0] for e in received if e["name"] == "counts"]
    assert counted == [{"connected": 3, "answered": 0}]
    call(staff, "control", {"session_id": paced.id, "action": "start"})
    call(staff, "control", {"session_id": paced.id, "action": "next"})
    question = events(trainees[0], "question")[-1]["args"][0]["question"]
    _answer(trainees[0], question, "T", 1)  # right: 1 point
    _answer(trainees[1], question, "F", 1)  # wrong
    progress = [e["args"][0] for e in events(staff, "progress")]
    assert [len(p["changed"]) for p in progress] == [1, 1]  # only the answering trainee's row
    last = progress[-1]
    assert last["counts"] == {"connected": 3, "answered": 2}
    assert last["leaderboard"][0]["name"] == "用户S000" and last["leaderboard"][0]["rank"] == 1
    assert [entry["rank"] for entry in last["leaderboard"]] == [1, 2, 2]  # ties share a rank
    assert sum(last["histogram"]) == 3


def test_during_a_burst_dashboards_get_progress_gathered_not_per_batch(app, live, paced, clock):
    """Answers saved within LIVE_PROGRESS_SECONDS reach the dashboard as one progress event
    holding every changed row, the distribution counted by the database."""
    app.config["LIVE_PROGRESS_SECONDS"] = 0.2
    staff, trainees, question = _first_question_open(live, paced, watch=True)
    events(staff, "progress")  # drain
    for trainee, choice in zip(trainees[:2], "TF", strict=True):
        assert _answer(trainee, question, choice, 1)["ok"]
    assert events(staff, "progress") == []  # not yet: gathered for 0.2 s
    progress = []

    def gathered():  # every progress event until both answers are reported: two events would show
        progress.extend(e["args"][0] for e in events(staff, "progress"))
        return {row["employee_no"] for p in progress for row in p["changed"]} >= {"S000", "S001"}

    wait_until(gathered, message="the dashboard never got progress for both answers")
    assert len(progress) == 1
    assert sorted(row["employee_no"] for row in progress[0]["changed"]) == ["S000", "S001"]
    assert progress[0]["distribution"] == {"T": 1, "F": 1} and progress[0]["counts"]["answered"] == 2
