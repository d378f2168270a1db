"""Over a real port: an acknowledged answer survives kill -9 of the server, the exam resumes
with the right remaining time, and clients reconnect by themselves."""
from __future__ import annotations

import threading
import time

import socketio
import sqlalchemy as sa

from server.exams import operations as exams
from server.exams.models import Answer
from server.extensions import db
from tests.conftest import PASSWORD
from tests.live.conftest import ServerProcess


def _client(server, employee_no, on_connect=None):
    session = server.login(employee_no, PASSWORD)
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    client = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)
    if on_connect:
        client.on("connect", on_connect, namespace="/live")
    client.connect(server.url, headers={"Cookie": cookie}, namespaces=["/live"], transports=["websocket"],
                   wait_timeout=5)
    return client


def test_acknowledged_answers_survive_kill_9_and_the_exam_resumes(app, fixed_paper, people, make_trainees,
                                                                   migrated, tmp_path):
    fixed_paper.paper_seconds = 600
    db.session.commit()
    session_id = exams.create_session(people["inv_bj"], fixed_paper, "断电演练", "timed", make_trainees(1)).id
    db.session.commit()
    server = ServerProcess(migrated, tmp_path / "instance")
    try:
        staff = _client(server, "J100")
        assert staff.call("control", {"session_id": session_id, "action": "start"}, namespace="/live")["ok"]
        reconnected = threading.Event()
        states = []

        def enter_again():
            # Runs on every (re)connect, as the trainee page does.
            threading.Thread(target=lambda: (states.append(trainee.call(
                "enter", {"session_id": session_id}, namespace="/live", timeout=10)), reconnected.set())).start()

        trainee = _client(server, "S000")
        first = trainee.call("enter", {"session_id": session_id}, namespace="/live")
        questions = first["state"]["questions"]
        remaining_before = first["state"]["remaining"]
        acks = [trainee.call("answer", {"question_id": q["id"], "choice": "T" if q["type"] == "judge"
                                        else q["options"][0]["letter"], "seq": n}, namespace="/live")
                for n, q in enumerate(questions[:4], start=1)]
        assert all(a["ok"] and a["status"] == "saved" for a in acks)
        trainee.on("connect", enter_again, namespace="/live")

        server.kill()  # no warning, no shutdown hook
        killed_at = time.monotonic()
        db.session.expire_all()
        stored = db.session.scalars(sa.select(Answer.seq).order_by(Answer.seq)).all()
        assert stored == [1, 2, 3, 4]  # every acknowledged answer is on disk

        server.start()
        assert reconnected.wait(20), "the trainee did not reconnect by itself"
        state = states[-1]["state"]
        assert {int(k): v["seq"] for k, v in state["answers"].items()} == {
            q["id"]: n for n, q in enumerate(questions[:4], start=1)}
        elapsed = time.monotonic() - killed_at
        assert remaining_before - elapsed - 5 <= state["remaining"] <= remaining_before
        assert state["session"]["status"] == "running"
        more = trainee.call("answer", {"question_id": questions[4]["id"], "choice": questions[4]["options"][0]["letter"]
                                       if questions[4]["options"] else "T", "seq": 5}, namespace="/live")
        assert more["ok"]
        trainee.disconnect()
        staff.disconnect()
    finally:
        server.stop()
