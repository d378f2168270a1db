"""Who may open a live connection: the test client, and a real client over a real port."""
from __future__ import annotations

import pytest
import socketio
import websocket

from server.auth import operations
from server.extensions import socketio as server_socketio
from tests.conftest import PASSWORD


def test_a_logged_in_user_connects_and_is_known(app, client, auth, people):
    auth.login("T100")
    live = server_socketio.test_client(app, namespace="/live", flask_test_client=client)
    assert live.is_connected("/live")
    reply = live.emit("whoami", None, namespace="/live", callback=True)
    assert reply["ok"] and reply["employee_no"] == "T100" and reply["role"] == "trainee"
    assert reply["server_time"].endswith("Z")
    live.disconnect(namespace="/live")


def test_anonymous_connections_are_refused(app, client, people):
    live = server_socketio.test_client(app, namespace="/live", flask_test_client=client)
    assert not live.is_connected("/live")


def test_a_bearer_token_opens_a_connection(app, client, people):
    raw, _token = operations.issue_token(people["inv_bj"], app.config["API_TOKEN_TTL"])
    live = server_socketio.test_client(app, namespace="/live", auth={"token": raw})
    assert live.is_connected("/live")
    assert live.emit("whoami", None, namespace="/live", callback=True)["role"] == "invigilator"
    refused = server_socketio.test_client(app, namespace="/live", auth={"token": raw + "x"})
    assert not refused.is_connected("/live")


def test_a_user_who_must_change_their_password_cannot_connect_yet(app, client, auth, org, make_user):
    make_user("T777", org["SH"], must_change_password=True)
    auth.login("T777")
    live = server_socketio.test_client(app, namespace="/live", flask_test_client=client)
    assert not live.is_connected("/live")


def _connect(server, headers=None, auth=None) -> socketio.SimpleClient:
    client = socketio.SimpleClient()
    client.connect(server.url, headers=headers or {}, auth=auth, namespace="/live",
                   transports=["websocket"], wait_timeout=5)
    return client


def test_websocket_over_a_real_port_with_the_login_cookie(live_server, people):
    session = live_server.login("T100", PASSWORD)
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    client = _connect(live_server, headers={"Cookie": cookie})  # Origin: the server's own
    try:
        assert client.connected
        reply = client.call("whoami", None, timeout=5)
        assert reply["employee_no"] == "T100"
    finally:
        client.disconnect()


def _raw_handshake(server, origin: str, cookie: str) -> str:
    """Open the Engine.IO websocket directly and return its first frame: the open packet "0{...}"
    when Engine.IO accepts the connection; "" (closed at once) or "HTTP <status>" when it refuses."""
    try:
        ws = websocket.create_connection(
            server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
            origin=origin, cookie=cookie, timeout=5)
    except websocket.WebSocketBadStatusException as refused:
        return f"HTTP {refused.status_code}"
    try:
        return ws.recv()
    except websocket.WebSocketConnectionClosedException:
        return ""
    finally:
        ws.shutdown()  # closes the socket even when the server already closed the connection


def test_websocket_from_another_origin_is_refused(live_server, people):
    session = live_server.login("T100", PASSWORD)
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    assert _raw_handshake(live_server, live_server.url, cookie).startswith("0{")  # same origin: open
    # gevent-websocket completes the upgrade before Engine.IO sees the request; Engine.IO then
    # closes it without an open packet, so no session exists for the foreign page.
    assert _raw_handshake(live_server, "http://evil.example", cookie) in ("", "HTTP 400")


def test_websocket_without_credentials_is_refused(live_server, people):
    with pytest.raises(socketio.exceptions.ConnectionError):
        _connect(live_server)


def test_the_socketio_browser_client_is_served_locally(live_server, people):
    import requests

    response = requests.get(live_server.url + "/vendor/socket.io.min.js", timeout=5)
    assert response.status_code == 200 and b"io" in response.content[:2000]
    assert requests.get(live_server.url + "/vendor/package.json", timeout=5).status_code == 404
