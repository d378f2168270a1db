"""A trainee's rank among those present: sent with her per-question result and at the end only
when the paper shows ranks, from the session's frozen copy of that setting."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from server.exams import operations as exams
from server.exams.models import Participant, SessionQuestion
from server.extensions import db
from tests.live.conftest import call, events
from tests.waiting import wait_until


@pytest.fixture
def ranked(app, fixed_paper, people, make_trainees):
    """A paced session of a paper that shows the key after each question and ranks to trainees."""
    fixed_paper.show_key, fixed_paper.show_ranks = "after_question", True
    db.session.commit()
    session = exams.create_session(people["inv_bj"], fixed_paper, "名次", "paced", make_trainees(3))
    db.session.commit()
    return session


def _first_question_answered(live, session):
    """Three trainees in; on the first question (true/false) S000 answers right, S001 wrong and
    S002 not at all; the question is closed.  (staff, trainees)."""
    staff = live.connect("J100")
    trainees = [live.connect(f"S00{n}") for n in range(3)]
    for trainee in trainees:
        call(trainee, "enter", {"session_id": session.id})
    call(staff, "control", {"session_id": session.id, "action": "start"})
    call(staff, "control", {"session_id": session.id, "action": "next"})
    question = events(trainees[0], "question")[-1]["args"][0]["question"]
    key = db.session.get(SessionQuestion, question["id"]).answer
    assert question["type"] == "judge"
    for trainee, choice, seq in ((trainees[0], key, 1), (trainees[1], "F" if key == "T" else "T", 1)):
        assert call(trainee, "answer", {"question_id": question["id"], "choice": choice, "seq": seq})["ok"]
    call(staff, "control", {"session_id": session.id, "action": "close"})
    return staff, trainees


def test_each_result_and_the_end_carry_the_rank_among_those_present(live, ranked, fixed_paper, clock):
    # Turning ranks off on the paper after the session was created changes nothing: it uses its copy.
    fixed_paper.show_ranks = False
    db.session.commit()
    staff, trainees = _first_question_answered(live, ranked)
    results = [[e["args"][0] for e in events(t) if e["name"] == "question_result"][-1] for t in trainees]
    # Equal totals share a rank (competition ranking, as the results table's).
    assert [r["rank"] for r in results] == [{"rank": 1, "of": 3}, {"rank": 2, "of": 3}, {"rank": 2, "of": 3}]
    assert call(trainees[1], "sync", {"session_id": ranked.id})["state"]["result"]["rank"] == {"rank": 2, "of": 3}
    call(staff, "control", {"session_id": ranked.id, "action": "end"})
    assert events(trainees[0], "ended")[-1]["args"][0]["score"]["rank"] == {"rank": 1, "of": 3}
    assert call(trainees[2], "sync", {"session_id": ranked.id})["state"]["score"]["rank"] == {"rank": 2, "of": 3}


def test_an_absentee_is_not_ranked_and_not_counted(live, ranked, clock):
    staff = live.connect("J100")
    present = [live.connect(f"S00{n}") for n in range(2)]  # S002 never enters
    for trainee in present:
        call(trainee, "enter", {"session_id": ranked.id})
    wait_until(lambda: db.session.scalar(sa.select(sa.func.count()).where(
        Participant.session_id == ranked.id, Participant.joined_at.is_not(None))) == 2,
        message="the two entries were never written")
    call(staff, "control", {"session_id": ranked.id, "action": "start"})
    call(staff, "control", {"session_id": ranked.id, "action": "end"})
    assert [events(t, "ended")[-1]["args"][0]["score"]["rank"] for t in present] == [{"rank": 1, "of": 2}] * 2


def test_a_session_that_hides_ranks_sends_no_rank_anywhere(live, ranked, clock):
    ranked.show_ranks = False  # the session's own copy decides (its paper still says yes)
    db.session.commit()
    staff, trainees = _first_question_answered(live, ranked)
    states = [call(t, "sync", {"session_id": ranked.id})["state"] for t in trainees]
    call(staff, "control", {"session_id": ranked.id, "action": "end"})
    states += [call(t, "sync", {"session_id": ranked.id})["state"] for t in trainees]
    received = [e for t in trainees for e in events(t)]
    assert {"question_result", "ended"} <= {e["name"] for e in received}
    assert '"rank"' not in json.dumps([received, states], ensure_ascii=False)
