"""Group commit for answers.  Thousands of trainees answering in the same second cannot each
have their own fsync; answers received within a few milliseconds are graded and written in one
transaction, and each is acknowledged only after that transaction is on disk.

A handler calls submit(), which blocks its own greenlet (others keep running) until the batch
holding the answer has committed; then the acknowledgement goes back to the trainee.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

import gevent
import sqlalchemy as sa
from gevent.event import AsyncResult
from gevent.queue import Empty, Queue

from live import engine
from server.exams import operations
from server.exams.models import Answer, LiveSession, Participant, SessionQuestion
from server.exams.scoring import policy_for, snapshot
from server.extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnswerJob:
    session_id: int
    participant_id: int
    question_id: int
    choice: str
    seq: int
    received_at: datetime  # the server's clock when the answer arrived; deadlines use this


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
_ANSWER_FIELDS = ("choice", "seq", "points", "bonus", "outcome", "seconds", "received_at")
# Only what checking and grading read: each column costs a conversion per row (JSON, dates).
_PARTICIPANT_READ = [_PARTICIPANT.c[name] for name in (
    "id", "total", "answered", "last_seq", "removed", "finished_at", "extra_seconds", "question_order",
    "option_orders")]
_ANSWER_READ = [_ANSWER.c[name] for name in (
    "id", "participant_id", "session_question_id", "choice", "seq", "points", "bonus", "outcome")]


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
        self.grace = engine.grace()
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
        participants = [{"b_id": p.id, "b_total": p.total, "b_answered": p.answered, "b_last_seq": p.last_seq}
                        for p in self.participants.values() if getattr(p, "changed", False)]
        if participants:
            db.session.execute(sa.update(_PARTICIPANT).where(_PARTICIPANT.c.id == sa.bindparam("b_id")).values(
                total=sa.bindparam("b_total"), answered=sa.bindparam("b_answered"),
                last_seq=sa.bindparam("b_last_seq")), participants)


def commit_answers(jobs: list[AnswerJob]) -> tuple[list[dict], dict]:
    """Check, grade and store ``jobs`` in one transaction; their acknowledgements, and each
    participant's new total."""
    batch = Batch(jobs)
    acks = [apply(job, batch) for job in jobs]
    batch.write()
    db.session.commit()
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


def apply(job: AnswerJob, batch: Batch) -> dict:
    """Check and record one answer in the current transaction; the acknowledgement payload.
    Each participant's new total is collected in ``batch.totals`` for the leaderboard."""
    session = batch.sessions[job.session_id]
    participant = batch.participants[job.participant_id]
    question = batch.questions[job.question_id]
    try:
        engine.check_answer(session, participant, question, job.received_at, batch.grace)
    except engine.Refused as refused:
        return {"ok": False, "question_id": job.question_id, "seq": job.seq,
                "error": {"code": refused.code, "message": refused.message}}
    recorded = operations.record_answer(session, participant, question, job.choice, job.seq,
                                        engine.seconds_into(session, job.received_at), job.received_at,
                                        existing=batch.answers.get((participant.id, question.id)),
                                        prefetched=batch.answers, create=batch.new_answer,
                                        snap=batch.snapshots[question.id], policy=batch.policies[session.id])
    if recorded.status == "invalid":
        return {"ok": False, "question_id": job.question_id, "seq": job.seq,
                "error": {"code": "invalid_choice", "message": "invalid choice"}}
    if recorded.status == "saved":
        batch.answers[(participant.id, question.id)].changed = True
    participant.last_seq, participant.changed = max(participant.last_seq, job.seq), True
    batch.totals[participant.id] = (job.session_id, participant.total)
    ack = {"ok": True, "status": recorded.status, "question_id": job.question_id, "seq": job.seq}
    if session.show_key != "never" and session.mode == "timed":
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
        self.totals: dict = {}  # participant id -> (session id, total) from the last batch

    def submit(self, job: AnswerJob, timeout: float = 30.0) -> dict:
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
        batch = [(job, result) for job, result in batch if not isinstance(job, PresenceJob)]
        with self.app.app_context():
            try:
                write_presence(presence)  # first: an answer right after joining sees its trainee connected
                acks = self._commit([job for job, _result in batch])
            except Exception:
                log.exception("answer batch failed; writing its answers one by one")
                db.session.rollback()
                acks = []
                try:
                    write_presence(presence)
                    db.session.commit()
                except Exception:
                    log.exception("presence changes lost")
                    db.session.rollback()
                for job, _result in batch:
                    try:
                        acks.extend(self._commit([job]))
                    except Exception:
                        log.exception("answer %s failed", job)
                        db.session.rollback()
                        acks.append({"ok": False, "question_id": job.question_id, "seq": job.seq,
                                     "error": {"code": "server_error", "message": "not saved, send again"}})
            for (_job, result), ack in zip(batch, acks, strict=True):
                result.set(ack)
            try:
                self._presence_changed(presence)
                self._after(batch)
            except Exception:
                log.exception("after-commit work failed")
                db.session.rollback()
            finally:
                db.session.remove()

    def _commit(self, jobs: list[AnswerJob]) -> list[dict]:
        acks, self.totals = commit_answers(jobs)
        self.batches += 1
        self.answers += len(jobs)
        return acks

    def _presence_changed(self, presence: list[PresenceJob]) -> None:
        by_session: dict[int, list[int]] = {}
        for job in presence:
            by_session.setdefault(job.session_id, []).append(job.participant_id)
        for session_id, participant_ids in by_session.items():
            engine.roster_changed(db.session.get(LiveSession, session_id), participant_ids)

    def _after(self, batch) -> None:
        """The leaderboard, then dashboard progress (which also closes a paced question that
        everyone connected has answered)."""
        from live.standings import board_for

        for session_id in {job.session_id for job, _result in batch}:
            session = db.session.get(LiveSession, session_id)
            board = board_for(self.app, session)
            changed = [pid for pid, (sid, _total) in self.totals.items() if sid == session_id]
            for participant_id in changed:
                board.set_total(participant_id, self.totals[participant_id][1])
            engine.progress_changed(session, changed)


def writer_for(app) -> AnswerWriter:
    writer = app.extensions.get("examhall_answer_writer")
    if writer is None:
        writer = AnswerWriter(app, batch_size=int(app.config.get("LIVE_GROUP_COMMIT_MAX", 512)),
                              wait_seconds=float(app.config.get("LIVE_GROUP_COMMIT_SECONDS", 0.02)))
        app.extensions["examhall_answer_writer"] = writer
    return writer
