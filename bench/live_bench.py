"""Benchmark: N trainees in one live exam on one server process, against a bare Flask-SocketIO
server (gevent, same events and payload sizes, no auth, no database) measured in the same run.

For each N: fan-out latency of one question to all N (p50/p99/max, from the invigilator's
control to each trainee's receipt), an answer burst where all N answer at once (every
acknowledgement's latency p50/p99, time until the last; Examhall's acknowledgements come after
the answers are committed to SQLite with synchronous=FULL), answers lost, server memory per
connected trainee, and the load generator's CPU.  The server is pinned to core 0 and the
lean clients (bench/lean_client.py, several processes) to core 1.

The ratios are against the bare server as Flask-SocketIO's documentation writes it.  Examhall's
wsgi.py also tunes the garbage collector; a second bare run with the same settings is reported
beside it, so a reader can tell the collector's share of the gain from the rest.

Usage: python bench/live_bench.py [N ...]   (default 1000 5000 10000).  Prints JSON.
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKERS = 4
SETTLE_SECONDS = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def _summary(latencies: list[float]) -> dict:
    ms = [v * 1000 for v in latencies]
    return {"p50_ms": round(_percentile(ms, 0.5), 1), "p99_ms": round(_percentile(ms, 0.99), 1),
            "max_ms": round(max(ms), 1) if ms else None}


def prepare(folder: str, count: int) -> tuple[str, int, str, list[str]]:
    """A SQLite database with a head office, an invigilator, ``count`` trainees with API tokens,
    and a paced session of the demo bank for all of them."""
    import hashlib

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from server import create_app
    from server.auth import passwords
    from server.bank import formats
    from server.bank.models import Question
    from server.bank.operations import import_into
    from server.branches.operations import create_branch
    from server.demo import DEMO_BANK_FILE
    from server.exams import operations as exams
    from server.extensions import db
    from server.models import ApiToken, Role, User, utcnow
    from server.papers import operations as papers

    url = f"sqlite:///{folder}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        head = create_branch("HQ", "总行", "head_office", None)
        password_hash = passwords.hash_password(secrets.token_hex(8))
        staff = User(employee_no="J0001", name="监考员", branch=head, role=Role.INVIGILATOR.value,
                     password_hash=password_hash)
        db.session.add(staff)
        db.session.execute(sa.insert(User), [
            {"employee_no": f"T{n:06d}", "name": f"学员{n}", "branch_id": head.id, "role": "trainee",
             "active": True, "password_hash": password_hash, "must_change_password": False,
             "session_version": 1, "created_at": utcnow()} for n in range(count)])
        db.session.commit()
        users = list(db.session.scalars(sa.select(User).where(User.role == "trainee").order_by(User.id)))
        raw = {u.id: "exh_" + secrets.token_urlsafe(24) for u in [*users, staff]}
        expires = utcnow().replace(year=utcnow().year + 1)
        db.session.execute(sa.insert(ApiToken), [
            {"user_id": uid, "token_hash": hashlib.sha256(token.encode()).hexdigest(), "created_at": utcnow(),
             "expires_at": expires} for uid, token in raw.items()])
        result = formats.parse(DEMO_BANK_FILE.read_bytes(), DEMO_BANK_FILE.name, "text")
        bank = import_into(None, "基准题库", head, result, DEMO_BANK_FILE.name).bank
        paper = papers.create_paper(staff, head, papers.PaperSettings(name="基准卷", question_seconds=600))
        papers.set_questions(paper, list(db.session.scalars(
            sa.select(Question.id).where(Question.bank_id == bank.id).order_by(Question.id)))[:5])
        session = exams.create_session(staff, paper, "基准考试", "paced", users)
        db.session.commit()
        session_id = session.id
        tokens = [raw[u.id] for u in users]
        staff_token = raw[staff.id]
        db.engine.dispose()
    return url, session_id, staff_token, tokens


def _start(command: list[str], env: dict, port: int, log: Path) -> subprocess.Popen:
    import requests

    with log.open("w") as out:
        process = subprocess.Popen(["taskset", "-c", "0", *command], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    for _ in range(200):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(log.read_text())


def _profile(name: str, pid: int, phase: str) -> subprocess.Popen | None:
    """py-spy over one phase of Examhall's side: LIVE_BENCH_PROFILE=file, and
    LIVE_BENCH_PROFILE_PHASE=burst (the default) or fanout."""
    if name != "examhall" or not os.environ.get("LIVE_BENCH_PROFILE"):
        return None
    if os.environ.get("LIVE_BENCH_PROFILE_PHASE", "burst") != phase:
        return None
    profiler = subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--format", "raw", "--rate", "500",
                                 "--nonblocking", "--output", os.environ["LIVE_BENCH_PROFILE"]],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    return profiler


def _stop_profile(profiler: subprocess.Popen | None) -> None:
    if profiler is not None:
        profiler.send_signal(2)
        profiler.wait(timeout=60)


def run_side(name: str, count: int, folder: str) -> dict:
    import socketio

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "EXAMHALL_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    if name == "examhall":
        db_url, session_id, staff_token, tokens = prepare(folder, count)
        env.update({"DATABASE_URL": db_url, "EXAMHALL_INSTANCE_PATH": folder, "SECRET_KEY": "bench"})
        server = _start([sys.executable, "wsgi.py"], env, port, Path(folder) / "server.log")
    else:
        session_id, staff_token, tokens = 1, "", ["-"] * count
        server = _start([sys.executable, "bench/bare_server.py"], env, port, Path(folder) / "bare.log")
    try:
        rss_before = _rss_kib(server.pid)
        started = time.time()
        workers = []
        for index in range(WORKERS):
            worker = subprocess.Popen(["taskset", "-c", "1", sys.executable, "bench/lean_client.py", url,
                                       str(session_id)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True)
            worker.stdin.write(json.dumps(tokens[index::WORKERS]) + "\n")
            worker.stdin.flush()
            workers.append(worker)
        for worker in workers:
            line = worker.stdout.readline()
            if not line or json.loads(line).get("failed"):  # show why the server refused trainees
                log = next(Path(folder).glob("*.log"))
                raise RuntimeError("trainees could not join; server log tail:\n"
                                   + "\n".join(log.read_text(errors="replace").splitlines()[-40:]))
        connect_seconds = time.time() - started
        rss_after = _rss_kib(server.pid)
        # Let the join storm's after-effects (presence writes, dashboard updates) finish on both
        # sides, as an invigilator waits for the room to settle: the question goes to a settled server.
        time.sleep(SETTLE_SECONDS)

        staff = socketio.Client()
        staff.connect(url, namespaces=["/live"], transports=["websocket"],
                      auth={"token": staff_token} if staff_token else None)
        if name == "examhall":
            staff.call("control", {"session_id": session_id, "action": "start"}, namespace="/live", timeout=60)
        for worker in workers:
            worker.stdin.write("fanout\n")
            worker.stdin.flush()
        profiler = _profile(name, server.pid, "fanout")
        sent = time.time()
        if name == "examhall":
            staff.call("control", {"session_id": session_id, "action": "next"}, namespace="/live", timeout=120)
        else:
            staff.call("go", {}, namespace="/live", timeout=120)
        received = []
        for worker in workers:
            received += json.loads(worker.stdout.readline())["question_at"]
        fanout = [t - sent for t in received if t is not None]
        _stop_profile(profiler)

        profiler = _profile(name, server.pid, "burst")
        burst_start = time.time()
        for worker in workers:
            worker.stdin.write("answer\n")
            worker.stdin.flush()
        acked = []
        for worker in workers:
            acked += json.loads(worker.stdout.readline())["ack_at"]
        ok = [t - burst_start for t in acked if t is not None]
        _stop_profile(profiler)
        client_cpu = 0.0
        for worker in workers:
            worker.stdin.write("quit\n")
            worker.stdin.flush()
            client_cpu += json.loads(worker.stdout.readline())["cpu_seconds"]
            worker.wait(timeout=30)
        staff.disconnect()
        return {
            "connect_all_seconds": round(connect_seconds, 2),
            "fanout": {**_summary(fanout), "received": len(fanout)},
            "answer_burst": {**_summary(ok), "until_last_ms": round(max(ok) * 1000, 1) if ok else None,
                             "acknowledged": len(ok), "lost": count - len(ok)},
            "server_memory_per_trainee_kib": round((rss_after - rss_before) / count, 1),
            "client_cpu_seconds": round(client_cpu, 2),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(counts: list[int]) -> dict:
    report = {"benchmark": "live", "server_core": 0, "client_core": 1, "client_processes": WORKERS, "runs": []}
    for count in counts:
        with tempfile.TemporaryDirectory() as ours, tempfile.TemporaryDirectory() as theirs:
            examhall = run_side("examhall", count, ours)
            if os.environ.get("LIVE_BENCH_ONLY") == "examhall":  # while profiling: skip the baseline
                print(json.dumps(examhall), file=sys.stderr, flush=True)
                continue
            bare = run_side("bare", count, theirs)
        with tempfile.TemporaryDirectory() as theirs_tuned:
            os.environ["BARE_SAME_GC"] = "1"  # a second reference: is the gain only the collector's?
            try:
                bare_tuned = run_side("bare", count, theirs_tuned)
            finally:
                del os.environ["BARE_SAME_GC"]

        def ratio(a, b):
            return round(a / b, 2) if a and b else None

        report["runs"].append({
            "trainees": count, "examhall": examhall, "bare_flask_socketio": bare,
            "bare_with_examhall_gc_settings": bare_tuned,
            "ratios": {
                "fanout_p99": ratio(examhall["fanout"]["p99_ms"], bare["fanout"]["p99_ms"]),
                "burst_until_last": ratio(examhall["answer_burst"]["until_last_ms"],
                                          bare["answer_burst"]["until_last_ms"]),
                "memory_per_trainee": ratio(examhall["server_memory_per_trainee_kib"],
                                            bare["server_memory_per_trainee_kib"]),
            },
            "ratios_vs_bare_with_examhall_gc_settings": {
                "fanout_p99": ratio(examhall["fanout"]["p99_ms"], bare_tuned["fanout"]["p99_ms"]),
                "burst_until_last": ratio(examhall["answer_burst"]["until_last_ms"],
                                          bare_tuned["answer_burst"]["until_last_ms"]),
            },
        })
        print(json.dumps(report["runs"][-1], ensure_ascii=False), file=sys.stderr, flush=True)
    return report


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 5000, 10000]
    print(json.dumps(main(sizes), ensure_ascii=False, indent=2))
