"""/live honours an exam ticket's scope: its session only, nothing staff may do, not after the end."""
from __future__ import annotations

import sqlalchemy as sa

from server.auth.operations import sign_out_everywhere
from server.exams import operations as exams
from server.extensions import db
from server.models import User
from tests.builders import sign_in_by_ticket as _sign_in
from tests.builders import ticket_of as _ticket
from tests.live.conftest import call


def _socket(app, flask_client):
    from server.extensions import socketio

    with app.app_context():
        return socketio.test_client(app, namespace="/live", flask_test_client=flask_client)


def test_live_honours_the_tickets_scope(app, live, started, fixed_paper, people):
    roster = db.session.scalars(sa.select(User).where(User.employee_no == "S000")).all()
    other = exams.create_session(people["inv_bj"], fixed_paper, "另一场", "paced", roster)
    db.session.commit()
    _row, code = _ticket(started, "S000")
    flask_client = app.test_client()
    assert _sign_in(flask_client, "S000", code).status_code == 302
    socket = _socket(app, flask_client)
    assert socket.is_connected("/live")
    assert call(socket, "enter", {"session_id": other.id})["error"]["code"] == "out_of_scope"
    assert call(socket, "enter", {"code": other.join_code})["error"]["code"] == "out_of_scope"
    assert call(socket, "watch", {"session_id": started.id})["error"]["code"] == "forbidden"
    assert call(socket, "enter", {"session_id": started.id})["ok"]


def test_live_refuses_a_ticket_sign_in_once_the_session_ended(app, live, started):
    _row, code = _ticket(started, "S000")
    flask_client = app.test_client()
    assert _sign_in(flask_client, "S000", code).status_code == 302
    exams.end_session(started)
    db.session.commit()
    socket = _socket(app, flask_client)
    assert not socket.is_connected("/live")


def test_a_trainee_with_a_one_time_password_sits_the_exam_by_ticket(app, live, started):
    user = db.session.scalar(sa.select(User).where(User.employee_no == "S000"))
    user.must_change_password = True
    sign_out_everywhere(user)
    db.session.commit()
    _row, code = _ticket(started, "S000")
    flask_client = app.test_client()
    assert _sign_in(flask_client, "S000", code).status_code == 302
    assert flask_client.get(f"/exam/{started.id}").status_code == 200
    socket = _socket(app, flask_client)
    assert call(socket, "enter", {"session_id": started.id})["ok"]
    app.config["LIVE_IDENTITY_SECONDS"] = 0  # the next event re-reads the account
    assert call(socket, "sync", {"session_id": started.id})["ok"]
