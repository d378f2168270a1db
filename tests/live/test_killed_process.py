"""A server process killed with kill -9 writes nothing more: another process notices that its
heartbeat stopped and marks its trainees disconnected (live.presence), except one who came back
elsewhere first.  Two real processes on PostgreSQL and Redis; the trainees' clients on the killed
process never reconnect, as when their browsers went at the same moment."""
from __future__ import annotations

import pytest
import redis
import sqlalchemy as sa

from live.presence import BEATS, PREFIX
from server.exams import operations as exams
from server.exams.models import Participant, is_connected
from server.extensions import db
from server.models import User
from tests.conftest import TEST_DATABASE
from tests.live.conftest import ServerProcess
from tests.services import redis_url
from tests.waiting import wait_until


def _rows(session_id):
    """employee no -> (participant id, connected, connected_at), as committed."""
    db.session.rollback()  # a fresh snapshot
    rows = db.session.execute(sa.select(User.employee_no, Participant.id, Participant.connected_at,
                                        Participant.disconnected_at)
                              .join(User, User.id == Participant.user_id).where(Participant.session_id == session_id))
    return {r.employee_no: (r.id, is_connected(r.connected_at, r.disconnected_at), r.connected_at) for r in rows}


def test_the_trainees_of_a_killed_process_are_shown_disconnected(app, fixed_paper, people, make_trainees, migrated,
                                                                 tmp_path):
    if TEST_DATABASE != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of `make test`")
    queue = redis_url(5)
    shared = redis.Redis.from_url(queue, decode_responses=True)
    shared.flushdb()  # this test's database: only the two processes' keys below
    session_id = exams.create_session(people["inv_bj"], fixed_paper, "断开", "paced", make_trainees(3)).id
    db.session.commit()
    env = {"SOCKETIO_MESSAGE_QUEUE": queue, "LIVE_PROCESS_TIMEOUT_SECONDS": "2"}
    first = ServerProcess(migrated, tmp_path / "a", env)
    second = ServerProcess(migrated, tmp_path / "b", env)
    clients = []
    try:
        staff, staff_events = first.connect("J100")
        clients.append(staff)
        assert staff.call("watch", {"session_id": session_id}, namespace="/live")["ok"]
        on_second = [second.connect(name)[0] for name in ("S000", "S001", "S002")]
        clients.extend(on_second)
        for client in on_second:
            assert client.call("enter", {"session_id": session_id}, namespace="/live")["ok"]
        wait_until(lambda: all(connected for _id, connected, _at in _rows(session_id).values()), 15,
                   "the trainees are not marked connected")
        wait_until(lambda: len(shared.hgetall(BEATS)) == 2, 15, "the two processes do not beat")
        back, _events = first.connect("S002")  # signed in and connected already: only entering is left
        clients.append(back)

        second.kill()
        # S002's browser comes back on the other process before the dead one's beat has expired
        # (LIVE_PROCESS_TIMEOUT_SECONDS); S000 and S001's never do.
        assert back.call("enter", {"session_id": session_id}, namespace="/live")["ok"]
        assert len(shared.hgetall(BEATS)) == 2, "the cleanup came before S002 entered again"
        ids = {name: pid for name, (pid, _connected, _at) in _rows(session_id).items()}

        def shown():
            latest = {}
            for event in staff_events.get("roster_changed", []):
                latest.update({row["participant_id"]: row["connected"] for row in event["changed"]})
            return latest

        wait_until(lambda: shown().get(ids["S000"]) is False and shown().get(ids["S001"]) is False, 30,
                   "the dashboard still shows the killed process's trainees connected")
        rows = _rows(session_id)
        assert not rows["S000"][1] and not rows["S001"][1]
        assert rows["S002"][1], "the trainee who came back elsewhere was marked disconnected"
        assert shown().get(ids["S002"]) is not False
        # The dead process's keys are gone (its claim expires by itself); the living one's remain.
        (living,) = shared.hgetall(BEATS)
        left = [key for key in shared.scan_iter(f"{PREFIX}:*") if key != BEATS and living not in key]
        assert all(key.endswith(":claim") and shared.pttl(key) > 0 for key in left), left
    finally:
        for client in clients:
            client.disconnect()
        first.stop()
        second.stop()
