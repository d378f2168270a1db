"""Group commit for answers.  Thousands of trainees answering in the same second cannot each
have their own fsync; answers received within a few milliseconds are graded and written in one
transaction, and each is acknowledged only after that transaction is on disk.

A handler calls submit(), which blocks its own greenlet (others keep running) until the batch
holding the answer has committed; then the acknowledgement goes back to the trainee.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import gevent
import sqlalchemy as sa
from gevent.event import AsyncResult
from gevent.queue import Empty, Queue

from grading import Recording, decide_answer
from live import controls, dashboard, emit
from live.acceptance import Refused, check_answer, grace
from live.runtime import runtime_for
from server.database import commit, rollback
from server.exams.models import Answer, LiveSession, Pacing, Participant, SessionQuestion, SessionStatus
from server.exams.operations import seconds_into, store_decision, stored_answer
from server.exams.scoring import policy_for, snapshot
from server.extensions import db
from server.papers import draw
from server.papers.models import ShowKey

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnswerJob:
    session_id: int
    participant_id: int
    question_id: int
    choice: str
    seq: int
    received_at: datetime  # the server's clock when the answer arrived; deadlines use this
    final: bool = True  # submitted (提交); False: a multiple-choice draft still being chosen


class Row:
    """A row as a plain object with attributes: what the grading and checking code reads and
    sets.  Everything a batch loads is rows, not ORM objects: tracking changes to thousands of
    ORM objects, and even reading their attributes, cost more than grading them."""

    def __init__(self, **values):
        self.__dict__.update(values)


_ANSWER = Answer.__table__
_PARTICIPANT = Participant.__table__
_SESSION = LiveSession.__table__
_QUESTION = SessionQuestion.__table__
_ANSWER_FIELDS = ("choice", "seq", "points", "bonus", "outcome", "seconds", "received_at", "final")
# Only what checking and grading read: each column costs a conversion per row (JSON, dates).
_PARTICIPANT_READ = [_PARTICIPANT.c[name] for name in (
    "id", "total", "bonus", "answered", "last_seq", "removed", "finished_at", "extra_seconds", "question_order",
    "option_orders")]
_ANSWER_READ = [_ANSWER.c[name] for name in (
    "id", "participant_id", "session_question_id", "choice", "seq", "points", "bonus", "outcome", "final")]


def _rows(statement) -> list[Row]:
    result = db.session.execute(statement)
    names = list(result.keys())
    return [Row(**dict(zip(names, values, strict=True))) for values in result]


class Batch:
    """What a group of answers needs, loaded with one query per kind instead of one per answer,
    and written back with one statement per kind (executemany)."""

    def __init__(self, jobs: list[AnswerJob]):
        self.sessions = {row.id: row for row in _rows(
            sa.select(_SESSION).where(_SESSION.c.id.in_({j.session_id for j in jobs})))}
        self.questions = {row.id: row for row in _rows(
            sa.select(_QUESTION).where(_QUESTION.c.id.in_({j.question_id for j in jobs})))}
        self.participants = {row.id: row for row in _rows(
            sa.select(*_PARTICIPANT_READ).where(_PARTICIPANT.c.id.in_({j.participant_id for j in jobs})))}
        self.answers = {(row.participant_id, row.session_question_id): row for row in _rows(
            sa.select(*_ANSWER_READ).where(_ANSWER.c.participant_id.in_(self.participants),
                                           _ANSWER.c.session_question_id.in_(self.questions)))}
        self.grace = grace()
        self.snapshots = {q.id: snapshot(q) for q in self.questions.values()}
        self.policies = {s.id: policy_for(s) for s in self.sessions.values()}
        self.new_answers: list[Row] = []
        self.totals: dict = {}

    def new_answer(self, participant_id: int, question_id: int) -> Row:
        row = Row(id=None, participant_id=participant_id, session_question_id=question_id)
        self.new_answers.append(row)
        return row

    def write(self) -> None:
        """Changes: inserts the new answers, updates the changed ones and the participants'
        totals, counts and sequence numbers; no commit."""
        inserted = [{"participant_id": r.participant_id, "session_question_id": r.session_question_id,
                     **{f: getattr(r, f) for f in _ANSWER_FIELDS}} for r in self.new_answers]
        updated = [{"b_id": r.id, **{f"b_{f}": getattr(r, f) for f in _ANSWER_FIELDS}}
                   for r in self.answers.values() if r.id is not None and getattr(r, "changed", False)]
        if inserted:
            db.session.execute(sa.insert(_ANSWER), inserted)
        if updated:
            db.session.execute(sa.update(_ANSWER).where(_ANSWER.c.id == sa.bindparam("b_id")).values(
                {f: sa.bindparam(f"b_{f}") for f in _ANSWER_FIELDS}), updated)
        participants = [{"b_id": p.id, "b_total": p.total, "b_bonus": p.bonus, "b_answered": p.answered,
                         "b_last_seq": p.last_seq} for p in self.participants.values() if getattr(p, "changed", False)]
        if participants:
            db.session.execute(sa.update(_PARTICIPANT).where(_PARTICIPANT.c.id == sa.bindparam("b_id")).values(
                total=sa.bindparam("b_total"), bonus=sa.bindparam("b_bonus"), answered=sa.bindparam("b_answered"),
                last_seq=sa.bindparam("b_last_seq")), participants)


def commit_answers(jobs: list[AnswerJob]) -> tuple[list[dict], dict[int, tuple[int, object]]]:
    """Check, grade and store ``jobs`` in one transaction, and commit it: their acknowledgements,
    and each participant's new total (participant id -> (session id, total))."""
    batch = Batch(jobs)
    acks = [apply(job, batch) for job in jobs]
    batch.write()
    commit()
    return acks, batch.totals


@dataclass(frozen=True)
class PresenceJob:
    """A trainee entered (connected=True) or left a session.  Written with the next group of
    answers, not with a commit of its own: thousands join within seconds when an exam opens."""

    session_id: int
    participant_id: int
    at: datetime
    connected: bool


def write_presence(jobs: list[PresenceJob]) -> None:
    """Changes: connected_at (and joined_at the first time) or disconnected_at; no commit."""
    joined = [{"pid": j.participant_id, "at": j.at} for j in jobs if j.connected]
    left = [{"pid": j.participant_id, "at": j.at} for j in jobs if not j.connected]
    table = Participant.__table__
    if joined:
        db.session.execute(table.update().where(table.c.id == sa.bindparam("pid")).values(
            connected_at=sa.bindparam("at"),
            joined_at=sa.func.coalesce(table.c.joined_at, sa.bindparam("at"))), joined)
    if left:
        db.session.execute(table.update().where(table.c.id == sa.bindparam("pid")).values(
            disconnected_at=sa.bindparam("at")), left)


def write_dropped(participant_ids: Iterable[int], at: datetime) -> list[int]:
    """Changes: disconnected_at = ``at`` for those connected since before ``at`` (the drops a
    killed process could not write, live.presence; one who connected again later, elsewhere,
    stays connected); no commit.  Who changed."""
    table = Participant.__table__
    connected = sa.and_(table.c.connected_at < at, sa.or_(
        table.c.disconnected_at.is_(None), table.c.disconnected_at < table.c.connected_at))
    changed = db.session.execute(table.update().where(table.c.id.in_(list(participant_ids)), connected)
                                 .values(disconnected_at=at).returning(table.c.id))
    return sorted(changed.scalars())


@dataclass(frozen=True)
class FocusJob:
    """A trainee's page lost focus or was hidden (切屏).  Counted with the next group of answers:
    a page (or a script) that reports it often must not cost a commit each time."""

    session_id: int
    participant_id: int
    at: datetime


def write_focus(jobs: list[FocusJob]) -> list[dict]:
    """Changes: each participant's tab-switch count and, at the paper's limit, finished_at (the
    attempt is submitted); the invigilators hear an alert after the commit.  No commit.  The
    acknowledgements, in the order of ``jobs``."""
    sessions = {s.id: s for s in db.session.scalars(
        sa.select(LiveSession).where(LiveSession.id.in_({j.session_id for j in jobs})))}
    people = {p.id: p for p in db.session.scalars(
        sa.select(Participant).where(Participant.id.in_({j.participant_id for j in jobs})))}
    acks = []
    for job in jobs:
        session, participant = sessions[job.session_id], people[job.participant_id]
        if session.status not in (SessionStatus.RUNNING, SessionStatus.PAUSED) or participant.finished_at is not None:
            acks.append({"ok": True, "tab_switches": participant.tab_switches})
            continue
        participant.tab_switches += 1
        submitted = bool(session.tab_switch_limit and participant.tab_switches >= session.tab_switch_limit)
        if submitted:
            participant.finished_at = job.at
        emit.to_staff(session, "alert", {"participant_id": participant.id, "kind": "tab_switch",
                                         "tab_switches": participant.tab_switches, "submitted": submitted})
        acks.append({"ok": True, "tab_switches": participant.tab_switches, "limit": session.tab_switch_limit,
                     "submitted": submitted})
    db.session.flush()
    return acks


def _refusal(job: AnswerJob, code: str, message: str) -> dict:
    return {"ok": False, "question_id": job.question_id, "seq": job.seq, "error": {"code": code, "message": message}}


def apply(job: AnswerJob, batch: Batch) -> dict:
    """Check and record one answer in the batch (grading.decide_answer on the batch's rows: the
    writer's adapter, as exams.operations.record_answer is the ORM's); the acknowledgement.
    Each participant's new total is collected in ``batch.totals`` for the leaderboard."""
    session = batch.sessions[job.session_id]
    participant = batch.participants[job.participant_id]
    question = batch.questions[job.question_id]
    try:
        check_answer(session, participant, question, job.received_at, batch.grace)
    except Refused as refused:
        return _refusal(job, refused.code, refused.message)
    key = (participant.id, question.id)
    existing = batch.answers.get(key)
    order = participant.option_orders.get(str(question.id)) if participant.option_orders else None
    seconds = seconds_into(session, job.received_at)
    decision = decide_answer(batch.snapshots[question.id], draw.to_canonical(order, job.choice or ""), job.seq,
                             seconds, stored_answer(existing), batch.policies[session.id],
                             assigned=question.id in participant.question_order)
    if decision.status is Recording.INVALID:
        return _refusal(job, "invalid_choice", "invalid choice")
    if decision.status is Recording.SAVED:
        if existing is None:
            existing = batch.answers[key] = batch.new_answer(participant.id, question.id)
        else:
            existing.changed = True
        store_decision(existing, participant, decision, job.seq, seconds, job.received_at, job.final)
    participant.last_seq, participant.changed = max(participant.last_seq, job.seq), True
    batch.totals[participant.id] = (job.session_id, participant.total + participant.bonus)  # the live board
    ack = {"ok": True, "status": decision.status.value, "question_id": job.question_id, "seq": job.seq}
    if session.show_key != ShowKey.NEVER and session.pacing == Pacing.TIMED:
        ack["answered"] = participant.answered
    return ack


class AnswerWriter:
    def __init__(self, app, batch_size: int = 512, wait_seconds: float = 0.02):
        self.app = app
        self.batch_size = batch_size
        self.wait_seconds = wait_seconds
        self.queue: Queue = Queue()
        self._worker = None
        self.batches = 0  # for tests and the benchmark: how many commits served how many answers
        self.answers = 0

    def submit(self, job: AnswerJob | FocusJob, timeout: float = 30.0) -> dict:
        self._ensure_worker()
        result = AsyncResult()
        self.queue.put((job, result))
        return result.get(timeout=timeout)

    def submit_nowait(self, job: PresenceJob) -> None:
        """Queue a presence change; nobody waits for it."""
        self._ensure_worker()
        self.queue.put((job, None))

    def _ensure_worker(self) -> None:
        if self._worker is None or self._worker.dead:
            self._worker = gevent.spawn(self._run)

    def _run(self) -> None:
        while True:
            batch = [self.queue.get()]
            until = time.monotonic() + self.wait_seconds
            while len(batch) < self.batch_size:
                left = until - time.monotonic()
                if left <= 0:
                    break
                try:
                    batch.append(self.queue.get(timeout=left))
                except Empty:
                    break
            self._process(batch)

    def _process(self, batch) -> None:
        presence = [job for job, _result in batch if isinstance(job, PresenceJob)]
        focus = [(job, result) for job, result in batch if isinstance(job, FocusJob)]
        batch = [(job, result) for job, result in batch if isinstance(job, AnswerJob)]
        with self.app.app_context():
            try:
                write_presence(presence)  # first: an answer right after joining sees its trainee connected
                acks, totals = self._commit([job for job, _result in batch])
            except Exception:
                log.exception("answer batch failed; writing its answers one by one")
                rollback()
                acks, totals = self._one_by_one(presence, batch)
            for (_job, result), ack in zip(batch, acks, strict=True):
                result.set(ack)
            if focus:
                self._focus(focus)
            try:
                self._presence_changed(presence)
                self._after({job.session_id for job, _result in batch}, totals)
                commit()  # the dashboards' emits and any question the progress closed
            except Exception:
                log.exception("after-commit work failed")
                rollback()
            finally:
                db.session.remove()

    def _focus(self, focus) -> None:
        """Tab switches in one transaction of their own, after the answers (whose commit never
        waits for them); each page is answered once it is on disk."""
        try:
            acks = write_focus([job for job, _result in focus])
            commit()  # and the alerts go out
        except Exception:
            log.exception("tab switches not counted")
            rollback()
            acks = [{"ok": False, "error": {"code": "server_error", "message": "not counted"}}] * len(focus)
        for (_job, result), ack in zip(focus, acks, strict=True):
            result.set(ack)

    def _one_by_one(self, presence: list[PresenceJob], batch) -> tuple[list[dict], dict]:
        """The fallback after a failed group: presence, then each answer in its own transaction.
        Every committed answer's total is kept (they are merged, not replaced, per commit)."""
        acks, totals = [], {}
        try:
            write_presence(presence)
            commit()
        except Exception:
            log.exception("presence changes lost")
            rollback()
        for job, _result in batch:
            try:
                more, changed = self._commit([job])
            except Exception:
                log.exception("answer %s failed", job)
                rollback()
                acks.append(_refusal(job, "server_error", "not saved, send again"))
            else:
                acks.extend(more)
                totals.update(changed)
        return acks, totals

    def _commit(self, jobs: list[AnswerJob]) -> tuple[list[dict], dict]:
        acks, totals = commit_answers(jobs)
        self.batches += 1
        self.answers += len(jobs)
        return acks, totals

    def _presence_changed(self, presence: list[PresenceJob]) -> None:
        by_session: dict[int, list[int]] = {}
        for job in presence:
            by_session.setdefault(job.session_id, []).append(job.participant_id)
        for session_id, participant_ids in by_session.items():
            dashboard.roster_changed(db.session.get(LiveSession, session_id), participant_ids)

    def _after(self, session_ids: set[int], totals: dict[int, tuple[int, object]]) -> None:
        """The leaderboard, then dashboard progress (which also closes a paced question that
        everyone present has answered)."""
        for session_id in session_ids:
            session = db.session.get(LiveSession, session_id)
            board = dashboard.board_for(session)
            changed = [pid for pid, (sid, _total) in totals.items() if sid == session_id]
            for participant_id in changed:
                board.set_total(participant_id, totals[participant_id][1])
            dashboard.progress_changed(session, changed, then=controls.close_if_all_answered)


def writer_for(app) -> AnswerWriter:
    runtime = runtime_for(app)
    if runtime.writer is None:
        runtime.writer = AnswerWriter(app, batch_size=int(app.config.get("LIVE_GROUP_COMMIT_MAX", 512)),
                                      wait_seconds=float(app.config.get("LIVE_GROUP_COMMIT_SECONDS", 0.02)))
    return runtime.writer
