"""Trainees of one exam spread over two server processes (PostgreSQL and Redis): the
invigilator's dashboard is told about all of them at once, not one process's share at a time."""
from __future__ import annotations

import pytest

from server.exams import operations as exams
from server.extensions import db
from tests.conftest import TEST_DATABASE
from tests.live.conftest import ServerProcess, wait_event
from tests.services import redis_url
from tests.waiting import wait_until


def test_progress_counts_and_standings_cover_the_trainees_of_every_process(app, fixed_paper, people, make_trainees,
                                                                           migrated, tmp_path):
    if TEST_DATABASE != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of `make test`")
    queue = redis_url(4)
    roster = make_trainees(5)
    session_id = exams.create_session(people["inv_bj"], fixed_paper, "分散", "paced", roster).id
    db.session.commit()
    env = {"SOCKETIO_MESSAGE_QUEUE": queue}
    first = ServerProcess(migrated, tmp_path / "a", env)
    second = ServerProcess(migrated, tmp_path / "b", env)
    clients = []
    try:
        staff, staff_events = first.connect("J100")
        clients.append(staff)
        # S000, S001 on the invigilator's process; S002, S003 and S004 (who never answers, so the
        # question stays open and only the progress events speak) on the other.
        trainees = {name: (first if name < "S002" else second).connect(name)
                    for name in ("S000", "S001", "S002", "S003", "S004")}
        clients.extend(client for client, _events in trainees.values())
        assert staff.call("watch", {"session_id": session_id}, namespace="/live")["ok"]
        for client, _events in trainees.values():
            assert client.call("enter", {"session_id": session_id}, namespace="/live")["ok"]
        for action in ("start", "next"):
            assert staff.call("control", {"session_id": session_id, "action": action}, namespace="/live")["ok"]
        state = staff.call("watch", {"session_id": session_id}, namespace="/live")["state"]
        current = state["status"]["current_question_id"]
        key = next(q["answer"] for q in state["questions"] if q["id"] == current)
        for _connection, received in trainees.values():
            question = wait_event(received, "question")[-1]["question"]
        # Each process grades its own trainees' answers, in turns, so that neither process's own
        # leaderboard ever holds all four.
        for name in ("S000", "S002", "S003", "S001"):
            ack = trainees[name][0].call("answer", {"question_id": question["id"], "choice": key, "seq": 1},
                                         namespace="/live")
            assert ack["ok"] and ack["status"] == "saved", ack

        def all_four():
            return [p for p in staff_events.get("progress", []) if p["counts"]["answered"] == 4]

        progress = wait_until(all_four, 15, "no progress counting all four answers")[-1]
        assert progress["counts"] == {"connected": 5, "answered": 4}
        assert sum(progress["distribution"].values()) >= 4
        totals = {row["participant_id"]: row["total"] for row in progress["leaderboard"]}
        points = sorted(float(total) for total in totals.values())
        assert len(points) == 5 and points[0] == 0 and all(p > 0 for p in points[1:]), totals  # S004 only at 0
    finally:
        for client in clients:
            client.disconnect()
        first.stop()
        second.stop()
