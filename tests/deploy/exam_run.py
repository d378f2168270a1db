"""An exam on the trial cluster for the deploy tests: lean trainees (tests/deploy/cluster_trainees.py)
spread by nginx over the servers, an invigilator's dashboard on one of them, and what the
database, the dashboard, the trainees and the servers' logs say afterwards."""
from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import threading
from collections import Counter, defaultdict

import requests
import socketio
import sqlalchemy as sa

from tests.deploy.conftest import ROOT, Cluster
from tests.waiting import wait_until

NS = "/live"


class Dashboard:
    """The invigilator's socket through nginx: re-watches after every reconnect (its server may
    be the one restarted) and keeps every event it hears."""

    def __init__(self, cluster: Cluster, token: str, session_id: int):
        self.session_id, self.node = session_id, "staff" + secrets.token_hex(6)
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.verify = str(cluster.certificate)
        self.http.cookies.set("examhall_node", self.node)
        self.lock = threading.Lock()
        self.closed: Counter = Counter()  # question id -> question_closed events
        self.answered: dict[int, int] = defaultdict(int)  # question id -> most answered in a progress event
        self.connected = 0  # latest counts' connected
        self.watches = 0
        self.client = socketio.Client(http_session=self.http, reconnection_delay=0.2, reconnection_delay_max=1)
        self.client.on("connect", self._connected, namespace=NS)
        self.client.on("progress", self._progress, namespace=NS)
        self.client.on("counts", self._counts, namespace=NS)
        self.client.on("question_closed", self._closed, namespace=NS)
        self.client.connect(cluster.base, headers={"Cookie": f"examhall_node={self.node}"}, auth={"token": token},
                            namespaces=[NS], transports=["websocket"], wait_timeout=30)
        wait_until(lambda: self.watches, 60, "the dashboard never watched the session")

    def _connected(self):
        self.client.emit("watch", {"session_id": self.session_id}, namespace=NS, callback=self._watching)

    def _watching(self, reply):
        if reply.get("ok"):
            with self.lock:
                self.watches += 1
                self.connected = reply["state"]["counts"]["connected"]

    def _progress(self, data):
        with self.lock:
            if data.get("question_id"):
                self.answered[data["question_id"]] = max(self.answered[data["question_id"]],
                                                         data["counts"]["answered"])
            self.connected = data["counts"]["connected"]

    def _counts(self, data):
        with self.lock:
            self.connected = data["connected"]

    def _closed(self, data):
        with self.lock:
            self.closed[data["question_id"]] += 1

    def control(self, action: str) -> dict:
        """Sent until a server answers it (the invigilator's may be restarting)."""
        def sent():
            try:
                return self.client.call("control", {"session_id": self.session_id, "action": action},
                                        namespace=NS, timeout=20)
            except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
                return None
        return wait_until(sent, 90, f"no server answered {action}", interval=0.2)

    def close(self) -> None:
        self.client.disconnect()


class ExamRun:
    def __init__(self, cluster: Cluster, trainees: int, questions: int, question_seconds: int, spread: float):
        self.cluster, self.count = cluster, trainees
        seeded = subprocess.run([sys.executable, "-m", "tests.deploy.cluster_seed", str(trainees), str(questions),
                                 str(question_seconds)], cwd=ROOT, env=cluster.server_env(), capture_output=True,
                                text=True, timeout=180)
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        seeded = json.loads(seeded.stdout.strip().splitlines()[-1])
        self.session_id, self.staff_token = seeded["session_id"], seeded["staff_token"]
        self.nodes = ["t" + secrets.token_hex(6) for _ in seeded["tokens"]]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.deploy.cluster_trainees", cluster.base, str(cluster.certificate),
             str(self.session_id), str(spread)], cwd=ROOT, env={**os.environ}, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True)
        self.process.stdin.write(json.dumps(list(zip(seeded["tokens"], self.nodes, strict=True))) + "\n")
        self.process.stdin.flush()
        ready = self._line("ready")
        assert ready["ready"] == trainees, ready
        self.dashboard = Dashboard(cluster, self.staff_token, self.session_id)
        self.engine = sa.create_engine(cluster.database)

    def _line(self, key: str) -> dict:
        while True:
            line = self.process.stdout.readline()
            assert line, "the trainees' process ended"
            message = json.loads(line)
            assert "error" not in message, message
            if key in message:
                return message

    def report(self) -> list[dict]:
        self.process.stdin.write("report\n")
        self.process.stdin.flush()
        return self._line("report")["report"]

    def questions(self) -> list[int]:
        with self.engine.connect() as conn:
            return list(conn.scalars(sa.text(
                "select id from session_question where session_id = :s order by position"), {"s": self.session_id}))

    def answers(self) -> list[tuple[int, int, str, bool]]:
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(
                "select a.participant_id, a.session_question_id, a.choice, a.final from answer a "
                "join participant p on p.id = a.participant_id where p.session_id = :s"), {"s": self.session_id})]

    def status(self) -> str:
        with self.engine.connect() as conn:
            return conn.scalar(sa.text("select status from live_session where id = :s"), {"s": self.session_id})

    def upstream_of(self, node: str) -> str:
        """The server nginx sends this examhall_node cookie to now (one request, then its log line)."""
        http = requests.Session()
        http.trust_env, http.verify = False, str(self.cluster.certificate)
        http.cookies.set("examhall_node", node)
        assert http.get(f"{self.cluster.base}/healthz", timeout=30).status_code == 200

        def logged():
            for line in reversed(self.access_log()):
                if f"node={node}" in line and "/healthz" in line:
                    return line.split("upstream=")[1].split()[0]
            return None
        return wait_until(logged, 30, f"nginx logged no request of {node}")

    def access_log(self) -> list[str]:
        return (self.cluster.dir / "logs" / "nginx-access.log").read_text().splitlines()

    def websocket_upstreams(self, report: list[dict]) -> dict[str, set[str]]:
        """Each trainee's cookie -> the servers its websockets went to.  nginx logs a websocket
        when it ends, so this waits until each of the trainees' connections is logged."""
        def logged():
            seen, lines = defaultdict(set), Counter()
            for line in self.access_log():
                # upstream=A, B: A refused (killed), B answered.
                match = re.search(r"transport=websocket.* upstream=(.+) node=(\S+)", line)
                if match:
                    seen[match.group(2)].update(u.strip() for u in match.group(1).split(","))
                    lines[match.group(2)] += 1
            return seen if all(lines[t["node"]] >= t["connects"] for t in report) else None
        return wait_until(logged, 60, "nginx did not log every trainee's websocket", interval=0.2)

    def closes_logged(self) -> Counter:
        """Question id -> "question N closed" lines in every server's log (each close is logged once)."""
        closes = Counter()
        for log in (self.cluster.dir / "logs").glob("server-*.log"):
            for match in re.finditer(rf"session {self.session_id}: question (\d+) closed", log.read_text()):
                closes[int(match.group(1))] += 1
        return closes

    def play(self, question_id: int, during=None, timeout: float = 90) -> None:
        """Open the next question, run ``during`` (it may kill or restart servers), and wait until
        it has closed because everyone present answered."""
        opened = self.dashboard.control("next")
        assert opened["ok"], opened
        assert opened["status"]["current_question_id"] == question_id, opened
        if during is not None:
            during()
        wait_until(lambda: self.dashboard.closed[question_id], timeout,
                   f"question {question_id} never closed (answered {self.dashboard.answered[question_id]})",
                   interval=0.1)

    def wait_answered(self, question_id: int, at_least: int) -> None:
        wait_until(lambda: self.dashboard.answered[question_id] >= at_least, 60,
                   f"fewer than {at_least} answered question {question_id}", interval=0.05)

    def finish(self) -> list[dict]:
        ended = self.dashboard.control("end")
        assert ended["ok"], ended
        report = self.report()
        self.process.stdin.write("quit\n")
        self.process.stdin.flush()
        self.process.wait(timeout=60)
        self.dashboard.close()
        return report

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process.stdin.close()
        self.process.stdout.close()
        self.engine.dispose()


def check_promises(run: ExamRun, report: list[dict], questions: list[int]) -> None:
    """Every trainee got every question and had each answer acknowledged; every acknowledged
    answer is in the database as acknowledged, once; each question closed exactly once; the
    dashboard saw every answer; the exam went on to its end."""
    assert len(report) == run.count
    missed = [t["node"] for t in report if t["seen"] != sorted(questions)]
    assert not missed, f"{len(missed)} trainees did not get every question"
    unacked = [t["node"] for t in report if sorted(map(int, t["acked"])) != sorted(questions)]
    assert not unacked, f"{len(unacked)} trainees have answers never acknowledged"
    rows = run.answers()
    keys = Counter((participant, question) for participant, question, _c, _f in rows)
    assert [k for k, n in keys.items() if n > 1] == []  # 0 duplicates
    stored = {(participant, question): choice for participant, question, choice, final in rows if final}
    acknowledged = {(t["participant_id"], int(q)): c for t in report for q, c in t["acked"].items()}
    lost = {k: c for k, c in acknowledged.items() if stored.get(k) != c}
    assert lost == {}, f"{len(lost)} acknowledged answers lost or changed"  # 0 lost
    assert len(stored) == run.count * len(questions)
    assert dict(run.dashboard.closed) == {q: 1 for q in questions}  # each closed once, and heard
    assert dict(run.closes_logged()) == {q: 1 for q in questions}
    seen = {q: run.dashboard.answered[q] for q in questions}
    assert seen == {q: run.count for q in questions}, f"the dashboard saw {seen} answered"
    assert run.status() == "ended"
