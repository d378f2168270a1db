"""Hostile clients on /live: any payload to any event gets an acknowledgement with a known code
(never a missing answer, a server error or a traceback in the log), and one account cannot open
hundreds of connections."""
from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from live import limits
from live.messages import ERROR_MESSAGES
from server.exams import operations as exams
from server.exams.models import Participant
from server.extensions import db, socketio
from tests.conftest import PASSWORD, Auth
from tests.live.conftest import call

CLIENT_EVENTS = ("enter", "sync", "answer", "focus_lost", "submit", "whoami", "watch", "unwatch", "control")
KEYS = ("session_id", "question_id", "participant_id", "seq", "choice", "final", "kind", "code", "action",
        "seconds", "text")
ACTIONS = ("start", "next", "close", "pause", "resume", "extend", "announce", "end", "remove", "dance")

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40))
anything = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


def _open(app, employee_no: str):
    flask_client = app.test_client()
    Auth(flask_client).login(employee_no, PASSWORD)
    with app.app_context():
        return socketio.test_client(app, namespace="/live", flask_test_client=flask_client)


def test_one_account_holds_at_most_a_few_connections(app, clock, make_trainees):
    make_trainees(1)
    clients = [_open(app, "S000") for _ in range(limits.MAX_CONNECTIONS_PER_USER + 2)]
    connected = [client.is_connected("/live") for client in clients]
    assert connected == [True] * limits.MAX_CONNECTIONS_PER_USER + [False, False]
    clients[0].disconnect(namespace="/live")
    assert _open(app, "S000").is_connected("/live")  # a closed one frees its place


@pytest.fixture
def hostile(app, clock, fixed_paper, people, make_trainees):
    """A running timed session, an invigilator watching it and a trainee in it; budgets high
    enough that every fuzzed event reaches its handler."""
    app.config.update(LIVE_EVENT_RATE=limits.Rate(burst=10**6, per_second=10**6),
                      LIVE_ANSWER_RATE=limits.Rate(burst=10**6, per_second=10**6))
    session = exams.create_session(people["inv_bj"], fixed_paper, "模糊测试", "timed", make_trainees(2))
    db.session.commit()
    trainee, invigilator = _open(app, "S000"), _open(app, "J100")
    assert call(trainee, "enter", {"session_id": session.id})["ok"]
    assert call(invigilator, "control", {"session_id": session.id, "action": "start"})["ok"]
    db.session.refresh(session)
    participants = db.session.scalars(sa.select(Participant.id).where(Participant.session_id == session.id))
    ids = [session.id, *(q.id for q in session.questions), *participants]
    return {"trainee": trainee, "invigilator": invigilator, "ids": ids}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_payload_to_any_event_is_answered_with_a_known_code(hostile, caplog, data):
    ids = st.sampled_from(hostile["ids"])
    fields = st.dictionaries(st.sampled_from(KEYS), st.one_of(ids, st.sampled_from(ACTIONS), anything,
                                                              st.sampled_from(["A", "AB", "T", "F", "ABCDEFGHI"])),
                             max_size=6)
    # Nearly well-formed answers reach the writer and the database: any seq, any final.
    answers = st.fixed_dictionaries({"question_id": ids, "seq": st.integers(min_value=-2**70, max_value=2**70),
                                     "choice": st.sampled_from(["A", "B", "T", "AB", "Z", ""])},
                                    optional={"final": anything})
    event = data.draw(st.sampled_from(CLIENT_EVENTS), label="event")
    payload = data.draw(st.one_of(fields, anything, answers) if event == "answer" else st.one_of(fields, anything),
                        label="payload")
    sender = hostile["invigilator"] if event in ("watch", "unwatch", "control") else hostile["trainee"]
    if event == "control" and data.draw(st.booleans(), label="to the invigilator's session"):
        payload = {**(payload if isinstance(payload, dict) else {}), "session_id": hostile["ids"][0]}
    with caplog.at_level(logging.WARNING):
        ack = call(sender, event, payload)
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), (event, payload, ack)
    if not ack["ok"]:
        assert ack["error"]["code"] in ERROR_MESSAGES, (event, payload, ack)
        assert ack["error"]["code"] != "server_error", (event, payload, ack)
    problems = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not problems, [r.getMessage() for r in problems]
    caplog.clear()
    assert call(hostile["trainee"], "whoami")["ok"]  # and the server goes on answering
