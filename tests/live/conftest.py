"""A real Examhall server process on a free port, for tests where the network matters."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import socketio

from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    def __init__(self, database_url: str, instance: Path, extra_env: dict | None = None, port: int | None = None):
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATABASE_URL": database_url, "EXAMHALL_INSTANCE_PATH": str(instance),
                    "SECRET_KEY": "live-test-secret", "EXAMHALL_PORT": str(self.port),
                    "DOCUMENTS_AUTO_ISSUE": "false", **(extra_env or {})}
        self.log = instance / "server.log"
        instance.mkdir(parents=True, exist_ok=True)
        self.start()

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_up()

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine or the process dies."""
        self.process.kill()
        self.process.wait()

    def _wait_until_up(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()}")

    def login(self, employee_no: str, password: str) -> requests.Session:
        session = requests.Session()
        page = session.get(self.url + "/login").text
        token = CSRF_INPUT.search(page).group(1)
        response = session.post(self.url + "/login", allow_redirects=False,
                                data={"employee_no": employee_no, "password": password, "csrf_token": token})
        assert response.status_code == 302, response.text
        return session

    def connect(self, employee_no: str,
                events=("question", "progress", "question_closed", "started", "roster_changed")):
        """A Socket.IO client signed in as ``employee_no`` (password PASSWORD) and what it received,
        by event name: for tests that run several real processes."""
        from tests.conftest import PASSWORD

        cookie = "; ".join(f"{c.name}={c.value}" for c in self.login(employee_no, PASSWORD).cookies)
        client, received = socketio.Client(), {}

        def record(name):
            def handler(data):
                received.setdefault(name, []).append(data)
            return handler

        for name in events:
            client.on(name, record(name), namespace="/live")
        client.connect(self.url, headers={"Cookie": cookie}, namespaces=["/live"], transports=["websocket"],
                       wait_timeout=5)
        return client, received

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def live_server(migrated, tmp_path_factory):
    """One server for a module's tests.  Not longer: a server left running would take part in
    later tests' exams on the same database (its deadline ticker closes questions) without
    sharing their message queue, so its emits would never reach their clients."""
    server = ServerProcess(migrated, tmp_path_factory.mktemp("live-instance"))
    yield server
    server.stop()


# --- live sessions in-process, with a clock the test moves ----------------------------------------



@pytest.fixture
def clock(app):
    from live.clock import FakeClock

    fake = FakeClock()
    app.config.update(LIVE_CLOCK=fake, LIVE_TICKER=False, LIVE_GRACE_SECONDS=2, LIVE_COUNTS_SECONDS=0.01,
                      LIVE_PROGRESS_SECONDS=0)  # progress at once, per batch (one test sets a delay)
    return fake


class Live:
    """Socket.IO test clients over the real login, one per user.  Every event runs in a fresh
    app context, as each handler does in the server (Flask-Login caches the user on ``g``)."""

    def __init__(self, app):
        self.app = app

    def connect(self, employee_no: str):
        from server.extensions import socketio
        from tests.conftest import PASSWORD, Auth

        flask_client = self.app.test_client()
        Auth(flask_client).login(employee_no, PASSWORD)
        with self.app.app_context():
            client = socketio.test_client(self.app, namespace="/live", flask_test_client=flask_client)
        assert client.is_connected("/live"), employee_no
        return client


def call(client, event, data=None):
    with client.app.app_context():
        return client.emit(event, data, namespace="/live", callback=True)


def events(client, name=None):
    received = client.get_received("/live")
    return [e for e in received if name is None or e["name"] == name]


@pytest.fixture
def live(app, clock):
    return Live(app)


def wait_event(received: dict, name: str, timeout: float = 10.0):
    """The events called ``name`` a ServerProcess.connect() client received, once there is one."""
    return wait_until(lambda: received.get(name), timeout, f"no {name} event")
