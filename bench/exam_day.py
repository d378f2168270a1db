"""Benchmark: an exam morning, from sign-in to certificate, on one server process (issue #19).

N trainees arrive within an arrival window, sign in through the pages (with their password, or
with their exam ticket, 准考证, as its QR code opens the ticket page), load the exam page and its
assets as a browser would, connect, enter with the join code and answer a
paced exam after a think time each (bench/morning_client.py); 5% drop their connection
mid-question and reconnect, 1% reload the page.  The invigilator signs in through the pages,
opens the dashboard, starts the exam once everyone is in (or when the window plus 60 s has
passed), advances each question when it closes (everyone present answered) or at its deadline,
and ends it; certificates and score sheets are then issued for everyone.  Inside the server a
greenlet measures how late the event loop wakes (/healthz); the benchmark polls it throughout,
and opens a bare websocket every second to see how long a newcomer (the invigilator) waits.
With ``--sign-in both`` (the default) the whole morning runs twice on a fresh database, once per
way of signing in, and the report sets the two side by side.

Baselines in the same run, with the same clients and arrival pattern:
- sign-in: a bare Flask app verifying Argon2id on the event loop per POST (bench/bare_signin.py);
- websocket: the bare Flask-SocketIO server (bench/bare_server.py), same questions and think times.

Usage: python bench/exam_day.py N [--quick] [--sign-in password|ticket|both] [--window S]
[--questions Q] [--png FILE] [--logs DIR].
--quick (CI-sized): 3 questions, a 5 s arrival window (a storm), 60 s for the documents.
Prints JSON.  The timeline PNG needs matplotlib (requirements-bench.txt, installed by `make bench`).
--logs keeps the servers' logs: run with EXAMHALL_LOOP_TRACE_MS=40 set to see there what held the
server's event loop longer than 40 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.live_bench import _free_port, _percentile, _rss_kib  # noqa: E402

PASSWORD = "examhall-bench-42"  # noqa: S105 (the benchmark's trainees' password)
CLIENT_PROCESSES = 2
THINK = (1.0, 10.0)
DROP_SHARE, RELOAD_SHARE = 0.05, 0.01


def _say(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} exam_day: {message}", file=sys.stderr, flush=True)


def _ms(values: list[float]) -> dict:
    ms = [v * 1000 for v in values if v is not None]
    if not ms:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None, "count": 0}
    return {"p50_ms": round(_percentile(ms, 0.5), 1), "p99_ms": round(_percentile(ms, 0.99), 1),
            "max_ms": round(max(ms), 1), "count": len(ms)}


# --- the database ----------------------------------------------------------------------------


def prepare(folder: str, count: int, questions: int, question_seconds: int) -> dict:
    """A SQLite database with a head office, an invigilator and ``count`` trainees who all sign
    in with PASSWORD (one STANDARD hash, shared: each check costs the same), and a paced session
    of ``questions`` questions from the demo bank for all of them, whose creation issued each
    trainee an exam ticket; ``tickets`` holds their codes, as printed (the seeding app and the
    server share the key "bench" the codes are derived with)."""
    import sqlalchemy as sa

    from bench.seed import seeded_exam
    from server.exams.models import Participant
    from server.extensions import db
    from server.models import User
    from server.tickets import codes
    from server.tickets.models import ExamTicket
    from server.tickets.operations import code_of

    with seeded_exam(folder, count, PASSWORD, questions, question_seconds, "考试日基准") as seeded:
        tickets = {number: codes.display(code_of(ticket)) for ticket, number in db.session.execute(
            sa.select(ExamTicket, User.employee_no).join(Participant, Participant.id == ExamTicket.participant_id)
            .join(User, User.id == Participant.user_id).where(ExamTicket.session_id == seeded.session.id))}
        return {"db_file": f"{folder}/bench.sqlite3", "db_url": seeded.url, "session_id": seeded.session.id,
                "join_code": seeded.session.join_code, "trainees": [u.employee_no for u in seeded.users],
                "tickets": tickets, "staff": "J0001"}


# --- processes ------------------------------------------------------------------------------


def _start(command: list[str], env: dict, port: int, log: Path) -> subprocess.Popen:
    import requests

    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(log.read_text())


def _cpu_seconds(pid: int) -> float:
    """CPU of ``pid`` and of its children it has waited for (seconds)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / os.sysconf("SC_CLK_TCK")


def _descendants_cpu(pid: int) -> float:
    """CPU of every living process under ``pid`` (the document workers), seconds."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError):
                continue
    family, total = {pid}, 0.0
    for _ in range(3):
        family |= {child for child, parent in parents.items() if parent in family}
    for child in family - {pid}:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError):
            continue
    return total


class Clients:
    """The lean client processes of one side; ``lines`` gets every progress line they print."""

    def __init__(self, mode: str, url: str, specs: list[dict], start_at: float, extra: dict):
        self.processes = []
        self.lines: list[dict] = []
        self.results: list[dict] = []
        self.cpu_seconds = 0.0
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self._readers = []
        for index in range(CLIENT_PROCESSES):
            job = {"mode": mode, "url": url, "start_at": start_at, "trainees": specs[index::CLIENT_PROCESSES],
                   **extra}
            process = subprocess.Popen([sys.executable, "bench/morning_client.py"], cwd=ROOT, stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, text=True)
            process.stdin.write(json.dumps(job) + "\n")
            process.stdin.flush()
            self.processes.append(process)
            reader = threading.Thread(target=self._read, args=(index, process), daemon=True)
            reader.start()
            self._readers.append(reader)

    def _read(self, index: int, process: subprocess.Popen) -> None:
        reported = False
        for line in process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                message = {"noise": line[:300]}
            reported = reported or "results" in message
            with self._lock:
                if "results" in message:
                    self.results.extend(message["results"])
                    self.cpu_seconds += message["cpu_seconds"]
                else:
                    self.lines.append({**message, "process": index})
        if not reported:
            self.failures.append(f"client process {index} ended without results (exit {process.wait()})")

    def count(self, key: str, at_least: int) -> int:
        """How many processes have printed ``key`` >= at_least."""
        with self._lock:
            return len({line["process"] for line in self.lines if line.get(key, 0) >= at_least})

    def wait(self, timeout: float) -> list[dict]:
        for reader in self._readers:
            reader.join(timeout=timeout)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdin.close()
            process.stdout.close()
        return self.results

    def kill(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()


class Monitor(threading.Thread):
    """Polls /healthz (latency, the loop's worst stall) and the server's memory every 0.2 s, and
    times a newcomer's websocket handshake (Engine.IO open packet) every second."""

    def __init__(self, url: str, pid: int, probe: bool = True):
        super().__init__(daemon=True)
        self.url, self.pid, self.probe = url, pid, probe
        self.health: list[tuple[float, float, float | None]] = []  # (t, latency s, stall ms)
        self.connects: list[tuple[float, float]] = []
        self.rss_max_kib = 0
        self.stop = threading.Event()

    def run(self) -> None:
        import requests
        import websocket

        http = requests.Session()
        next_probe = 0.0
        while not self.stop.is_set():
            now = time.time()
            try:
                response = http.get(self.url + "/healthz", timeout=30)
                loop = response.json().get("loop") or {}
                self.health.append((now, time.time() - now, loop.get("max_stall_ms"), loop.get("max_busy_ms")))
            except Exception:  # a failed poll shows as a gap; the run goes on
                response = None
            self.rss_max_kib = max(self.rss_max_kib, _rss_kib(self.pid) if Path(f"/proc/{self.pid}").exists() else 0)
            if self.probe and now >= next_probe:
                next_probe = now + 1.0
                began = time.time()
                try:
                    ws = websocket.create_connection(self.url.replace("http", "ws", 1)
                                                     + "/socket.io/?EIO=4&transport=websocket", timeout=30,
                                                     suppress_origin=True)
                    ws.recv()
                    self.connects.append((began, time.time() - began))
                    ws.close()
                except Exception:  # a refused or timed-out handshake
                    self.connects.append((began, None))
            self.stop.wait(0.2)

    def during(self, start: float, end: float) -> dict:
        window = [h for h in self.health if start <= h[0] <= end]
        stalls = [h[2] for h in window if h[2] is not None]
        busy = [h[3] for h in window if h[3] is not None]
        probes = [c[1] for c in self.connects if start <= c[0] <= end]
        connects = [c for c in probes if c is not None]
        return {"healthz": _ms([h[1] for h in window]),
                "loop_stall_max_ms": max(stalls) if stalls else None,
                "loop_busy_max_ms": max(busy) if busy else None,
                "newcomer_connect_max_ms": round(max(connects) * 1000, 1) if connects else None,
                "newcomer_connects_failed": len(probes) - len(connects)}


# --- the invigilator ------------------------------------------------------------------------


class Invigilator:
    """Signs in through the pages, opens the dashboard, runs the paced exam over its websocket."""

    def __init__(self, url: str, info: dict, question_seconds: int):
        import requests

        self.url, self.info, self.question_seconds = url, info, question_seconds
        self.http = requests.Session()
        self.counts: list[tuple[float, int, int]] = []  # (t, connected, answered) as the dashboard saw them
        self.closed = threading.Event()
        self.sent_at: dict[int, float] = {}
        self.ended_at = self.all_in_at = self.started_at = None

    def sign_in(self) -> None:
        import re

        form = self.http.get(self.url + "/login", timeout=60)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text).group(1)
        answer = self.http.post(self.url + "/login", data={"employee_no": self.info["staff"], "password": PASSWORD,
                                                           "csrf_token": token}, timeout=60, allow_redirects=False)
        assert answer.status_code == 302, answer.status_code
        self.http.get(f"{self.url}/sessions/{self.info['session_id']}/live", timeout=60).raise_for_status()

    def connect(self) -> None:
        import socketio

        self.client = socketio.Client()
        self.client.on("counts", lambda p: self._count(p), namespace="/live")
        self.client.on("progress", lambda p: self._count(p.get("counts") or {}), namespace="/live")
        self.client.on("question_closed", lambda p: self.closed.set(), namespace="/live")
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        self.client.connect(self.url, namespaces=["/live"], transports=["websocket"],
                            headers={"Cookie": cookie})  # websocket-client sends our Origin itself
        state = self._call("watch", {"session_id": self.info["session_id"]})["state"]
        self._count(state.get("counts") or {})

    def _count(self, counts: dict) -> None:
        if "connected" in counts:
            self.counts.append((time.time(), counts["connected"], counts.get("answered", 0)))

    def _call(self, event: str, payload: dict) -> dict:
        reply = self.client.call(event, payload, namespace="/live", timeout=120)
        if not reply.get("ok"):
            raise RuntimeError(f"{event} {payload}: {reply}")
        return reply

    def control(self, action: str) -> dict:
        return self._call("control", {"session_id": self.info["session_id"], "action": action})

    def run_exam(self, count: int, questions: int, give_up_at: float) -> None:
        while time.time() < give_up_at and not (self.counts and self.counts[-1][1] >= count):
            time.sleep(0.1)
        self.all_in_at = time.time()
        _say(f"{self.counts[-1][1] if self.counts else 0} in; starting the exam")
        self.control("start")
        self.started_at = time.time()
        for _ in range(questions):
            self.closed.clear()
            sent = time.time()
            status = self.control("next")["status"]
            self.sent_at[status["current_question_id"]] = sent
            # Closes by itself once everyone present has answered; else at the deadline (plus grace).
            self.closed.wait(timeout=self.question_seconds + 3)
        if not self.closed.is_set():
            self.control("close")
        self.control("end")
        self.ended_at = time.time()
        self.client.disconnect()


def _documents_done(db_file: str, session_id: int, timeout: float) -> tuple[float | None, int]:
    """When the issuing job of the session finished, and how many documents it issued."""
    until = time.time() + timeout
    while time.time() < until:
        with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=10) as db:
            states = [row[0] for row in db.execute("select state from issue_job where session_id = ?", (session_id,))]
            issued = db.execute("select count(*) from issued_document where session_id = ?",
                                (session_id,)).fetchone()[0]
        if states and all(state in ("done", "failed") for state in states):
            return time.time(), issued
        time.sleep(0.5)
    return None, issued


def _answers_lost(db_file: str, results: list[dict]) -> int:
    """Acknowledged answers the database does not hold (with at least the acknowledged seq)."""
    with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=10) as db:
        stored = {(p, q): s for p, q, s in db.execute("select participant_id, session_question_id, seq from answer")}
    lost = 0
    for record in results:
        for ack in record["acks"]:
            if ack["ok"] and stored.get((record.get("participant_id"), ack["question_id"]), 0) < ack["seq"]:
                lost += 1
    return lost


def _dashboard_lag(truth: list[float], seen: list[tuple[float, int]]) -> list[float]:
    """For the k-th event of the truth, how long until the dashboard's count reached k."""
    lags, index = [], 0
    for k, at in enumerate(sorted(truth), start=1):
        while index < len(seen) and seen[index][1] < k:
            index += 1
        if index < len(seen):
            lags.append(max(0.0, seen[index][0] - at))
    return lags


# --- the sides ------------------------------------------------------------------------------


def _specs(trainees: list[str], window: float, questions: int, seed: int = 19) -> list[dict]:
    rng = random.Random(seed)  # noqa: S311 (who arrives when; not a secret)
    count = len(trainees)
    disrupted = rng.sample(range(count), max(1, round(count * (DROP_SHARE + RELOAD_SHARE))) if count >= 10 else 0)
    reloads = set(disrupted[:max(1, round(count * RELOAD_SHARE))]) if disrupted else set()
    return [{"employee_no": number, "arrive": rng.uniform(0, window),
             "disruption": ("reload" if index in reloads else "drop") if index in disrupted else None,
             "disrupt_at": rng.randint(1, questions)} for index, number in enumerate(trainees)]


def _sign_in_figures(results: list[dict], start_at: float) -> dict:
    signed = [r for r in results if "signed_in_at" in r]
    if not signed:
        return {"signed_in": 0}
    last = max(r["signed_in_at"] for r in signed)
    return {"signed_in": len(signed), "failed": len(results) - len(signed),
            "per_second": round(len(signed) / max(1e-3, last - start_at), 1),
            "post": _ms([r["signin_s"] for r in signed]), "storm_seconds": round(last - start_at, 2)}


def run_examhall(count: int, options, folder: Path, way: str) -> dict:
    """One morning on a fresh database, every trainee signing in ``way`` (password or ticket)."""
    info = prepare(str(folder), count, options.questions, options.question_seconds)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "EXAMHALL_PORT": str(port), "PYTHONUNBUFFERED": "1", "DATABASE_URL": info["db_url"],
           "EXAMHALL_INSTANCE_PATH": str(folder), "SECRET_KEY": "bench"}
    _say(f"{count} trainees prepared; starting Examhall (sign-in by {way})")
    server = _start([sys.executable, "wsgi.py"], env, port, folder / "examhall.log")
    cpu_before = _cpu_seconds(server.pid)
    monitor = Monitor(url, server.pid)
    monitor.start()
    specs = _specs(info["trainees"], options.window, options.questions)
    if way == "ticket":
        specs = [{**spec, "ticket": info["tickets"][spec["employee_no"]]} for spec in specs]
    start_at = time.time() + 2
    clients = Clients("exam", url, specs, start_at, {
        "sign_in": way, "password": PASSWORD, "join_code": info["join_code"], "session_id": info["session_id"],
        "think": list(options.think), "questions": options.questions,
        "timeout": options.window + 60 + options.questions * (options.question_seconds + 5) + 60})
    invigilator = Invigilator(url, info, options.question_seconds)
    try:
        invigilator.sign_in()
        invigilator.connect()
        _say("the invigilator watches the dashboard; trainees arriving")
        invigilator.run_exam(count, options.questions, start_at + options.window + 60)
        _say("ended; waiting for the clients and the documents")
        results = clients.wait(timeout=120)
        documents_at, issued = _documents_done(info["db_file"], info["session_id"], options.documents_timeout)
        issuing_end = documents_at or time.time()
        cpu = _cpu_seconds(server.pid) - cpu_before + _descendants_cpu(server.pid)
    except Exception:
        print("--- server log tail:", *(folder / "examhall.log").read_text().splitlines()[-30:], sep="\n",
              file=sys.stderr)
        raise
    finally:
        monitor.stop.set()
        clients.kill()
        server.terminate()
        server.wait(timeout=30)
        if options.logs:
            Path(options.logs).mkdir(parents=True, exist_ok=True)
            shutil.copy(folder / "examhall.log", Path(options.logs) / f"examhall-{way}.log")
    entered = sorted(r["entered_at"] - start_at for r in results if "entered_at" in r)
    fanout = {qid: [r["questions"][str(qid)] - sent for r in results if str(qid) in r["questions"]]
              for qid, sent in invigilator.sent_at.items()}
    acks = [a["ack_at"] - a["sent_at"] for r in results for a in r["acks"] if a["ok"]]
    first = [r for r in results if "page_bytes" in r]
    reloads = [r for r in results if "reload_page_bytes" in r]
    answered_truth = [a["ack_at"] for r in results for a in r["acks"] if a["ok"]]
    report = {
        "sign_in": _sign_in_figures(results, start_at),
        "entered": len(entered),
        "time_to_95pct_in_s": (round(entered[max(0, int(0.95 * count) - 1)], 2)
                               if len(entered) >= 0.95 * count else None),
        "time_to_100pct_in_s": round(entered[-1], 2) if len(entered) == count else None,
        "exam_page": {
            "first_visit_bytes": {"page": round(_mean([r["page_bytes"] for r in first])),
                                  "assets": round(_mean([r["asset_bytes"] for r in first])),
                                  "login_page": round(_mean([r["login_page_bytes"] for r in first]))},
            "reload_bytes": {"page": round(_mean([r["reload_page_bytes"] for r in reloads])),
                             "assets": round(_mean([r["reload_asset_bytes"] for r in reloads]))} if reloads else None,
            "load": _ms([r["page_load_s"] for r in first])},
        "fanout_p99_ms_per_question": [_ms(v)["p99_ms"] for v in fanout.values()],
        "fanout": _ms([v for values in fanout.values() for v in values]),
        "ack": _ms(acks),
        "dashboard_lag": {
            "connected": _ms(_dashboard_lag([r["entered_at"] for r in results if "entered_at" in r],
                                            [(t, c) for t, c, _ in invigilator.counts if t <= invigilator.all_in_at])),
            "answered_count_events": len([1 for t, _, _ in invigilator.counts if t > (invigilator.started_at or 0)]),
            "answered_acks": len(answered_truth)},
        "storm": monitor.during(start_at, invigilator.all_in_at),
        "exam": monitor.during(invigilator.started_at, invigilator.ended_at),
        "issuing": monitor.during(invigilator.ended_at, issuing_end),
        "whole_run": monitor.during(start_at, issuing_end),
        "answers_acknowledged": len(acks),
        "answers_lost": _answers_lost(info["db_file"], results),
        "resumed_without_acknowledged_answers": sum(r["resume_missing"] for r in results),
        "disruptions": {"drops": sum(1 for s in specs if s["disruption"] == "drop"),
                        "reloads": sum(1 for s in specs if s["disruption"] == "reload"),
                        "reconnected": sum(1 for r in results if "reconnected_at" in r),
                        "unplanned_drops": sum(r.get("unplanned_drops", 0) for r in results)},
        "documents": {"issued": issued,
                      "seconds_after_end": round(documents_at - invigilator.ended_at, 1) if documents_at else None},
        "server": {"cpu_seconds": round(cpu, 1), "rss_max_mib": round(monitor.rss_max_kib / 1024, 1)},
        "client_cpu_seconds": round(clients.cpu_seconds, 1),
        "errors": (clients.failures + [e for r in results for e in r["errors"]])[:5],
    }
    report["_timeline"] = {"start_at": start_at, "way": way,
                           "signed_in": [r["signed_in_at"] for r in results if "signed_in_at" in r],
                           "entered": [r["entered_at"] for r in results if "entered_at" in r],
                           "answered": [a["sent_at"] for r in results for a in r["acks"]],
                           "acknowledged": answered_truth, "dashboard": invigilator.counts,
                           "questions": sorted((at, qid) for qid, at in invigilator.sent_at.items()),
                           "acks": [(a["ack_at"], a["question_id"]) for r in results for a in r["acks"] if a["ok"]]}
    return report


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0


def run_bare_signin(trainees: list[str], options, folder: Path) -> dict:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "EXAMHALL_PORT": str(port), "BARE_PASSWORD": PASSWORD}
    server = _start([sys.executable, "bench/bare_signin.py"], env, port, folder / "bare_signin.log")
    monitor = Monitor(url, server.pid, probe=False)  # no websockets there
    monitor.start()
    start_at = time.time() + 2
    clients = Clients("signin", url, _specs(trainees, options.window, 1), start_at,
                      {"password": PASSWORD, "timeout": 600, "think": [0, 0], "questions": 0})
    try:
        results = clients.wait(timeout=options.window + 600)
    finally:
        monitor.stop.set()
        clients.kill()
        server.terminate()
        server.wait(timeout=30)
    figures = _sign_in_figures(results, start_at)
    end = max((r["signed_in_at"] for r in results if "signed_in_at" in r), default=time.time())
    return {"sign_in": figures, "storm": monitor.during(start_at, end)}


def run_bare_socketio(count: int, options, folder: Path) -> dict:
    import socketio

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "EXAMHALL_PORT": str(port)}
    server = _start([sys.executable, "bench/bare_server.py"], env, port, folder / "bare_socketio.log")
    specs = [{**spec, "disruption": None} for spec in _specs([f"B{n}" for n in range(count)], 0, options.questions)]
    start_at = time.time() + 1
    clients = Clients("bare", url, specs, start_at, {
        "think": list(options.think), "questions": options.questions,
        "timeout": 60 + options.questions * (options.question_seconds + 5)})
    staff = socketio.Client()
    sent: list[float] = []
    try:
        staff.connect(url, namespaces=["/live"], transports=["websocket"])
        until = time.time() + 120
        while clients.count("entered", 1) < CLIENT_PROCESSES and time.time() < until:
            time.sleep(0.1)
        for number in range(1, options.questions + 1):
            sent.append(time.time())
            staff.call("go", {}, namespace="/live", timeout=60)
            until = time.time() + options.question_seconds + 3
            while clients.count("round_done", number) < CLIENT_PROCESSES and time.time() < until:
                time.sleep(0.05)
        staff.disconnect()
        results = clients.wait(timeout=120)
    finally:
        clients.kill()
        server.terminate()
        server.wait(timeout=30)
    fanout = [[r["questions"][f"r{i}"] - at for r in results if f"r{i}" in r["questions"]] for i, at in enumerate(sent)]
    acks = [a["ack_at"] - a["sent_at"] for r in results for a in r["acks"] if a["ok"]]
    return {"fanout_p99_ms_per_question": [_ms(v)["p99_ms"] for v in fanout],
            "fanout": _ms([v for values in fanout for v in values]), "ack": _ms(acks)}


def _ratio(a, b):
    return round(a / b, 2) if a and b else None


def _answered_this_question(timeline: dict) -> tuple[list[float], list[int]]:
    """The truth beside the dashboard's "answered" count: acknowledged answers to the question
    open at the time, from 0 again at each question."""
    times, counts = [], []
    questions = timeline["questions"]
    for index, (sent, qid) in enumerate(questions):
        until = questions[index + 1][0] if index + 1 < len(questions) else float("inf")
        acks = sorted(at for at, question in timeline["acks"] if question == qid and sent <= at < until)
        times += [sent, *acks]
        counts += range(len(acks) + 1)
    return times, counts


def _timeline_png(timelines: list[dict], path: str) -> str:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "skipped: matplotlib is not installed (make bench installs requirements-bench.txt)"
    figure, panels = plt.subplots(len(timelines), 1, figsize=(10, 4 * len(timelines)), squeeze=False,
                                  layout="constrained")
    for timeline, axes in zip(timelines, panels[:, 0], strict=True):
        start = timeline["start_at"]
        for label in ("signed_in", "entered", "answered", "acknowledged"):
            times = sorted(t - start for t in timeline[label])
            axes.step(times, range(1, len(times) + 1), where="post", label=label.replace("_", " "))
        dashboard = timeline["dashboard"]
        axes.step([t - start for t, _, _ in dashboard], [c for _, c, _ in dashboard], where="post", linestyle="--",
                  label="connected (dashboard)")
        axes.step([t - start for t, _, _ in dashboard], [a for _, _, a in dashboard], where="post", linestyle=":",
                  label="answered this question (dashboard)")
        times, counts = _answered_this_question(timeline)
        axes.step([t - start for t in times], counts, where="post", linewidth=0.8,
                  label="answered this question (acknowledged)")
        axes.set_title(f"signed in by {timeline['way']}")
        axes.set_xlabel("seconds since the first arrival")
        axes.set_ylabel("trainees / answers")
        axes.legend(fontsize="small")
    figure.savefig(path, dpi=80)
    return path


WAYS = {"password": ["password"], "ticket": ["ticket"], "both": ["password", "ticket"]}


def _side_by_side(mornings: dict, bare_signin: dict) -> dict:
    """The figures the two ways of signing in differ by, and each against the on-loop Argon2 app."""
    return {way: {"sign_ins_per_second": ours["sign_in"].get("per_second"),
                  "post_p50_ms": ours["sign_in"].get("post", {}).get("p50_ms"),
                  "post_p99_ms": ours["sign_in"].get("post", {}).get("p99_ms"),
                  "time_to_95pct_in_s": ours["time_to_95pct_in_s"], "time_to_100pct_in_s": ours["time_to_100pct_in_s"],
                  "storm_loop_stall_max_ms": ours["storm"]["loop_stall_max_ms"],
                  "storm_loop_busy_max_ms": ours["storm"]["loop_busy_max_ms"],
                  "storm_healthz_p99_ms": ours["storm"]["healthz"]["p99_ms"],
                  "sign_ins_per_second_vs_bare": _ratio(ours["sign_in"].get("per_second"),
                                                        bare_signin["sign_in"].get("per_second"))}
            for way, ours in mornings.items()}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trainees", type=int)
    parser.add_argument("--quick", action="store_true", help="3 questions, a 5 s arrival window")
    parser.add_argument("--sign-in", choices=sorted(WAYS), default="both",
                        help="how the trainees sign in: a morning per way (default both)")
    parser.add_argument("--window", type=float, help="arrival window, seconds (default 180; quick 5)")
    parser.add_argument("--questions", type=int, help="questions (default 20; quick 3)")
    parser.add_argument("--think", help="think time range, seconds: LOW,HIGH (default 1,10)")
    parser.add_argument("--png", help="draw the timeline into this PNG (needs matplotlib)")
    parser.add_argument("--logs", help="copy the Examhall servers' logs into this folder")
    options = parser.parse_args(argv)
    options.window = options.window if options.window is not None else (5.0 if options.quick else 180.0)
    options.questions = options.questions or (3 if options.quick else 20)
    options.question_seconds = 15 if options.quick else 30
    options.documents_timeout = 60 if options.quick else 600
    options.think = tuple(float(x) for x in options.think.split(",")) if options.think else THINK
    count = options.trainees
    ways = WAYS[options.sign_in]
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        for side in [f"examhall-{way}" for way in ways] + ["bare_signin", "bare_socketio"]:
            (folder / side).mkdir()
        mornings = {way: run_examhall(count, options, folder / f"examhall-{way}", way) for way in ways}
        _say("the sign-in baseline")
        bare_signin = run_bare_signin([f"B{n}" for n in range(count)], options, folder / "bare_signin")
        _say("the websocket baseline")
        bare_socketio = run_bare_socketio(count, options, folder / "bare_socketio")
    timelines = [ours.pop("_timeline") for ours in mornings.values()]
    report = {
        "benchmark": "exam_day", "trainees": count, "quick": options.quick, "questions": options.questions,
        "arrival_window_s": options.window, "think_s": list(options.think), "client_processes": CLIENT_PROCESSES,
        "cores": os.cpu_count(), "sign_in_side_by_side": _side_by_side(mornings, bare_signin),
        "examhall": mornings, "bare_signin_argon2_on_loop": bare_signin, "bare_flask_socketio": bare_socketio,
        "ratios": {way: {
            "sign_ins_per_second_vs_bare": _ratio(ours["sign_in"].get("per_second"),
                                                  bare_signin["sign_in"].get("per_second")),
            "fanout_p99_vs_bare": _ratio(ours["fanout"]["p99_ms"], bare_socketio["fanout"]["p99_ms"]),
            "ack_p99_vs_bare": _ratio(ours["ack"]["p99_ms"], bare_socketio["ack"]["p99_ms"]),
        } for way, ours in mornings.items()},
    }
    if options.png:
        report["timeline_png"] = _timeline_png(timelines, options.png)
    return report


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False, indent=2))
