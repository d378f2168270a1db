"""Issue #14, H1/H2: one upload must not freeze every live exam on the process.  Each hostile
file from tests/hostile.py is posted to a real server while a trainee's websocket is connected
and calling; the server's LoopWatch (/healthz) measures the event loop's longest stall while the
file is processed: the loop's own busy time (CPU, not time the OS gave to other processes) must stay
under 100 ms (the one timed assertion the issue asks for), and
the server process's memory peak must not grow by more than 100 MB (parsing runs in workers)."""
from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
import requests
import socketio

from tests import hostile
from tests.conftest import PASSWORD

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
STALL_CEILING_MS = 100  # busy time measured: under 50 ms (xlsx 34-49); 100 leaves room on a loaded CI machine
MEMORY_CEILING_MB = 100


def _peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


class Trainee:
    """A trainee's websocket that calls the server over and over until stopped."""

    def __init__(self, server):
        session = server.login("T100", PASSWORD)
        self.client = socketio.SimpleClient()
        self.client.connect(server.url, headers={"Cookie": "; ".join(f"{c.name}={c.value}" for c in session.cookies)},
                            namespace="/live", transports=["websocket"], wait_timeout=5)
        self.answered = 0
        self.running = True
        self.thread = threading.Thread(target=self._call, daemon=True)
        self.thread.start()

    def _call(self) -> None:
        paced = threading.Event()
        while self.running:
            self.client.call("whoami", None, timeout=30)  # any reply (even too_fast) is the loop serving
            self.answered += 1
            paced.wait(0.05)  # within the per-connection budget

    def stop(self) -> None:
        self.running = False
        self.thread.join(timeout=30)
        self.client.disconnect()


@pytest.fixture
def trainee(live_server, people):
    trainee = Trainee(live_server)
    yield trainee
    trainee.stop()


def _post(server, session, page: str, url: str, field: str, data: bytes, filename: str):
    token = CSRF_INPUT.search(session.get(server.url + page).text).group(1)
    return session.post(server.url + url, data={"csrf_token": token}, files={field: (filename, data)}, timeout=120)


CASES = {
    # name: (who, form page, url, field, file maker, what the answer must say)
    "xlsx declaring A1:XFD3000": ("J100", "/users/import", "/users/import", "file",
                                  lambda: (hostile.xlsx_declaring("A1:XFD3000", 3000), "roster.xlsx"), "2999"),
    "csv of 200k rows": ("J100", "/users/import", "/users/import", "file",
                         lambda: (hostile.roster_csv(200_000), "roster.csv"), "20000"),
    "8 MB question text": ("J100", "/bank/import", "/bank/import", "file",
                           lambda: (hostile.question_text(8), "bank.txt"), "20000"),
    "PDF with 100k form fields": (None, "/verify", "/verify", "document",
                                  lambda: (hostile.acroform_pdf(100_000), "certificate.pdf"), 'data-status="unknown"'),
    "PDF nested 200k deep": (None, "/verify", "/verify", "document",
                             lambda: (hostile.nested_pdf(200_000), "certificate.pdf"), 'data-status="unknown"'),
}


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_file_does_not_stall_the_live_loop(live_server, trainee, case):
    who, page, url, field, make, expected = CASES[case]
    data, filename = make()
    session = live_server.login(who, PASSWORD) if who else requests.Session()
    pid = live_server.process.pid
    memory_before = _peak_rss_mb(pid)
    answered_before = trainee.answered
    session.get(live_server.url + "/healthz")  # restarts the loop watch's window
    response = _post(live_server, session, page, url, field, data, filename)
    loop = session.get(live_server.url + "/healthz").json()["loop"]
    grew = _peak_rss_mb(pid) - memory_before
    print(f"{case}: {len(data) / 1e6:.1f} MB, status {response.status_code}, loop stall {loop['max_stall_ms']} ms "
          f"(busy {loop['max_busy_ms']} ms) "
          f"over {loop['seconds']} s, peak RSS +{grew:.0f} MB, calls answered {trainee.answered - answered_before}")
    assert response.status_code in (200, 400, 409, 422), response.text[:500]
    assert expected in response.text
    assert trainee.answered > answered_before  # the trainee was served while the file was read
    assert loop["max_busy_ms"] <= STALL_CEILING_MS, loop
    assert grew <= MEMORY_CEILING_MB
