"""A whole exam driven from outside Examhall, as an HR or learning system would: only the JSON API
(/api/v1, described at /api/v1/openapi.json) and the live protocol (docs/protocol.md).

It signs in as an invigilator, imports three questions into a bank, creates a timed paper and a
session for three trainees, connects the trainees over Socket.IO, starts the session, lets each
trainee answer every question right and hand the paper in, ends the session, waits for the
documents to be issued and downloads a certificate.

    python examples/exam_over_api.py --url http://127.0.0.1:5000          # against `make run`

Needs `requests` and `python-socketio[client]`.  The last line printed is a JSON summary.
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

import requests
import socketio

# Aiken: a stem, lettered options, the key.  The script knows the right option's text, so a
# trainee finds her letter whatever order the options reach her in.
QUESTIONS = [
    ("示例题一：人民币的基本单位是？", ["元", "角", "分"], 0),
    ("示例题二：一年有几个季度？", ["三", "四", "五"], 1),
    ("示例题三：柜员交接班时必须做什么？", ["闲聊", "离岗", "双人复核"], 2),
]
LIVE = "/live"
PROTOCOL = 1  # the live protocol version this script was written for (docs/protocol.md)


def aiken_file() -> bytes:
    blocks = []
    for stem, options, key in QUESTIONS:
        lines = [stem] + [f"{'ABC'[i]}. {text}" for i, text in enumerate(options)] + [f"ANSWER: {'ABC'[key]}"]
        blocks.append("\n".join(lines))
    return ("\n\n".join(blocks) + "\n").encode()


class Api:
    """The JSON API with one bearer token; any answer outside 2xx stops the script with its error."""

    def __init__(self, url: str, employee_no: str, password: str):
        self.url = url.rstrip("/") + "/api/v1"
        self.http = requests.Session()
        token = self.call("POST", "/auth/token", 201, json={"employee_no": employee_no, "password": password})
        self.token = token["token"]
        self.http.headers["Authorization"] = f"Bearer {self.token}"

    def call(self, method: str, path: str, expect: int = 200, **kwargs):
        response = self.http.request(method, self.url + path, timeout=30, **kwargs)
        if response.status_code != expect:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.headers.get("Content-Type", "").startswith("application/json") \
            else response.content


class Trainee:
    """One trainee's live connection: enters the session, answers when the paper arrives, hands in."""

    def __init__(self, url: str, api: Api, employee_no: str):
        self.employee_no = employee_no
        self.api = api
        self.client = socketio.Client(reconnection=False)
        self.paper = threading.Event()
        self.ended = threading.Event()
        self.state = None
        self.score = None
        self.client.on("state", self._on_state, namespace=LIVE)
        self.client.on("ended", self._on_ended, namespace=LIVE)
        self.client.connect(url, namespaces=[LIVE], auth={"token": api.token}, wait_timeout=10)

    def _on_state(self, state):
        self.state = state
        self.paper.set()

    def _on_ended(self, payload):
        self.score = payload.get("score")
        self.ended.set()

    def ask(self, event: str, payload=None) -> dict:
        ack = self.client.call(event, payload, namespace=LIVE, timeout=15)
        if not ack.get("ok"):
            raise SystemExit(f"{self.employee_no} {event}: {ack}")
        return ack

    def check_protocol(self) -> None:
        spoken = self.ask("whoami").get("protocol")
        if spoken != PROTOCOL:
            raise SystemExit(f"the server speaks live protocol {spoken}; this script was written for {PROTOCOL}")

    def enter(self, join_code: str) -> None:
        self.state = self.ask("enter", {"code": join_code})["state"]

    def answer_everything(self, session_id: int, timeout: float) -> int:
        if self.state["session"]["status"] != "running" and not self.paper.wait(timeout):
            raise SystemExit(f"{self.employee_no}: the paper never arrived")
        seq = self.state["last_seq"]
        right = {stem: options[key] for stem, options, key in QUESTIONS}
        for question in self.state["questions"]:
            letter = next(o["letter"] for o in question["options"] if o["text"] == right[question["stem"]])
            seq += 1
            self.ask("answer", {"question_id": question["id"], "choice": letter, "seq": seq})
        return self.ask("submit", {"session_id": session_id})["answered"]

    def close(self) -> None:
        self.client.disconnect()


def run(url: str, staff_no: str, password: str, trainee_numbers: list[str], trainee_password: str,
        out: Path, timeout: float = 120.0) -> dict:
    staff = Api(url, staff_no, password)
    document = staff.call("GET", "/openapi.json")
    if document["info"].get("x-live-protocol") != PROTOCOL:
        raise SystemExit(f"the server's live protocol is {document['info'].get('x-live-protocol')}, not {PROTOCOL}")
    upload = {"file": ("example.txt", aiken_file(), "text/plain")}
    report = staff.call("POST", "/bank/import", 201, files=upload, data={"bank": "API 示例题库"})
    bank_id = report["bank"]["id"]
    stems = {stem for stem, _options, _key in QUESTIONS}
    listed = staff.call("GET", f"/bank/banks/{bank_id}/questions")["questions"]
    question_ids = [q["id"] for q in listed if q["stem"] in stems][:len(QUESTIONS)]

    paper = staff.call("POST", "/papers", 201, json={
        "name": "API 示例试卷", "question_ids": question_ids, "paper_seconds": 600, "shuffle_options": True,
        "points_single": "10", "pass_percent": "60"})
    session = staff.call("POST", "/sessions", 201, json={
        "paper_id": paper["id"], "title": "API 示例考试", "pacing": "timed", "employee_numbers": trainee_numbers})

    trainees = [Trainee(url, Api(url, number, trainee_password), number) for number in trainee_numbers]
    try:
        for trainee in trainees:
            trainee.check_protocol()
            trainee.enter(session["join_code"])
        staff.call("POST", f"/sessions/{session['id']}/controls", json={"action": "start"})
        answered = {t.employee_no: t.answer_everything(session["id"], timeout) for t in trainees}
        staff.call("POST", f"/sessions/{session['id']}/controls", json={"action": "end"})
        for trainee in trainees:
            if not trainee.ended.wait(timeout):
                raise SystemExit(f"{trainee.employee_no}: no `ended` event")
    finally:
        for trainee in trainees:
            trainee.close()

    # Documents are issued when a session ends (unless the server turned that off); asking again
    # is harmless: a job under way is reused and nothing issued is issued twice.
    staff.call("POST", f"/sessions/{session['id']}/documents/issue", 202)
    deadline = time.monotonic() + timeout
    while True:
        listing = staff.call("GET", f"/sessions/{session['id']}/documents")
        certificates = [d for d in listing["documents"] if d["kind"] == "certificate"]
        if listing["progress"]["state"] == "done" and certificates:
            break
        if listing["progress"]["state"] == "failed" or time.monotonic() > deadline:
            raise SystemExit(f"documents not issued: {listing['progress']}")
        time.sleep(1)
    pdf = staff.call("GET", certificates[0]["download_url"].removeprefix("/api/v1"))
    out.mkdir(parents=True, exist_ok=True)
    saved = out / f"{certificates[0]['number']}.pdf"
    saved.write_bytes(pdf)
    results = staff.call("GET", f"/sessions/{session['id']}/results")
    return {"session_id": session["id"], "protocol": PROTOCOL, "answered": answered,
            "scores": {t.employee_no: t.score for t in trainees},
            "results": {r["employee_no"]: r["result"] for r in results["items"]},
            "certificates": len(certificates), "certificate": str(saved), "bytes": len(pdf)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--staff", default="J1001", help="an invigilator's employee number")
    parser.add_argument("--password", default="examhall-demo")
    parser.add_argument("--trainees", default="T10001,T10002,T10003", help="three employee numbers")
    parser.add_argument("--trainee-password", default=None, help="default: --password")
    parser.add_argument("--out", default="certificates", help="folder for the downloaded certificate")
    args = parser.parse_args(argv)
    summary = run(args.url, args.staff, args.password, args.trainees.split(","),
                  args.trainee_password or args.password, Path(args.out))
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
