"""Two server processes on PostgreSQL and Redis run one exam: the invigilator on one drives
trainees on the other (emits cross through the Socket.IO message queue)."""
from __future__ import annotations

import pytest

from server.exams import operations as exams
from server.extensions import db
from tests.conftest import TEST_DATABASE
from tests.live.conftest import ServerProcess, wait_event
from tests.services import redis_url


def test_an_invigilator_on_one_process_drives_trainees_on_another(app, fixed_paper, people, make_trainees,
                                                                 migrated, tmp_path):
    if TEST_DATABASE != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of `make test`")
    queue = redis_url(3)
    session_id = exams.create_session(people["inv_bj"], fixed_paper, "两进程", "paced", make_trainees(2)).id
    db.session.commit()
    env = {"SOCKETIO_MESSAGE_QUEUE": queue}
    first = ServerProcess(migrated, tmp_path / "a", env)
    second = ServerProcess(migrated, tmp_path / "b", env)
    try:
        staff, staff_events = first.connect("J100")
        trainees = [second.connect(name) for name in ("S000", "S001")]
        assert staff.call("watch", {"session_id": session_id}, namespace="/live")["ok"]
        for client, _events in trainees:
            assert client.call("enter", {"session_id": session_id}, namespace="/live")["ok"]
        assert staff.call("control", {"session_id": session_id, "action": "start"}, namespace="/live")["ok"]
        assert staff.call("control", {"session_id": session_id, "action": "next"}, namespace="/live")["ok"]
        for _connection, received in trainees:
            question = wait_event(received, "question")[-1]["question"]
        ack = trainees[0][0].call("answer", {"question_id": question["id"], "choice": "T", "seq": 1},
                                  namespace="/live")
        assert ack["ok"] and ack["status"] == "saved"
        progress = wait_event(staff_events, "progress")[-1]
        assert progress["distribution"]["T"] == 1  # emitted by the other process, through Redis
        ack = trainees[1][0].call("answer", {"question_id": question["id"], "choice": "F", "seq": 1},
                                  namespace="/live")
        assert ack["ok"] and ack["status"] == "saved", ack
        closed = wait_event(trainees[0][1], "question_closed")[-1]
        assert closed["question_id"] == question["id"]
        for client, _events in [*trainees, (staff, None)]:
            client.disconnect()
    finally:
        first.stop()
        second.stop()
