"""Identity changes reach open connections, over a real port: logout, deactivation, a password
reset by an admin; and an account that must still replace its one-time password gets neither
the API nor /live."""
from __future__ import annotations

import pytest
import requests
import socketio

from server.auth import operations
from server.extensions import db
from tests.conftest import PASSWORD
from tests.live.conftest import CSRF_INPUT
from tests.waiting import wait_until


def _cookie(session: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


class Connection:
    """A real Socket.IO client that records `signed_out` and the server's disconnect."""

    def __init__(self):
        self.client = socketio.Client(reconnection=False)
        self.events: list[str] = []
        self.client.on("signed_out", lambda _data: self.events.append("signed_out"), namespace="/live")
        self.client.on("disconnect", lambda *_reason: self.events.append("disconnect"), namespace="/live")
        self.client.on("connect_error", lambda data: self.refusals.append(data), namespace="/live")
        self.refusals: list = []

    def connect(self, server, cookie: str | None = None, auth: dict | None = None) -> Connection:
        self.client.connect(server.url, headers={"Cookie": cookie} if cookie else {}, auth=auth,
                            namespaces=["/live"], transports=["websocket"], wait_timeout=5)
        return self

    def call(self, event: str, data=None) -> dict:
        return self.client.call(event, data, namespace="/live", timeout=5)

    def wait_closed(self) -> None:
        wait_until(lambda: "disconnect" in self.events, message="the server never closed the connection")
        assert self.events[0] == "signed_out", self.events  # told why, before the close


def _post(server, session: requests.Session, path: str, page: str = "/") -> requests.Response:
    token = CSRF_INPUT.search(session.get(server.url + page).text)
    token = token.group(1) if token else _csrf_meta(server, session, page)
    return session.post(server.url + path, data={"csrf_token": token}, allow_redirects=False)


def _csrf_meta(server, session, page) -> str:
    import re

    return re.search(r'name="csrf-token" content="([^"]+)"', session.get(server.url + page).text).group(1)


def _refused(server, **kwargs) -> str:
    """The code a refused handshake's connect_error carries (docs/protocol.md)."""
    connection = Connection()
    with pytest.raises(socketio.exceptions.ConnectionError):
        connection.connect(server, **kwargs)
    wait_until(lambda: connection.refusals, message="no connect_error")
    return connection.refusals[0]["message"]


def test_logout_ends_the_session_on_the_server(live_server, people):
    browser = live_server.login("T100", PASSWORD)
    copied = requests.Session()
    copied.cookies.update(browser.cookies)  # someone copied the cookie before the logout
    open_socket = Connection().connect(live_server, _cookie(browser))
    assert _post(live_server, browser, "/logout").status_code == 302
    open_socket.wait_closed()
    page = copied.get(live_server.url + "/", allow_redirects=False)
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert _refused(live_server, cookie=_cookie(copied)) == "unauthorized"


def test_deactivation_closes_a_trainees_open_connection(live_server, people):
    trainee = Connection().connect(live_server, _cookie(live_server.login("T100", PASSWORD)))
    assert trainee.call("whoami")["ok"]
    admin = live_server.login("A001", PASSWORD)
    assert _post(live_server, admin, f"/users/{people['t_bj'].id}/deactivate", "/users/").status_code == 302
    trainee.wait_closed()


def test_a_password_reset_closes_an_invigilators_connections(live_server, people):
    cookie = _cookie(live_server.login("J100", PASSWORD))
    by_cookie = Connection().connect(live_server, cookie)
    raw, _token = operations.issue_token(people["inv_bj"], live_server_ttl())
    db.session.commit()
    by_token = Connection().connect(live_server, auth={"token": raw})
    admin = live_server.login("A001", PASSWORD)
    response = _post(live_server, admin, f"/users/{people['inv_bj'].id}/reset-password", "/users/")
    assert response.status_code == 200
    by_cookie.wait_closed()
    by_token.wait_closed()
    assert _refused(live_server, cookie=cookie) == "unauthorized"


def live_server_ttl():
    from datetime import timedelta

    return timedelta(hours=1)


def test_a_connection_the_push_missed_is_refused_at_its_next_event(live_server, people):
    """Another process changed the account (here: only the database did): the next event is
    answered `signed_out` and the connection is closed."""
    trainee = Connection().connect(live_server, _cookie(live_server.login("T200", PASSWORD)))
    user = people["t_sh"]
    user.active = False
    db.session.commit()
    reply = wait_until(lambda: (r := trainee.call("whoami")).get("ok") is False and r,
                       message="the deactivated trainee's events are still served")
    assert reply["error"]["code"] == "signed_out"
    wait_until(lambda: "disconnect" in trainee.events, message="the server never closed the connection")


def test_a_one_time_password_opens_neither_the_api_nor_live(live_server, org, make_user):
    user = make_user("T555", org["SH"], must_change_password=True)
    response = requests.post(live_server.url + "/api/v1/auth/token", timeout=5,
                             json={"employee_no": "T555", "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "password_change_required"
    raw, _token = operations.issue_token(user, live_server_ttl())  # one issued before it was reset
    db.session.commit()
    me = requests.get(live_server.url + "/api/v1/me", headers={"Authorization": f"Bearer {raw}"}, timeout=5)
    assert me.status_code == 403 and me.json()["error"]["code"] == "password_change_required"
    assert _refused(live_server, auth={"token": raw}) == "password_change_required"
    assert _refused(live_server, cookie=_cookie(live_server.login("T555", PASSWORD))) == "password_change_required"


def test_a_deactivation_on_one_process_closes_connections_on_another(people, migrated, tmp_path):
    """Two server processes sharing the Redis message queue: the admin deactivates a trainee on
    one, and the trainee's connection to the other is told and closed at once (not at its next
    event: the push crosses the queue)."""
    from tests.conftest import TEST_DATABASE
    from tests.live.conftest import ServerProcess
    from tests.services import redis_url

    if TEST_DATABASE != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of `make test`")
    env = {"SOCKETIO_MESSAGE_QUEUE": redis_url(4), "LIVE_IDENTITY_SECONDS": "3600"}  # no re-check
    first, second = ServerProcess(migrated, tmp_path / "a", env), ServerProcess(migrated, tmp_path / "b", env)
    try:
        trainee = Connection().connect(second, _cookie(second.login("T100", PASSWORD)))
        assert trainee.call("whoami")["ok"]
        admin = first.login("A001", PASSWORD)
        assert _post(first, admin, f"/users/{people['t_bj'].id}/deactivate", "/users/").status_code == 302
        trainee.wait_closed()
    finally:
        first.stop()
        second.stop()
