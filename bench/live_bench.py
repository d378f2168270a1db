"""Benchmark: N trainees in one live exam on one server process, against a bare Flask-SocketIO
server (gevent, same events and payload sizes, no auth, no database) measured in the same run.

For each N: fan-out latency of one question to all N (p50/p99/max, from the invigilator's
control to each trainee's receipt), an answer burst where all N answer at once (every
acknowledgement's latency p50/p99, time until the last; Examhall's acknowledgements come after
the answers are committed to SQLite with synchronous=FULL), answers lost, server memory per
connected trainee, and the load generator's CPU.  Servers are pinned to core 0 and the lean
clients (bench/lean_client.py, several processes per server) to core 1.

The sides run side by side: each server gets its N trainees, then rounds alternate between
them (Examhall, bare, bare with Examhall's runtime settings; the order rotates each round),
each round one fan-out and one burst, with the room left to settle in between.  On Examhall's
side the invigilator watches the dashboard throughout (progress events with the changed rows,
counts, distribution and leaderboard), as in a real exam; the bare server has no dashboard.  Run to run,
this machine's speed drifts by tens of percent; alternating rounds lets every side meet the same
drift, and each figure is the median over the rounds (LIVE_BENCH_ROUNDS, 5 by default).

The ratios are against the bare server as Flask-SocketIO's documentation writes it.  Examhall's
wsgi.py also tunes the runtime (the garbage collector's thresholds, gevent's greenlet-tree
tracking off); the bare server with the same settings is reported beside it, so a reader can
tell the settings' share of the gain from the rest.

Two processes: `--processes 2` adds a side "examhall_postgres" (one process on PostgreSQL, no
queue: the same database as the two, so their ratio is the second process's and the queue's
share alone) and a side "examhall_2_processes": two Examhall processes, one
per core, on PostgreSQL (LIVE_BENCH_POSTGRES, default the test server; a database per side,
"<side>_bench", is made afresh) and the Redis message queue (LIVE_BENCH_REDIS), the trainees
split over both by port (no nginx), the invigilator on the first; its ratios against one
process and against the bare server are reported beside the others.  On a 2-core machine the
load generator then shares the cores with the servers.

Usage: python bench/live_bench.py [N ...] [--processes 2]   (default 1000 5000 10000).  Prints JSON.
Profiling: LIVE_BENCH_ONLY=examhall (or any comma-separated choice of sides) runs only those;
LIVE_BENCH_PROFILE=file records the first round of Examhall (or LIVE_BENCH_PROFILE_SIDE) with py-spy
(LIVE_BENCH_PROFILE_PHASE=burst, the default, or fanout).
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
ROUNDS = int(os.environ.get("LIVE_BENCH_ROUNDS", "5"))


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


def _postgres_database(name: str) -> str:
    """A fresh PostgreSQL database for a side on PostgreSQL."""
    import sqlalchemy as sa

    server = os.environ.get("LIVE_BENCH_POSTGRES", "postgresql+psycopg://127.0.0.1:5432/test")
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.make_url(server).set(database=name).render_as_string(hide_password=False)


def prepare(folder: str, count: int, url: str | None = None) -> tuple[str, int, str, list[str]]:
    """A SQLite database (or the PostgreSQL one at ``url``) with a head office, an invigilator,
    ``count`` trainees with API tokens, and a paced session of the demo bank for all of them."""
    import hashlib

    import sqlalchemy as sa

    from bench.seed import seeded_exam
    from server.extensions import db
    from server.models import ApiToken, utcnow

    with seeded_exam(folder, count, secrets.token_hex(8), 5, 600, "基准考试", url=url) as seeded:
        raw = {u.id: "exh_" + secrets.token_urlsafe(24) for u in [*seeded.users, seeded.staff]}
        expires = utcnow().replace(year=utcnow().year + 1)
        db.session.execute(sa.insert(ApiToken), [
            {"user_id": uid, "token_hash": hashlib.sha256(token.encode()).hexdigest(), "created_at": utcnow(),
             "expires_at": expires} for uid, token in raw.items()])
        db.session.commit()
        return seeded.url, seeded.session.id, raw[seeded.staff.id], [raw[u.id] for u in seeded.users]


def _start(command: list[str], env: dict, port: int, log: Path, core: int = 0) -> subprocess.Popen:
    import requests

    with log.open("w") as out:
        process = subprocess.Popen(["taskset", "-c", str(core), *command], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    for _ in range(200):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(log.read_text())


def _profile(name: str, pid: int, phase: str) -> subprocess.Popen | None:
    """py-spy over one phase of one side's first round (see the module's docstring)."""
    if name != os.environ.get("LIVE_BENCH_PROFILE_SIDE", "examhall") or not os.environ.get("LIVE_BENCH_PROFILE"):
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


class Side:
    """One server under test ("examhall", "examhall_2_processes", "bare" or "bare_same_settings")
    and its connected trainees."""

    def __init__(self, name: str, count: int, folder: str):
        self.name, self.count, self.folder = name, count, folder
        self.server = None  # the first (or only) server process; the invigilator's
        self.servers: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.staff = None
        self.progress_events: int | None = None  # dashboard events the invigilator got this round
        self.rounds: list[dict] = []

    def _send(self, command: str) -> list[dict]:
        for worker in self.workers:
            worker.stdin.write(command + "\n")
            worker.stdin.flush()
        return [json.loads(worker.stdout.readline()) for worker in self.workers]

    @property
    def examhall(self) -> bool:
        return self.name.startswith("examhall")

    def open(self) -> None:
        processes = 2 if self.name == "examhall_2_processes" else 1
        ports = [_free_port() for _ in range(processes)]
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        self.url = urls[0]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if self.examhall:
            on_postgres = processes > 1 or self.name == "examhall_postgres"
            db_url, self.session_id, staff_token, tokens = prepare(
                self.folder, self.count, _postgres_database(f"{self.name}_bench") if on_postgres else None)
            env.update({"DATABASE_URL": db_url, "EXAMHALL_INSTANCE_PATH": self.folder, "SECRET_KEY": "bench"})
            if processes > 1:
                queue = os.environ.get("LIVE_BENCH_REDIS", "redis://127.0.0.1:6379/6")
                env.update({"SOCKETIO_MESSAGE_QUEUE": queue, "RATELIMIT_STORAGE_URI": queue})
            command = [sys.executable, "wsgi.py"]
        else:
            self.session_id, staff_token, tokens = 1, "", ["-"] * self.count
            if self.name == "bare_same_settings":
                env["BARE_SAME_SETTINGS"] = "1"
            command = [sys.executable, "bench/bare_server.py"]
        self.log = Path(self.folder) / f"{self.name}.log"
        self.servers = [_start(command, {**env, "EXAMHALL_PORT": str(port)}, port,
                               self.log.with_suffix(f".{core}.log") if core else self.log, core)
                        for core, port in enumerate(ports)]
        self.server = self.servers[0]
        rss_before = sum(_rss_kib(server.pid) for server in self.servers)
        started = time.time()
        for index in range(WORKERS):
            worker = subprocess.Popen(["taskset", "-c", "1", sys.executable, "bench/lean_client.py",
                                       urls[index % len(urls)],
                                       str(self.session_id)], cwd=ROOT, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)
            worker.stdin.write(json.dumps(tokens[index::WORKERS]) + "\n")
            worker.stdin.flush()
            self.workers.append(worker)
        self.join_retries = 0
        for worker in self.workers:
            line = worker.stdout.readline()
            if not line or json.loads(line).get("failed"):  # show why the server refused trainees
                raise RuntimeError("trainees could not join; server log tail:\n"
                                   + "\n".join(self.log.read_text(errors="replace").splitlines()[-40:]))
            self.join_retries += json.loads(line).get("retries", 0)
        self.connect_seconds = time.time() - started
        self.memory_kib = (sum(_rss_kib(server.pid) for server in self.servers) - rss_before) / self.count
        self.staff_token = staff_token
        if self.examhall:
            self._staff_connect()
            self._control("start")
            self._staff_disconnect()

    def _staff_connect(self) -> None:
        """The invigilator connects for each round: a client idle for over 30 s while the other
        servers take their trainees may miss a delayed ping and drop (python-socketio's rule)."""
        import socketio

        self.staff = socketio.Client()
        self.staff.connect(self.url, namespaces=["/live"], transports=["websocket"],
                           auth={"token": self.staff_token} if self.staff_token else None)

    def _on_progress(self, _payload) -> None:
        self.progress_events += 1

    def _staff_disconnect(self) -> None:
        self.staff.disconnect()
        self.staff = None

    def _call(self, event: str, payload: dict) -> None:
        reply = self.staff.call(event, payload, namespace="/live", timeout=120)
        if not reply.get("ok"):
            raise RuntimeError(f"{event} {payload}: {reply}")

    def _control(self, action: str) -> None:
        self._call("control", {"session_id": self.session_id, "action": action})

    def round(self, first: bool) -> None:
        """One fan-out, then one burst; then the question is closed and the room settles."""
        self._staff_connect()
        if self.examhall:  # the invigilator watches the dashboard, as in a real exam
            self.progress_events = 0
            self.staff.on("progress", self._on_progress, namespace="/live")
            self._call("watch", {"session_id": self.session_id})
        self._send("arm")  # clients forget the last question and acknowledgement
        profiler = _profile(self.name, self.server.pid, "fanout") if first else None
        sent = time.time()
        if self.examhall:
            self._control("next")
        else:
            self._call("go", {})
        received = [t for reply in self._send("fanout") for t in reply["question_at"]]
        _stop_profile(profiler)
        fanout = [t - sent for t in received if t is not None]

        profiler = _profile(self.name, self.server.pid, "burst") if first else None
        burst_start = time.time()
        acked = [t for reply in self._send("answer") for t in reply["ack_at"]]
        _stop_profile(profiler)
        ok = [t - burst_start for t in acked if t is not None]
        if self.examhall:
            self._control("close")  # usually closed already: everyone present has answered
            time.sleep(1)  # the last progress event after the burst
        self._staff_disconnect()
        self.rounds.append({
            "dashboard_progress_events": self.progress_events,
            "fanout": {**_summary(fanout), "received": len(fanout)},
            "answer_burst": {**_summary(ok), "until_last_ms": round(max(ok) * 1000, 1) if ok else None,
                             "acknowledged": len(ok), "lost": self.count - len(ok)}})
        time.sleep(SETTLE_SECONDS)

    def close(self) -> dict:
        client_cpu = sum(reply["cpu_seconds"] for reply in self._send("quit"))
        for worker in self.workers:
            worker.wait(timeout=30)
        for server in self.servers:
            server.terminate()
            server.wait(timeout=30)

        def median(part: str, key: str) -> float:
            values = sorted(r[part][key] for r in self.rounds)
            return values[len(values) // 2]

        return {
            "connect_all_seconds": round(self.connect_seconds, 2),
            "handshakes_tried_again": self.join_retries,
            "fanout": {key: median("fanout", key) for key in ("p50_ms", "p99_ms", "max_ms")},
            "answer_burst": {**{key: median("answer_burst", key) for key in ("p50_ms", "p99_ms", "until_last_ms")},
                             "lost": sum(r["answer_burst"]["lost"] for r in self.rounds)},
            "server_memory_per_trainee_kib": round(self.memory_kib, 1),
            "client_cpu_seconds": round(client_cpu, 2),
            "rounds": self.rounds,
        }

    def kill(self) -> None:
        for process in [*self.workers, *self.servers]:
            if process is not None and process.poll() is None:
                process.kill()


def run(count: int, processes: int = 1) -> dict:
    sides = "examhall,bare,bare_same_settings" + (",examhall_postgres,examhall_2_processes" if processes > 1 else "")
    names = [n for n in os.environ.get("LIVE_BENCH_ONLY", sides).split(",") if n]
    with tempfile.TemporaryDirectory() as folder:
        sides = []
        for name in names:
            (Path(folder) / name).mkdir()
            sides.append(Side(name, count, str(Path(folder) / name)))
        try:
            for side in sides:
                side.open()
            # The join storms' after-effects (presence writes, dashboard updates) finish first,
            # as an invigilator waits for the room to settle.
            time.sleep(SETTLE_SECONDS)
            for number in range(ROUNDS):
                for side in sides[number % len(sides):] + sides[:number % len(sides)]:
                    side.round(first=number == 0)
            return {side.name: side.close() for side in sides}
        except Exception:
            for side in sides:  # the servers' own account of what went wrong
                if side.server is not None:
                    tail = side.log.read_text(errors="replace").splitlines()[-30:]
                    print(f"--- {side.name} log tail:", *tail, sep="\n", file=sys.stderr)
            raise
        finally:
            for side in sides:
                side.kill()


def main(counts: list[int], processes: int = 1) -> dict:
    report = {"benchmark": "live", "server_core": 0, "client_core": 1, "client_processes": WORKERS,
              "rounds": ROUNDS, "runs": []}
    for count in counts:
        results = run(count, processes)
        if len(results) < 3:  # while profiling
            print(json.dumps(results), file=sys.stderr, flush=True)
            continue
        examhall = results["examhall"]
        bare, bare_tuned = results["bare"], results["bare_same_settings"]

        def ratio(a, b):
            return round(a / b, 2) if a and b else None

        report["runs"].append({
            "trainees": count, "examhall": examhall, "bare_flask_socketio": bare,
            "bare_with_examhall_runtime_settings": bare_tuned,
            "ratios": {
                "fanout_p99": ratio(examhall["fanout"]["p99_ms"], bare["fanout"]["p99_ms"]),
                "burst_until_last": ratio(examhall["answer_burst"]["until_last_ms"],
                                          bare["answer_burst"]["until_last_ms"]),
                "memory_per_trainee": ratio(examhall["server_memory_per_trainee_kib"],
                                            bare["server_memory_per_trainee_kib"]),
            },
            "ratios_vs_bare_with_examhall_runtime_settings": {
                "fanout_p99": ratio(examhall["fanout"]["p99_ms"], bare_tuned["fanout"]["p99_ms"]),
                "burst_until_last": ratio(examhall["answer_burst"]["until_last_ms"],
                                          bare_tuned["answer_burst"]["until_last_ms"]),
            },
        })
        two, one_pg = results.get("examhall_2_processes"), results.get("examhall_postgres")
        if two:
            report["runs"][-1].update({"examhall_2_processes_redis_queue": two, "examhall_postgres": one_pg,
                                       "ratios_2_processes": {
                "fanout_p99_vs_1_process_postgres": ratio(two["fanout"]["p99_ms"], one_pg["fanout"]["p99_ms"])
                if one_pg else None,
                "burst_until_last_vs_1_process_postgres": ratio(two["answer_burst"]["until_last_ms"],
                                                                one_pg["answer_burst"]["until_last_ms"])
                if one_pg else None,
                "fanout_p99_vs_1_process": ratio(two["fanout"]["p99_ms"], examhall["fanout"]["p99_ms"]),
                "burst_until_last_vs_1_process": ratio(two["answer_burst"]["until_last_ms"],
                                                       examhall["answer_burst"]["until_last_ms"]),
                "fanout_p99_vs_bare": ratio(two["fanout"]["p99_ms"], bare["fanout"]["p99_ms"]),
                "burst_until_last_vs_bare": ratio(two["answer_burst"]["until_last_ms"],
                                                  bare["answer_burst"]["until_last_ms"])}})
        last = report["runs"][-1]
        print(json.dumps({"trainees": count, "ratios": last["ratios"],
                          "ratios_vs_bare_with_examhall_runtime_settings":
                          last["ratios_vs_bare_with_examhall_runtime_settings"]}), file=sys.stderr, flush=True)
    return report


if __name__ == "__main__":
    args = sys.argv[1:]
    processes = 1
    if "--processes" in args:
        at = args.index("--processes")
        processes = int(args[at + 1])
        del args[at:at + 2]
    sizes = [int(a) for a in args] or [1000, 5000, 10000]
    print(json.dumps(main(sizes, processes), ensure_ascii=False, indent=2))
