"""A lean load generator: many Socket.IO trainees per process, speaking the Engine.IO v4 /
Socket.IO v5 wire format over plain websockets (gevent + websocket-client), so that the
generator is not what is measured.

Run by bench/live_bench.py, several processes; commands on stdin, results on stdout as JSON
lines.  After joining: {"ready": n, "failed": n}; then, per round, arm (forget the last question
and acknowledgement) -> {"armed": n}, fanout (wait for the next question) -> {"question_at": [...]},
answer (all answer at once) -> {"ack_at": [...]}; and quit -> {"cpu_seconds": s}.
"""
from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402
import websocket  # noqa: E402
from gevent.event import Event  # noqa: E402
from gevent.fileobject import FileObject  # noqa: E402

NS = "/live"


class Trainee:
    def __init__(self, url: str, token: str, session_id: int):
        self.url, self.token, self.session_id = url, token, session_id
        self.ws = None
        self.entered = Event()
        self.question_at: float | None = None
        self.question_id: int | None = None
        self.got_question = Event()
        self.ack_at: float | None = None
        self.ack_ok = False
        self.acked = Event()
        self.retries = 0  # handshakes tried again

    def _connect(self) -> None:
        """Open the websocket as Socket.IO's client does: a refused or reset handshake (a join
        storm on a loaded machine) is tried again after a growing pause, up to five times."""
        ws_url = self.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
        for attempt in range(5):
            try:
                self.ws = websocket.create_connection(ws_url, timeout=600, suppress_origin=True)
                self.ws.recv()  # 0{"sid":...}
                return
            except OSError:
                if attempt == 4:
                    raise
                self.retries += 1
                gevent.sleep(0.5 * 2 ** attempt)

    def run(self) -> None:
        self._connect()
        self.ws.send(f"40{NS}," + json.dumps({"token": self.token}))
        while True:
            message = self.ws.recv()
            if not message:
                return
            if message == "2":
                self.ws.send("3")
            elif message.startswith(f"40{NS},"):
                self.ws.send(f"42{NS},1" + json.dumps(["enter", {"session_id": self.session_id}]))
            elif message.startswith(f"43{NS},1["):
                self.entered.set()
            elif message.startswith(f"42{NS},"):
                name, payload = json.loads(message[len(NS) + 3:])[:2]
                if name == "question" and self.question_at is None:
                    self.question_at = time.time()
                    self.question_id = payload["question"]["id"]
                    self.got_question.set()
            elif message.startswith(f"43{NS},2["):
                self.ack_at = time.time()
                self.ack_ok = bool(json.loads(message[len(NS) + 4:])[0].get("ok"))
                self.acked.set()
            elif message.startswith(f"44{NS}"):
                print(json.dumps({"error": message}), flush=True)
                return

    def arm(self) -> None:
        self.question_at = self.question_id = self.ack_at = None
        self.ack_ok = False
        self.got_question.clear()
        self.acked.clear()

    def answer(self) -> None:
        self.ws.send(f"42{NS},2" + json.dumps(["answer", {"question_id": self.question_id, "choice": "T", "seq": 1}]))


def main() -> None:
    url, session_id = sys.argv[1], int(sys.argv[2])
    tokens = json.loads(sys.stdin.readline())
    trainees = [Trainee(url, token, session_id) for token in tokens]
    for index, trainee in enumerate(trainees):
        gevent.spawn(trainee.run)
        if index % 50 == 49:
            gevent.sleep(0.01)  # do not flood the listen backlog
    until = time.time() + 300  # one deadline for all: a trainee who never gets in does not add 300 s
    for trainee in trainees:
        trainee.entered.wait(timeout=max(0.0, until - time.time()))
    ready = sum(t.entered.is_set() for t in trainees)
    print(json.dumps({"ready": ready, "failed": len(trainees) - ready,
                      "retries": sum(t.retries for t in trainees)}), flush=True)
    # Commands are read cooperatively: a blocking read of stdin would stop every greenlet, and
    # trainees that cannot answer the server's pings are dropped while the other servers of
    # the benchmark take their turns.
    commands = FileObject(sys.stdin.fileno(), "r", close=False)
    for line in iter(commands.readline, ""):
        command = line.strip()
        if command == "arm":
            for trainee in trainees:
                trainee.arm()
            print(json.dumps({"armed": len(trainees)}), flush=True)
        elif command == "fanout":
            until = time.time() + 120
            for trainee in trainees:
                trainee.got_question.wait(timeout=max(0.0, until - time.time()))
            print(json.dumps({"question_at": [t.question_at for t in trainees]}), flush=True)
        elif command == "answer":
            for trainee in trainees:
                gevent.spawn(trainee.answer)
            until = time.time() + 120
            for trainee in trainees:
                trainee.acked.wait(timeout=max(0.0, until - time.time()))
            print(json.dumps({"ack_at": [t.ack_at if t.ack_ok else None for t in trainees]}), flush=True)
        elif command == "quit":
            break
    times = os.times()
    print(json.dumps({"cpu_seconds": times.user + times.system}), flush=True)


if __name__ == "__main__":
    main()
