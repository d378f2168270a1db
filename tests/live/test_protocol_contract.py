"""The live protocol as a contract: docs/protocol.schema.json against what the server really sends.

Real exams run through the server (Socket.IO test clients over the real login, the injected
clock).  Every event a client receives and every acknowledgement it gets is checked against the
schema as it is recorded, so a payload that gains an undocumented field or loses a required one
fails here.  The module's last test checks the other direction: the run saw everything the
schema lists (every payload type, optional field, alternative, enum value and error code),
except what NEVER_SEEN names with its reason, so the schema cannot list what the server never sends.
"""
from __future__ import annotations

import inspect
import itertools
import json
import time
from pathlib import Path

import gevent
import pytest
import sqlalchemy as sa
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from live import limits
from server.auth import operations as auth
from server.exams import operations as exams
from server.extensions import db, socketio
from server.models import User
from server.papers import operations as papers
from tests.builders import sign_in_by_ticket, ticket_of
from tests.live.conftest import call
from tests.waiting import wait_until

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "protocol.schema.json").read_text())
DEFS = SCHEMA["$defs"]
REGISTRY = Registry().with_resource(SCHEMA["$id"], Resource.from_contents(SCHEMA))
ROOT = Draft202012Validator(SCHEMA, registry=REGISTRY)
VALIDATORS = {name: ROOT.evolve(schema={"$ref": f"#/$defs/{name}"}) for name in DEFS}

# What the schema lists that no scenario here can make the server send, and why.
UNAUTHORIZED = "sent only to a connection without a principal, and on_connect refuses those"
NEVER_SEEN = {
    "error.whoami.error.code=unauthorized": UNAUTHORIZED,
    "error.enter.error.code=unauthorized": UNAUTHORIZED,
    "error.answer.error.code=unauthorized": UNAUTHORIZED,
    "error.answer.error.code=server_error": "sent only when the database fails while committing the answer's group",
    "error.focus_lost.error.code=server_error": "sent only when the database fails while committing the group",
}

SEEN: set[str] = set()  # what the scenarios of this run received (see listed() for the keys)
RAN: set[str] = set()  # the scenarios that ran


# --- the schema's keys: what it lists, and what a payload shows of it ----------------------------


def _def_name(reference: dict) -> str:
    assert set(reference) == {"$ref"}, f"an alternative in oneOf must be a bare $ref, not {reference}"
    return reference["$ref"].removeprefix("#/$defs/")


def listed() -> set[str]:
    """Everything the schema says the server sends, as keys: each $defs entry by name, each
    optional property as DEF.path.prop, each enum value as DEF.path=value and each oneOf
    alternative as DEF.path->ALTERNATIVE (an error code is an enum value: error.EVENT.error.code=CODE)."""
    keys = set()
    for name, schema in DEFS.items():
        keys.add(name)
        _list(schema, name, keys)
    return keys


def _list(schema: dict, where: str, keys: set[str]) -> None:
    keys.update(f"{where}={value}" for value in schema.get("enum", []))
    keys.update(f"{where}->{_def_name(branch)}" for branch in schema.get("oneOf", []))
    for branch in schema.get("anyOf", []):
        _list(branch, where, keys)
    required = set(schema.get("required", []))
    for prop, sub in schema.get("properties", {}).items():
        if prop not in required:
            keys.add(f"{where}.{prop}")
        _list(sub, f"{where}.{prop}", keys)
    if isinstance(schema.get("items"), dict):
        _list(schema["items"], f"{where}[]", keys)
    if isinstance(schema.get("additionalProperties"), dict):
        _list(schema["additionalProperties"], f"{where}{{}}", keys)


def _matches(schema: dict, instance) -> bool:
    return ROOT.evolve(schema=schema).is_valid(instance)


def _seen(schema: dict, instance, where: str, keys: set[str]) -> None:
    """The keys of listed() that ``instance`` (valid against ``schema``) shows."""
    if "$ref" in schema:
        name = _def_name(schema)
        keys.add(name)
        _seen(DEFS[name], instance, name, keys)
        return
    if "enum" in schema:
        keys.add(f"{where}={instance}")
    if "if" in schema:
        _seen(schema["then"] if _matches(schema["if"], instance) else schema["else"], instance, where, keys)
    for branch in schema.get("oneOf", []):
        if _matches(branch, instance):
            keys.add(f"{where}->{_def_name(branch)}")
            _seen(branch, instance, where, keys)
    for branch in schema.get("anyOf", []):
        if _matches(branch, instance):
            _seen(branch, instance, where, keys)
            break
    if isinstance(instance, dict):
        properties, others = schema.get("properties", {}), schema.get("additionalProperties")
        for prop, value in instance.items():
            if prop in properties:
                keys.add(f"{where}.{prop}")
                _seen(properties[prop], value, f"{where}.{prop}", keys)
            elif isinstance(others, dict):
                _seen(others, value, f"{where}{{}}", keys)
    if isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for item in instance:
            _seen(schema["items"], item, f"{where}[]", keys)


def check(name: str, payload, what: str) -> None:
    """``payload`` must be what the schema's ``name`` says; what it shows is recorded in SEEN."""
    if name not in DEFS:
        pytest.fail(f"{what}: {name} is not in docs/protocol.schema.json (payload {payload!r})")
    problems = sorted(VALIDATORS[name].iter_errors(payload), key=lambda e: e.json_path)
    if problems:
        lines = []
        for problem in problems:
            lines.append(f"  at {problem.json_path}: {problem.message}")
            lines += [f"    alternative {list(sub.schema_path)}: {sub.message}" for sub in problem.context or []]
        pytest.fail(f"{what} does not match {name} in docs/protocol.schema.json:\n" + "\n".join(lines)
                    + f"\npayload: {json.dumps(payload, ensure_ascii=False)}")
    _seen({"$ref": f"#/$defs/{name}"}, payload, "", SEEN)


# --- clients that check everything they receive -------------------------------------------------


class Party:
    """One connection, a trainee's or an invigilator's (``audience``).  Every acknowledgement
    and every event it receives is checked against the schema as it is recorded; an event
    the schema does not list for this audience fails the test."""

    def __init__(self, client, audience: str, employee_no: str):
        self.client, self.audience, self.who = client, audience, employee_no
        self.received: list[tuple[str, dict]] = []
        self._taken: dict[str, int] = {}

    def call(self, event: str, data=None) -> dict:
        ack = call(self.client, event, data)
        check(f"ack.{event}", ack, f"{self.who}'s acknowledgement of {event} {data!r}")
        return ack

    def drain(self) -> None:
        if self.client.is_connected("/live"):
            packets = self.client.get_received("/live")
        else:  # closed by the server (signed out): what it sent before closing counts too
            queue = self.client.queue
            packets = [packet for packet in queue if packet["namespace"] == "/live"]
            self.client.queue = [packet for packet in queue if packet["namespace"] != "/live"]
        for packet in packets:
            name, args = packet["name"], packet["args"]
            assert len(args) == 1, f"{name} to {self.who} carries {len(args)} arguments"
            check(f"{self.audience}.{name}", args[0], f"{name} to {self.audience} {self.who}")
            self.received.append((name, args[0]))

    def new(self, name: str) -> list[dict]:
        """The ``name`` events received since the last new(name) or wait(name)."""
        self.drain()
        payloads = [payload for event, payload in self.received if event == name]
        start, self._taken[name] = self._taken.get(name, 0), len(payloads)
        return payloads[start:]

    def wait(self, name: str, matching=lambda payload: True, timeout: float = 5.0) -> dict:
        """The next ``name`` event that is ``matching`` (the latest, when several came), waited
        for: the dashboard's counts and progress and an automatic close come from background work."""
        deadline = time.monotonic() + timeout
        while not (fresh := [payload for payload in self.new(name) if matching(payload)]):
            if time.monotonic() > deadline:
                pytest.fail(f"{self.who} received no such {name} within {timeout} s")
            gevent.sleep(0.01)
        return fresh[-1]

    def disconnect(self) -> None:
        self.drain()
        self.client.disconnect(namespace="/live")


@pytest.fixture
def connect(live, request):
    parties = []

    def connect(employee_no: str, audience: str) -> Party:
        party = Party(live.connect(employee_no), audience, employee_no)
        parties.append(party)
        return party

    yield connect
    RAN.add(request.node.name)
    for party in parties:  # what arrived after the test's last look is checked too
        party.drain()


@pytest.fixture
def trainee(connect):
    return lambda employee_no: connect(employee_no, "trainee")


@pytest.fixture
def staff(connect):
    return lambda employee_no: connect(employee_no, "staff")


@pytest.fixture
def exam(app, bank, fixed_paper, people, make_trainees):
    """exam(mode, show_key, ...) -> (a session in the lobby, its trainees' employee numbers).
    The paper: two true/false questions (keys T, F), two single choice (A, B), two multiple
    choice (ABD, ACD), in that order unless shuffled; or one of each type drawn per trainee."""
    numbers = itertools.count()

    def build(mode: str, show_key: str, trainees: int = 3, shuffle: bool = False, draw: bool = False,
              tab_switch_limit: int | None = None, explanation: str | None = None, ranks: bool = False):
        paper = fixed_paper
        paper.show_key, paper.question_seconds, paper.paper_seconds = show_key, 20, 600
        paper.shuffle_questions = paper.shuffle_options = shuffle
        paper.tab_switch_limit, paper.show_ranks = tab_switch_limit, ranks
        if explanation:
            paper.questions[0].question.explanation = explanation
        if draw:
            papers.set_rules(paper, [(kind, 1, bank, None) for kind in ("judge", "single", "multi")])
            # The column is being renamed from mode to selection (server/papers); either way, "draw".
            setattr(paper, "selection" if hasattr(paper, "selection") else "mode", "draw")
        roster = make_trainees(trainees, prefix=f"S{next(numbers)}")
        session = exams.create_session(people["inv_bj"], paper, "协议测试", mode, roster)
        db.session.commit()
        return session, [user.employee_no for user in roster]

    return build


def ok(ack: dict) -> dict:
    assert ack["ok"], ack
    return ack


def refused(ack: dict) -> str:
    assert ack["ok"] is False, ack
    return ack["error"]["code"]


def control(invigilator: Party, session, action: str, **more) -> dict:
    return invigilator.call("control", {"session_id": session.id, "action": action, **more})


def answer(party: Party, question: dict, choice: str, seq: int) -> dict:
    return party.call("answer", {"question_id": question["id"], "choice": choice, "seq": seq})


def any_choice(question: dict) -> str:
    return question["options"][0]["letter"] if question["options"] else "T"


# --- scenarios ---------------------------------------------------------------------------------


def test_the_schema_is_valid_json_schema():
    Draft202012Validator.check_schema(SCHEMA)


def test_a_paced_paper_that_shows_the_key_after_each_question(exam, trainee, staff, clock):
    session, roster = exam("paced", "after_question", explanation="存款保险条例第五条")
    invigilator = staff("J100")
    assert "distribution" not in ok(invigilator.call("watch", {"session_id": session.id}))["state"]
    first, second, third = (trainee(number) for number in roster)
    assert ok(first.call("enter", {"code": session.join_code}))["state"]["session"]["status"] == "lobby"
    for party in (second, third):
        ok(party.call("enter", {"session_id": session.id}))
    invigilator.wait("roster_changed")
    invigilator.wait("counts")
    assert ok(first.call("sync", {"session_id": session.id}))["state"]["question"] is None

    ok(control(invigilator, session, "start"))
    first.wait("started")
    ok(control(invigilator, session, "next"))
    question = first.wait("question")["question"]
    assert question["type"] == "judge" and question["position"] == 1
    assert answer(first, question, "F", 2)["status"] == "saved"
    assert answer(first, question, "F", 2)["status"] == "duplicate"
    assert answer(first, question, "T", 1)["status"] == "stale"
    assert refused(answer(first, question, "Z", 3)) == "invalid_choice"
    assert refused(first.call("answer", {"question_id": question["id"], "choice": "T"})) == "bad_request"
    assert invigilator.wait("progress")["question_id"] == question["id"]
    assert "distribution" in ok(invigilator.call("watch", {"session_id": session.id}))["state"]

    # A trainee comes back mid-question: the snapshot holds the open question and no key.
    second.disconnect()
    clock.advance(1)
    second = trainee(roster[1])
    state = ok(second.call("enter", {"session_id": session.id}))["state"]
    assert state["question"]["id"] == question["id"] and state["question_open"] and "revealed" not in state
    third_id = ok(third.call("sync", {"session_id": session.id}))["state"]["participant_id"]
    ok(control(invigilator, session, "extend", seconds=30, participant_id=third_id))
    assert third.wait("time_extended")["remaining"] == 49
    ok(control(invigilator, session, "extend", seconds=10))
    assert first.wait("time_extended")["remaining"] == 29
    clock.advance(4)
    ok(control(invigilator, session, "pause"))
    assert first.wait("paused")["remaining"] == 25
    assert refused(answer(second, question, "T", 1)) == "paused"
    assert ok(first.call("focus_lost", {"session_id": session.id, "kind": "blur"}))["limit"] is None
    assert invigilator.wait("alert")["tab_switches"] == 1
    clock.advance(60)
    ok(control(invigilator, session, "resume"))
    assert first.wait("resumed")["remaining"] == 25

    # Everyone present has answered: the question closes by itself and the key is shown.
    ok(answer(second, question, "T", 1))
    ok(answer(third, question, "T", 1))
    closed = first.wait("question_closed")
    assert closed["key"] == "T" and closed["distribution"] == {"T": 2, "F": 1}
    assert closed["explanation"] == "存款保险条例第五条"
    assert invigilator.wait("question_closed")["key"] == "T"
    assert refused(answer(third, question, "F", 2)) == "late"

    # Coming back after the close: the key again, without the distribution.
    first.disconnect()
    clock.advance(1)
    first = trainee(roster[0])
    revealed = ok(first.call("enter", {"session_id": session.id}))["state"]["revealed"]
    assert revealed == {"question_id": question["id"], "key": "T", "explanation": "存款保险条例第五条"}

    ok(control(invigilator, session, "announce", text="请关闭手机"))
    assert third.wait("announcement")["text"] == "请关闭手机"
    assert refused(control(invigilator, session, "announce", text="   ")) == "empty_announcement"

    # The next question: the room's payload, then the trainee given extra time hears their own.
    ok(control(invigilator, session, "next"))
    following = first.wait("question")["question"]
    assert first.new("time_extended") == [] and third.wait("time_extended")["remaining"] == 50
    assert refused(answer(first, question, "T", 5)) == "not_open"  # no longer the current question
    clock.advance(23)  # past 20 s and the 2 s grace
    assert refused(answer(first, following, "F", 6)) == "late"
    ok(answer(third, following, "F", 2))  # within their 30 s extra
    ok(control(invigilator, session, "close"))
    while (opened := control(invigilator, session, "next"))["ok"]:
        ok(control(invigilator, session, "close"))
    assert refused(opened) == "no_more_questions"

    ok(control(invigilator, session, "end"))
    assert set(first.wait("ended")["score"]) == {"total", "passed"}
    assert refused(answer(first, following, "T", 9)) == "finished"
    assert ok(first.call("focus_lost", {"session_id": session.id, "kind": "hidden"})) == {"ok": True, "tab_switches": 1}
    assert "score" in ok(first.call("sync", {"session_id": session.id}))["state"]
    assert ok(first.call("whoami"))["role"] == "trainee"
    assert ok(invigilator.call("whoami"))["role"] == "invigilator"
    assert ok(invigilator.call("unwatch", {"session_id": session.id})) == {"ok": True}


def test_a_shuffled_paced_paper_reveals_the_key_in_each_trainees_letters(exam, trainee, staff, clock):
    session, roster = exam("paced", "after_question", trainees=2, shuffle=True)
    invigilator = staff("J100")
    ok(invigilator.call("watch", {"session_id": session.id}))
    parties = [trainee(number) for number in roster]
    first_id = ok(parties[0].call("enter", {"session_id": session.id}))["state"]["participant_id"]
    ok(parties[1].call("enter", {"session_id": session.id}))
    ok(control(invigilator, session, "start"))
    ok(control(invigilator, session, "extend", seconds=5))  # running, no question yet: nothing moves
    ok(control(invigilator, session, "extend", seconds=30, participant_id=first_id))
    for party in parties:
        assert party.wait("time_extended")["remaining"] is None
    for _ in range(6):
        ok(control(invigilator, session, "next"))
        questions = [party.wait("question") for party in parties]
        # Payloads built per trainee carry each one's own time: no time_extended follows.
        assert [q["remaining"] for q in questions] == [50, 20] and parties[0].new("time_extended") == []
        for party, opened in zip(parties, questions, strict=True):
            ok(answer(party, opened["question"], any_choice(opened["question"]), 1))
        for party, opened in zip(parties, questions, strict=True):
            closed = party.wait("question_closed")
            letters = {option["letter"] for option in opened["question"]["options"]} or {"T", "F"}
            assert set(closed["key"]) <= letters and set(closed["distribution"]) == letters
        invigilator.wait("question_closed")
    ok(control(invigilator, session, "end"))
    for party in parties:
        assert "score" in party.wait("ended")


def test_a_paced_paper_that_never_shows_the_key(exam, trainee, staff, clock):
    session, roster = exam("paced", "never", trainees=2)
    invigilator = staff("J100")
    ok(invigilator.call("watch", {"session_id": session.id}))
    first, second = (trainee(number) for number in roster)
    for party in (first, second):
        ok(party.call("enter", {"session_id": session.id}))
    ok(control(invigilator, session, "start"))
    ok(control(invigilator, session, "pause"))  # before the first question: no clock to stop
    assert first.wait("paused")["remaining"] is None
    ok(control(invigilator, session, "resume"))
    resumed = first.wait("resumed")
    assert resumed["deadline"] is None and resumed["remaining"] is None
    ok(control(invigilator, session, "next"))
    question = first.wait("question")["question"]
    ok(answer(first, question, "T", 1))
    ok(answer(second, question, "F", 1))
    assert set(first.wait("question_closed")) == {"question_id"}
    assert set(invigilator.wait("question_closed")) == {"question_id", "key", "distribution"}
    first.disconnect()
    clock.advance(1)
    first = trainee(roster[0])
    assert "revealed" not in ok(first.call("enter", {"session_id": session.id}))["state"]
    ok(control(invigilator, session, "end"))
    assert first.wait("ended") == {}


def test_a_timed_paper(exam, trainee, staff, clock):
    session, roster = exam("timed", "after_exam", trainees=2, tab_switch_limit=2)
    invigilator = staff("J100")
    ok(invigilator.call("watch", {"session_id": session.id}))
    first, second = (trainee(number) for number in roster)
    ok(first.call("enter", {"session_id": session.id}))
    second_id = ok(second.call("enter", {"session_id": session.id}))["state"]["participant_id"]
    ok(control(invigilator, session, "start"))
    state = first.wait("state")
    assert state["question"] is None and len(state["questions"]) == 6 and state["remaining"] == 600
    assert refused(control(invigilator, session, "next")) == "not_running"
    last, opening = state["questions"][-1], state["questions"][0]
    assert ok(answer(first, last, last["options"][0]["letter"], 1)) == {
        "ok": True, "status": "saved", "question_id": last["id"], "seq": 1, "answered": 1}
    assert ok(answer(first, last, last["options"][0]["letter"], 1))["status"] == "duplicate"
    assert ok(answer(first, opening, "T", 3))["answered"] == 2
    assert ok(answer(first, opening, "F", 2))["status"] == "stale"
    assert invigilator.wait("progress")["question_id"] is None

    ok(control(invigilator, session, "extend", seconds=60))
    assert first.wait("time_extended")["remaining"] == 660
    ok(control(invigilator, session, "extend", seconds=30, participant_id=second_id))
    assert second.wait("time_extended")["remaining"] == 690
    clock.advance(10)
    ok(control(invigilator, session, "pause"))
    assert first.wait("paused")["remaining"] == 650
    # The room hears the session's clock; the trainee with extra time hears their own right after.
    assert second.wait("paused")["remaining"] == 650
    assert second.wait("time_extended")["remaining"] == 680
    assert ok(second.call("sync", {"session_id": session.id}))["state"]["remaining"] == 680
    assert first.new("time_extended") == []
    assert refused(answer(second, opening, "T", 1)) == "paused"
    ok(control(invigilator, session, "resume"))
    assert first.wait("resumed")["remaining"] == 650
    extended = second.wait("time_extended")
    assert extended["remaining"] == 680
    # `deadline` is the session's, the same for everyone: a trainee's extra time is only in `remaining`.
    mine, theirs = (ok(p.call("sync", {"session_id": session.id}))["state"] for p in (second, first))
    assert mine["deadline"] == theirs["deadline"] == extended["deadline"] is not None
    assert mine["remaining"] - theirs["remaining"] == 30

    first.disconnect()
    clock.advance(1)
    first = trainee(roster[0])
    again = ok(first.call("enter", {"session_id": session.id}))["state"]
    assert len(again["questions"]) == 6 and again["last_seq"] == 3 and len(again["answers"]) == 2

    assert ok(second.call("focus_lost", {"session_id": session.id, "kind": "hidden"}))["submitted"] is False
    assert ok(second.call("focus_lost", {"session_id": session.id, "kind": "blur"})) == {
        "ok": True, "tab_switches": 2, "limit": 2, "submitted": True}
    assert invigilator.wait("alert")["submitted"]
    assert refused(answer(second, opening, "T", 4)) == "finished"
    assert ok(second.call("focus_lost", {"session_id": session.id, "kind": "blur"})) == {"ok": True, "tab_switches": 2}

    # 交卷: the first trainee hands in with two of six answered; the dashboard's row says so.
    assert ok(first.call("submit", {"session_id": session.id})) == {"ok": True, "answered": 2, "total": 6}
    row = next(r for r in invigilator.wait("roster_changed")["changed"] if r["finished"])
    assert (row["answered"], row["questions"]) == (2, 6)
    assert refused(answer(first, opening, "F", 5)) == "finished"
    assert ok(first.call("submit", {"session_id": session.id}))["answered"] == 2  # twice is harmless

    ok(control(invigilator, session, "end"))
    assert "score" in first.wait("ended") and "score" in second.wait("ended")
    assert "score" in ok(first.call("sync", {"session_id": session.id}))["state"]


def test_a_timed_paper_that_never_shows_results(exam, trainee, staff, clock):
    session, roster = exam("timed", "never", trainees=1)
    invigilator = staff("J100")
    only = trainee(roster[0])
    ok(only.call("enter", {"code": session.join_code}))
    assert refused(only.call("submit", {"session_id": session.id})) == "not_running"  # still in the lobby
    ok(control(invigilator, session, "start"))
    question = only.wait("state")["questions"][0]
    assert "answered" not in ok(answer(only, question, "T", 1))
    ok(control(invigilator, session, "end"))
    assert only.wait("ended") == {}


def test_a_paced_session_of_a_drawn_paper(exam, trainee, staff, clock):
    """Each trainee draws one question of each type; the session opens every drawn question
    in turn, so a trainee may be shown one that is not in their paper (position null).  The
    paper shows ranks: each result and the end carry the trainee's rank."""
    session, roster = exam("paced", "after_question", trainees=3, draw=True, ranks=True)
    invigilator = staff("J100")
    ok(invigilator.call("watch", {"session_id": session.id}))
    parties = [trainee(number) for number in roster]
    for party in parties:
        ok(party.call("enter", {"session_id": session.id}))
    ok(control(invigilator, session, "start"))
    for seq in itertools.count(1):
        if not (opened := control(invigilator, session, "next"))["ok"]:
            break
        for party in parties:
            question = party.wait("question")["question"]
            ack = answer(party, question, any_choice(question), seq)
            if question["position"] is None:
                assert refused(ack) == "not_open"
            else:
                ok(ack)
        # By hand: a trainee shown a question outside their draw cannot answer it, so the
        # question would otherwise stay open until its deadline.
        ok(control(invigilator, session, "close"))
        for party in parties:
            party.wait("question_closed")
    assert refused(opened) == "no_more_questions"
    ok(control(invigilator, session, "end"))


def test_removing_a_trainee(exam, trainee, staff, clock):
    session, roster = exam("paced", "after_question", trainees=2)
    invigilator = staff("J100")
    ok(invigilator.call("watch", {"session_id": session.id}))
    gone, stays = (trainee(number) for number in roster)
    gone_id = ok(gone.call("enter", {"session_id": session.id}))["state"]["participant_id"]
    ok(stays.call("enter", {"session_id": session.id}))
    ok(control(invigilator, session, "start"))
    ok(control(invigilator, session, "next"))
    question = gone.wait("question")["question"]
    ok(control(invigilator, session, "remove", participant_id=gone_id))
    assert gone.wait("removed") == {}
    invigilator.wait("roster_changed", lambda changed: [row["removed"] for row in changed["changed"]] == [True])
    assert refused(answer(gone, question, "T", 1)) == "removed"
    assert refused(gone.call("submit", {"session_id": session.id})) == "removed"
    assert refused(stays.call("submit", {"session_id": session.id})) == "not_timed"  # the invigilator paces it
    state = ok(gone.call("sync", {"session_id": session.id}))["state"]
    assert state["finished"]
    assert refused(gone.call("enter", {"session_id": session.id})) == "removed"
    ok(control(invigilator, session, "end"))


def test_what_is_refused(exam, trainee, staff, clock):
    session, _roster = exam("paced", "after_question", trainees=1)
    other, other_roster = exam("paced", "after_question", trainees=1)
    invigilator = staff("J100")
    outsider = trainee("T200")
    assert refused(outsider.call("enter", {"code": session.join_code})) == "not_on_roster"
    assert refused(outsider.call("enter", {"session_id": session.id})) == "not_on_roster"
    assert refused(outsider.call("enter", None)) == "not_on_roster"
    for not_an_object in (session.join_code, [session.id], session.id, True):  # not bad_request: the doc says so
        assert refused(outsider.call("enter", not_an_object)) == "not_on_roster"
    assert refused(outsider.call("sync", {"session_id": session.id})) == "not_entered"
    assert refused(outsider.call("focus_lost", {"session_id": session.id, "kind": "blur"})) == "not_entered"
    assert refused(outsider.call("submit", {"session_id": session.id})) == "not_entered"
    assert refused(outsider.call("answer", {"question_id": 10**9, "choice": "A", "seq": 1})) == "not_open"
    assert refused(outsider.call("watch", {"session_id": session.id})) == "forbidden"
    assert refused(control(outsider, session, "start")) == "forbidden"
    elsewhere = staff("J200")  # an invigilator of another branch
    assert refused(elsewhere.call("watch", {"session_id": session.id})) == "forbidden"
    assert refused(control(elsewhere, session, "start")) == "forbidden"
    assert ok(elsewhere.call("unwatch", {"session_id": session.id})) == {"ok": True}
    assert ok(staff("A001").call("whoami"))["role"] == "admin"

    assert refused(control(invigilator, session, "dance")) == "unknown_action"
    assert refused(invigilator.call("control", {"session_id": session.id})) == "unknown_action"
    assert refused(control(invigilator, session, "resume")) == "not_paused"
    assert refused(control(invigilator, session, "pause")) == "not_running"
    assert refused(control(invigilator, session, "next")) == "not_running"
    assert refused(control(invigilator, session, "extend", seconds=30)) == "cannot_extend"
    assert refused(control(invigilator, session, "remove", participant_id=10**9)) == "not_found"
    someone_else = trainee(other_roster[0])
    other_id = ok(someone_else.call("enter", {"session_id": other.id}))["state"]["participant_id"]
    assert refused(control(invigilator, session, "extend", seconds=30, participant_id=other_id)) == "not_found"
    ok(control(invigilator, session, "start"))
    assert refused(control(invigilator, session, "start")) == "not_in_lobby"
    assert refused(control(invigilator, session, "extend", seconds=0)) == "cannot_extend"
    assert refused(control(invigilator, session, "extend", seconds=3601)) == "cannot_extend"

    guesser = trainee("T100")  # failed joins are limited per user
    codes = [refused(guesser.call("enter", {"code": f"WRONG{n}"})) for n in range(11)]
    assert codes == ["not_on_roster"] * 10 + ["rate_limited"]


CLIENT_EVENTS = ("enter", "sync", "answer", "focus_lost", "submit", "whoami", "watch", "unwatch", "control")


def test_malformed_and_flooding_events(app, exam, trainee, staff, clock):
    """Every event with two payloads is refused as `bad_request`, and one without a payload is
    answered (never a missing acknowledgement); a connection over its budget gets `too_fast`
    for every event, and another connection is served as before."""
    session, roster = exam("timed", "after_exam", trainees=2)
    invigilator, flooder, other = staff("J100"), trainee(roster[0]), trainee(roster[1])
    for party in (invigilator, flooder):
        for event in CLIENT_EVENTS:
            with party.client.app.app_context():
                ack = party.client.emit(event, {"session_id": session.id}, {"extra": 1}, namespace="/live",
                                        callback=True)
            check(f"ack.{event}", ack, f"{event} with two payloads")
            assert refused(ack) == "bad_request", event
    assert refused(flooder.call("answer")) == "bad_request"
    assert refused(flooder.call("enter")) == "not_on_roster"
    assert ok(flooder.call("whoami"))["role"] == "trainee"
    assert refused(flooder.call("answer", {"question_id": 2**31, "choice": "A", "seq": 1})) == "bad_request"
    assert refused(flooder.call("answer", {"question_id": 1, "choice": "A", "seq": 2**63 - 1})) == "bad_request"

    app.config.update(LIVE_EVENT_RATE=limits.Rate(burst=3, per_second=0.001),
                      LIVE_ANSWER_RATE=limits.Rate(burst=3, per_second=0.001))
    flooder, other, boss = trainee(roster[0]), trainee(roster[1]), staff("J100")  # new connections, new budgets
    codes = [flooder.call("whoami").get("error", {}).get("code") for _ in range(5)]
    assert codes == [None, None, None, "too_fast", "too_fast"]
    for event in ("enter", "sync", "focus_lost", "submit"):
        assert refused(flooder.call(event, {"session_id": session.id})) == "too_fast", event
    answers = [flooder.call("answer", {"question_id": 1, "choice": "A", "seq": n}) for n in range(1, 6)]
    assert [a.get("error", {}).get("code") for a in answers][3:] == ["too_fast", "too_fast"]  # its own budget
    assert [ok(boss.call("watch", {"session_id": session.id}))["ok"] for _ in range(3)] == [True] * 3
    assert refused(boss.call("control", {"session_id": session.id, "action": "start"})) == "too_fast"
    assert refused(boss.call("unwatch", {"session_id": session.id})) == "too_fast"
    assert refused(boss.call("watch", {"session_id": session.id})) == "too_fast"
    assert ok(other.call("enter", {"session_id": session.id}))  # someone else is served as before


def test_connections_whose_sign_in_ended(app, exam, trainee, staff, clock):
    """An identity change this process did not make (another process's: only the database
    changed) is noticed at the connection's next event, whichever it is: `signed_out`, then the
    server closes the connection.  One made here is pushed to every connection of the user:
    a `signed_out` event, then the close."""
    app.config["LIVE_IDENTITY_SECONDS"] = 0  # look every time: the change below is only in the database
    session, roster = exam("timed", "after_exam", trainees=2)
    trainee_events = ("enter", "sync", "answer", "focus_lost", "submit", "whoami")
    parties = [(event, trainee(roster[0])) for event in trainee_events]
    parties += [(event, staff("J100")) for event in ("watch", "unwatch", "control")]
    db.session.execute(sa.update(User).where(User.employee_no.in_([roster[0], "J100"]))
                       .values(session_version=User.session_version + 1))
    db.session.commit()
    payload = {"session_id": session.id, "question_id": 1, "choice": "A", "seq": 1, "action": "start"}
    for event, party in parties:
        assert refused(party.call(event, payload)) == "signed_out", event
        wait_until(lambda party=party: not party.client.is_connected("/live"), message=f"{event}: still open")

    pushed, boss = trainee(roster[1]), staff("J100")
    ok(pushed.call("enter", {"session_id": session.id}))
    ok(boss.call("watch", {"session_id": session.id}))
    for party in (pushed, boss):
        auth.sign_out_everywhere(db.session.scalar(sa.select(User).where(User.employee_no == party.who)))
    db.session.commit()
    for party in (pushed, boss):
        assert not party.client.is_connected("/live")
        assert party.new("signed_out") == [{}]


def test_an_exam_ticket_enters_its_own_session_only(app, exam, connect, people):
    session, roster = exam("paced", "after_question", trainees=1)
    same_trainee = db.session.scalars(sa.select(User).where(User.employee_no.in_(roster))).all()
    other = exams.create_session(people["inv_bj"], session.paper, "另一场", "paced", same_trainee)
    db.session.commit()
    flask_client = app.test_client()
    _ticket, code = ticket_of(session, roster[0])
    assert sign_in_by_ticket(flask_client, roster[0], code).status_code == 302
    with app.app_context():
        party = Party(socketio.test_client(app, namespace="/live", flask_test_client=flask_client), "trainee",
                      roster[0])
    assert refused(party.call("enter", {"session_id": other.id})) == "out_of_scope"
    ok(party.call("enter", {"session_id": session.id}))
    party.drain()


def test_the_protocol_version_is_one_number(client):
    """The version a client checks: the server's, the schema's, the doc's and the API document's."""
    from live.version import PROTOCOL_VERSION

    doc = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
    assert f"live protocol version **{PROTOCOL_VERSION}**" in doc
    assert DEFS["ProtocolVersion"]["const"] == PROTOCOL_VERSION
    assert DEFS["ok.whoami"]["properties"]["protocol"] == {"$ref": "#/$defs/ProtocolVersion"}
    assert "protocol" in DEFS["ok.whoami"]["required"]
    assert client.get("/api/v1/openapi.json").json["info"]["x-live-protocol"] == PROTOCOL_VERSION


def test_the_run_saw_everything_the_schema_lists():
    scenarios = {name for name, test in globals().items()
                 if name.startswith("test_") and "connect" in _fixtures_of(test)}
    if not scenarios <= RAN:
        pytest.skip(f"judged over the whole module; these did not run: {sorted(scenarios - RAN)}")
    everything = listed()
    unknown = NEVER_SEEN.keys() - everything
    assert not unknown, f"NEVER_SEEN names what the schema does not list: {sorted(unknown)}"
    assert not SEEN & NEVER_SEEN.keys(), f"seen after all, take them out of NEVER_SEEN: {SEEN & NEVER_SEEN.keys()}"
    missing = everything - SEEN - NEVER_SEEN.keys()
    assert not missing, f"the schema lists what no scenario received: {sorted(missing)}"


def _fixtures_of(test) -> set[str]:
    """The fixtures ``test`` uses, directly or through trainee/staff."""
    names = set(inspect.signature(test).parameters)
    return names | ({"connect"} if names & {"trainee", "staff"} else set())
