"""Lean trainees for the cluster tests: many per process (gevent + websocket-client speaking
Engine.IO v4 / Socket.IO v5), each through nginx's TLS with its own examhall_node cookie (so
nginx spreads them over the servers), each reconnecting, re-entering and resuming from the
state it is sent when its server goes away, as the exam page does.

    python -m tests.deploy.cluster_trainees BASE CA_FILE SESSION_ID SPREAD  (tokens and node
    cookies as one JSON line on stdin: [[token, node], ...])

Each answers every open question it has not answered, after a random delay up to SPREAD
seconds.  Prints {"ready": n} once every trainee has entered; on "report" prints each one's
participant, questions seen, acknowledged answers, connections and what it resumed with; on
"quit" ends."""
from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import contextlib  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402
import websocket  # noqa: E402
from gevent.event import Event  # noqa: E402
from gevent.fileobject import FileObject  # noqa: E402

NS = "/live"


def choice_for(question: dict) -> str:
    return "T" if question["type"] == "judge" else "A"


class Trainee:
    def __init__(self, base: str, ca_file: str, token: str, node: str, session_id: int, spread: float):
        self.base, self.ca_file, self.token, self.node = base, ca_file, token, node
        self.session_id, self.spread = session_id, spread
        self.entered = Event()
        self.participant_id = None
        self.seen: set[int] = set()  # questions received (an event or a resumed state)
        self.acked: dict[int, str] = {}  # question id -> choice the server acknowledged
        self.connects = 0
        self.resumed: list[dict] = []  # each re-entry: answers the server had, question, remaining
        self.ws = None
        self.next_id = 0
        self.pending: dict[int, tuple] = {}  # ack id -> what it answers
        self.seq = 0

    def run(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                self.connection()
            gevent.sleep(0.2 + random.random())

    def send(self, name: str, payload: dict, what: tuple) -> None:
        self.next_id += 1
        self.pending[self.next_id] = what
        self.ws.send(f"42{NS},{self.next_id}" + json.dumps([name, payload]))

    def connection(self) -> None:
        url = self.base.replace("https", "wss") + "/socket.io/?EIO=4&transport=websocket"
        ws = websocket.create_connection(url, timeout=60, sslopt={"ca_certs": self.ca_file}, origin=self.base,
                                         cookie=f"examhall_node={self.node}")
        self.ws, self.pending = ws, {}
        self.connects += 1
        try:
            ws.recv()  # 0{"sid":...}
            ws.send(f"40{NS}," + json.dumps({"token": self.token}))
            while True:
                message = ws.recv()
                if not message:
                    return
                if message == "2":
                    ws.send("3")
                elif message.startswith(f"40{NS},"):
                    self.send("enter", {"session_id": self.session_id}, ("enter",))
                elif message.startswith(f"43{NS},"):
                    body = message[len(NS) + 3:]
                    ack_id, payload = int(body[:body.index("[")]), json.loads(body[body.index("["):])[0]
                    self.acknowledged(self.pending.pop(ack_id, ("?",)), payload)
                elif message.startswith(f"42{NS},"):
                    name, payload = json.loads(message[len(NS) + 3:])[:2]
                    if name == "question":
                        self.question(payload["question"])
                elif message.startswith(f"44{NS}"):
                    print(json.dumps({"error": message}), flush=True)
                    return
        finally:
            ws.close()

    def acknowledged(self, what: tuple, payload: dict) -> None:
        if what[0] == "enter" and payload.get("ok"):
            state = payload["state"]
            self.participant_id = state["participant_id"]
            self.seq = max(self.seq, state.get("last_seq") or 0)
            answers = {int(q): a["choice"] for q, a in state["answers"].items()}
            if self.entered.is_set():
                self.resumed.append({"answers": answers, "question_open": state["question_open"],
                                     "question_id": (state["question"] or {}).get("id"),
                                     "remaining": state["remaining"]})
            self.entered.set()
            if state["question"] and state["question_open"] and state["question"]["id"] not in answers:
                self.question(state["question"])
            elif state["question"]:
                self.seen.add(state["question"]["id"])
        elif what[0] == "answer" and payload.get("ok"):
            self.acked[what[1]] = what[2]

    def question(self, question: dict) -> None:
        self.seen.add(question["id"])
        gevent.spawn_later(random.random() * self.spread, self.answer, question)

    def answer(self, question: dict) -> None:
        if question["id"] in self.acked or self.ws is None:
            return
        self.seq += 1
        with contextlib.suppress(Exception):
            self.send("answer", {"question_id": question["id"], "choice": choice_for(question), "seq": self.seq},
                      ("answer", question["id"], choice_for(question)))

    def report(self) -> dict:
        return {"participant_id": self.participant_id, "node": self.node, "seen": sorted(self.seen),
                "acked": {str(q): c for q, c in self.acked.items()}, "connects": self.connects,
                "resumed": self.resumed}


def main() -> None:
    base, ca_file, session_id, spread = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    trainees = [Trainee(base, ca_file, token, node, session_id, spread)
                for token, node in json.loads(sys.stdin.readline())]
    for index, trainee in enumerate(trainees):
        gevent.spawn(trainee.run)
        if index % 20 == 19:
            gevent.sleep(0.05)  # do not flood nginx's and the servers' listen backlogs
    until = time.monotonic() + 120
    for trainee in trainees:
        trainee.entered.wait(timeout=max(0.0, until - time.monotonic()))
    print(json.dumps({"ready": sum(t.entered.is_set() for t in trainees)}), flush=True)
    commands = FileObject(sys.stdin.fileno(), "r", close=False)  # read cooperatively
    for line in iter(commands.readline, ""):
        if line.strip() == "report":
            print(json.dumps({"report": [t.report() for t in trainees]}), flush=True)
        elif line.strip() == "quit":
            break


if __name__ == "__main__":
    main()
