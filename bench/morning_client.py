"""Lean trainees that behave like phones on an exam morning, many per process (gevent), run by
bench/exam_day.py.  Each arrives at its own moment, then:

- ``exam`` mode: sign in, load the exam page and every script and style it names (keeping a cache
  as a browser does: an ``immutable`` file is never asked for again, another one is asked with
  If-None-Match), open the websocket with the session cookie, ``enter`` with the join code, and
  answer each question after a think time.  By password (``"sign_in": "password"``): GET /login,
  POST the form with its CSRF token and the real password, follow the redirect home.  By exam
  ticket (``"ticket"``): GET what the ticket's QR code opens (/ticket with both fields filled in),
  POST it with its CSRF token; the redirect it answers with is the exam page itself.
  Some drop their connection mid-question and reconnect; some reload the page.
  After a reconnect the state must hold every answer already acknowledged.
- ``signin`` mode: only GET /login and POST it (the sign-in baseline, bench/bare_signin.py).
- ``bare`` mode: only the websocket part against bench/bare_server.py (no cookie, no page); prints
  ``{"round_done": k}`` once all its trainees have their k-th answer acknowledged.

Input on stdin: one JSON object (see exam_day.py's ``_client_job``).  Output: JSON lines; the last
is ``{"results": [one record per trainee], "cpu_seconds": s}``.
"""
from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402
import requests  # noqa: E402
import websocket  # noqa: E402
from gevent.event import Event  # noqa: E402

NS = "/live"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
THINK = random.Random()  # noqa: S311 (think times and choices, not secrets)
ASSET = re.compile(r'(?:src|href)="(/(?:static|vendor)/[^"]+)"')


def _body_bytes(response: requests.Response) -> int:
    """What crossed the wire for the body: the compressed length when it came compressed."""
    length = response.headers.get("Content-Length")
    return int(length) if length is not None else len(response.content)


class Phone:
    """One trainee's browser: a cookie jar, a cache of static files, one websocket at a time."""

    def __init__(self, job: dict, spec: dict):
        self.url, self.mode = job["url"], job["mode"]
        self.job, self.spec = job, spec
        self.http = requests.Session()
        self.http.headers["Accept-Encoding"] = "gzip, deflate"
        self.cache: dict[str, dict] = {}  # url -> {"etag", "immutable"}
        self.ws = None
        self.landed = ""
        self.connected = Event()
        self.done = Event()
        self.ack_id = 0
        self.pending: dict[int, tuple] = {}
        self.seq = 0
        self.acked: dict[int, int] = {}  # question id -> highest acknowledged seq
        self.answering: set = set()  # questions being answered (or answered)
        self.sent: set = set()  # questions whose answer went out at least once
        self.deadline = float("inf")
        self.comeback: str | None = None  # how to come back after the next drop
        self.rounds = 0
        self.record: dict = {"employee_no": spec["employee_no"], "disruption": spec.get("disruption"),
                             "questions": {}, "acks": [], "resume_missing": 0, "errors": []}

    # --- pages ------------------------------------------------------------------------------

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.url + path, timeout=120, **kwargs)

    def load_page(self, path: str) -> tuple[int, int]:
        """The page and its assets as a browser loads them: (page bytes, asset bytes on the wire)."""
        page = self.get(path)
        page.raise_for_status()
        self.landed = page.url  # where the redirects, if any, led
        asset_bytes = 0
        for url in ASSET.findall(page.text):
            cached = self.cache.get(url)
            if cached and cached["immutable"]:
                continue
            headers = {"If-None-Match": cached["etag"]} if cached and cached.get("etag") else {}
            response = self.get(url, headers=headers)
            if response.status_code == 200:
                self.cache[url] = {"etag": response.headers.get("ETag"),
                                   "immutable": "immutable" in response.headers.get("Cache-Control", "")}
            elif response.status_code != 304:
                raise RuntimeError(f"{url}: HTTP {response.status_code}")
            asset_bytes += _body_bytes(response)
        return _body_bytes(page), asset_bytes

    def sign_in(self) -> None:
        started = time.time()
        by_ticket = self.job.get("sign_in") == "ticket"
        employee_no = self.spec["employee_no"]
        if by_ticket:
            path, data = "/ticket", {"employee_no": employee_no, "code": self.spec["ticket"]}
            form = self.get(path, params=data)  # the QR code's link: both fields filled in
        else:
            path, data = "/login", {"employee_no": employee_no, "password": self.job["password"]}
            form = self.get(path)
        match = CSRF.search(form.text)
        if match:
            data["csrf_token"] = match.group(1) or match.group(2)
        posted = time.time()
        response = self.http.post(self.url + path, data=data, timeout=120, allow_redirects=False)
        if response.status_code != 302:
            raise RuntimeError(f"sign-in: HTTP {response.status_code}")
        self.record.update(login_page_s=posted - started, signin_s=time.time() - posted, signed_in_at=time.time(),
                           login_page_bytes=_body_bytes(form))
        if by_ticket:  # run() follows it: the exam page, with its assets
            if not response.headers["Location"].endswith(f"/exam/{self.job['session_id']}"):
                raise RuntimeError(f"ticket sign-in led to {response.headers['Location']}")
        elif self.mode == "exam":
            self.get(response.headers["Location"]).raise_for_status()  # the home page it sends one to

    # --- the live part ----------------------------------------------------------------------

    def send(self, event: str, payload: dict, purpose: tuple) -> None:
        self.ack_id += 1
        self.pending[self.ack_id] = purpose
        self.ws.send(f"42{NS},{self.ack_id}" + json.dumps([event, payload]))

    def connect(self) -> None:
        ws_url = self.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        self.ws = websocket.create_connection(ws_url, timeout=300, origin=self.url,
                                              cookie=cookie or None)
        self.ws.recv()  # 0{"sid": ...}
        self.ws.send(f"40{NS},")

    def listen(self) -> None:
        """Read until the connection closes, the exam ends or the run's time is up (the server
        pings every 25 s, so a silent room still comes round to the check)."""
        ws = self.ws
        while time.time() < self.deadline:
            try:
                message = ws.recv()
            except Exception:
                return
            if not message:
                return
            if message == "2":
                ws.send("3")
            elif message.startswith(f"40{NS},"):
                payload = {"code": self.job["join_code"]} if self.mode == "exam" else {"session_id": 1}
                self.send("enter", payload, ("enter", time.time()))
            elif message.startswith(f"43{NS},"):
                self.on_ack(message[len(NS) + 3:])
            elif message.startswith(f"42{NS},"):
                name, *rest = json.loads(message[len(NS) + 3:])
                self.on_event(name, rest[0] if rest else None)
            if self.done.is_set():
                return
            elif message.startswith(f"44{NS}"):  # refused: coming back would be refused again
                self.record["errors"].append(message[:200])
                self.done.set()
                return

    def on_ack(self, text: str) -> None:
        number = int(re.match(r"\d+", text).group(0))
        reply = json.loads(text[len(str(number)):])[0]
        purpose = self.pending.pop(number, None)
        if purpose is None:
            return
        if purpose[0] == "enter":
            if not reply.get("ok"):
                self.record["errors"].append(f"enter: {reply}")
                return
            self.record.setdefault("entered_at", time.time())
            self.connected.set()
            state = reply.get("state") or {}
            self.record["participant_id"] = state.get("participant_id")
            if (state.get("session") or {}).get("status") == "ended":  # it ended while we were away
                self.record.setdefault("ended_at", time.time())
                self.done.set()
            answers = state.get("answers") or {}
            self.record["resume_missing"] += sum(
                1 for qid, seq in self.acked.items() if (answers.get(str(qid)) or {}).get("seq", 0) < seq)
            question = state.get("question")
            if question and state.get("question_open"):
                self.on_question(question, resumed=str(question["id"]) in answers)
        elif purpose[0] == "answer":
            _, qid, seq, sent_at = purpose
            self.record["acks"].append({"question_id": qid, "seq": seq, "sent_at": sent_at, "ack_at": time.time(),
                                        "ok": bool(reply.get("ok")), "status": reply.get("status"),
                                        "error": (reply.get("error") or {}).get("code")})
            if reply.get("ok"):
                self.acked[qid] = max(seq, self.acked.get(qid, 0))
                if self.mode == "bare":
                    self.rounds += 1
                    if self.rounds >= self.job["questions"]:
                        self.done.set()

    def on_event(self, name: str, payload) -> None:
        if name == "question":
            self.on_question(payload["question"])
        elif name == "ended":
            self.record["ended_at"] = time.time()
            self.done.set()

    def on_question(self, question: dict, resumed: bool = False) -> None:
        qid = question["id"] if self.mode == "exam" else f"r{len(self.record['questions'])}"
        self.record["questions"].setdefault(str(qid), time.time())
        if resumed or qid in self.answering:
            return
        self.answering.add(qid)
        gevent.spawn(self.answer_later, qid, question)
        disruption = self.record["disruption"]
        nth = len(self.record["questions"])
        if disruption and nth == self.spec["disrupt_at"] and "disrupted_at" not in self.record:
            gevent.spawn(self.disrupt, disruption)

    def answer_later(self, qid, question: dict) -> None:
        gevent.sleep(THINK.uniform(*self.job["think"]))
        self.connected.wait()
        letters = [o["letter"] for o in question.get("options") or []] or ["T", "F"]
        self.seq += 1
        question_id = question["id"]
        self.sent.add(qid)
        try:
            self.send("answer", {"question_id": question_id, "choice": THINK.choice(letters), "seq": self.seq},
                      ("answer", question_id if self.mode == "exam" else qid, self.seq, time.time()))
        except Exception:  # the connection dropped as we sent: sent again after the reconnect
            self.answering.discard(qid)

    def disrupt(self, kind: str) -> None:
        """Drop the connection mid-question (5%) or reload the page (1%); run() comes back."""
        gevent.sleep(THINK.uniform(0.2, 1.0))
        self.record["disrupted_at"] = time.time()
        self.comeback = kind
        self.connected.clear()
        self.ws.abort()  # as a phone losing its network: no closing handshake

    def come_back(self) -> None:
        kind, self.comeback = self.comeback, None
        gevent.sleep(THINK.uniform(0.5, 2.0) if kind else 1.0)
        if kind == "reload":
            path = f"/exam/{self.job['session_id']}"
            page, assets = self.load_page(path)
            self.record.update(reload_page_bytes=page, reload_asset_bytes=assets)
            if not self.landed.endswith(path):  # a ticket's sign-in ends with its exam: the ticket page
                self.record.setdefault("ended_at", time.time())
                self.done.set()
        # What was sent and not acknowledged is sent again once the state shows it missing.
        self.answering = {q for q in self.answering if q in self.acked or q not in self.sent}

    def run(self) -> None:
        gevent.sleep(max(0.0, self.job["start_at"] + self.spec["arrive"] - time.time()))
        self.record["arrived_at"] = time.time()
        try:
            if self.mode != "bare":
                self.sign_in()
            if self.mode == "signin":
                return
            if self.mode == "exam":
                loaded = time.time()
                page, assets = self.load_page(f"/exam/{self.job['session_id']}")
                self.record.update(page_bytes=page, asset_bytes=assets, page_load_s=time.time() - loaded)
            self.deadline = time.time() + self.job["timeout"]
            while True:
                self.connect()
                self.listen()
                self.ws.shutdown()
                if self.done.is_set() or time.time() > self.deadline:
                    break
                if not self.comeback:
                    self.record["unplanned_drops"] = self.record.get("unplanned_drops", 0) + 1
                self.come_back()
                if self.done.is_set():
                    break
                self.record["reconnected_at"] = time.time()
        except Exception as error:
            self.record["errors"].append(f"{type(error).__name__}: {error}"[:300])
        finally:
            self.done.set()


def main() -> None:
    job = json.loads(sys.stdin.readline())
    phones = [Phone(job, spec) for spec in job["trainees"]]
    greenlets = [gevent.spawn(phone.run) for phone in phones]
    if job["mode"] == "bare":  # the orchestrator sends the next question once every client reports
        reported, entered = 0, False
        while not all(g.dead for g in greenlets):
            if not entered and all("entered_at" in phone.record for phone in phones):
                entered = True
                print(json.dumps({"entered": len(phones)}), flush=True)
            done = min(phone.rounds for phone in phones)
            if done > reported:
                reported = done
                print(json.dumps({"round_done": done}), flush=True)
            gevent.sleep(0.05)
    gevent.joinall(greenlets, timeout=job["timeout"] + 60)
    times = os.times()
    print(json.dumps({"results": [phone.record for phone in phones],
                      "cpu_seconds": round(times.user + times.system, 2)}), flush=True)


if __name__ == "__main__":
    main()
