"""The issuing queue: document workers claim jobs from the issue_job table, hold them by a
heartbeat, and lose them when the heartbeat is older than the lease.

Why the table and not a queue library (RQ, Celery, procrastinate): the job row already carries
the progress the documents page shows, and a worker's group of documents, its progress and its
proof that it still holds the job commit in one database transaction.  "Each document issued
exactly once" is then the database's promise (with the unique index on current documents), not
a broker's delivery guarantee, and a cluster has no broker to deploy, back up or lose.

A claim is one UPDATE whose subquery picks the oldest claimable job.  On PostgreSQL the subquery
locks that row FOR UPDATE SKIP LOCKED, so workers claiming at once take different jobs without
waiting on each other, and the UPDATE's own WHERE repeats the test after the lock, so a job is
never taken twice.  SQLite ignores FOR UPDATE, and needs it not: one statement runs under its
single writer, so the same UPDATE is the compare-and-set there.

Nothing here renders or signs: operations.run_job does, in the worker process."""
from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from server.documents.models import IssueJob, JobState
from server.extensions import db
from server.models import utcnow


class LeaseLost(Exception):
    """Another worker took the job over (this one's heartbeat had expired): stop, commit nothing."""


def worker_name() -> str:
    """This process, as the job row names its holder: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def lease() -> timedelta:
    return timedelta(seconds=current_app.config["DOCUMENTS_LEASE_SECONDS"])


def _claimable(job, stale: datetime):
    """Queued, or running under a heartbeat older than the lease (its worker died or hangs), and
    no other job of the same session held by a live worker: one session's documents are issued
    by one worker at a time."""
    other = aliased(IssueJob)
    held_elsewhere = sa.exists().where(other.session_id == job.session_id, other.id != job.id,
                                       other.state == JobState.RUNNING, other.heartbeat_at >= stale)
    expired = sa.and_(job.state == JobState.RUNNING, sa.func.coalesce(job.heartbeat_at, job.created_at) < stale)
    return sa.and_(sa.or_(job.state == JobState.QUEUED, expired), ~held_elsewhere)


def claim(job_id: int | None = None, worker: str | None = None, take_over: bool = False) -> int | None:
    """Changes: marks the oldest claimable job (or job ``job_id``) running, held by ``worker``,
    and commits.  Returns its id, or None when there is nothing to take.  ``take_over`` takes job
    ``job_id`` whatever its state (the command line's and the tests' "run this job here")."""
    now = utcnow()
    stale = now - lease()
    if take_over:
        if job_id is None:
            raise ValueError("take_over needs a job id")
        condition = IssueJob.id == job_id
    else:
        pick = aliased(IssueJob)  # the subquery's own name for the table the UPDATE changes
        candidate = sa.select(pick.id).where(_claimable(pick, stale))
        if job_id is not None:
            candidate = candidate.where(pick.id == job_id)
        candidate = candidate.order_by(pick.id).limit(1).with_for_update(skip_locked=True).scalar_subquery()
        condition = sa.and_(IssueJob.id == candidate, _claimable(IssueJob, stale))
    claimed = db.session.execute(
        sa.update(IssueJob).where(condition)
        .values(state=JobState.RUNNING, claimed_by=worker or worker_name(), worker_pid=os.getpid(),
                started_at=now, heartbeat_at=now, finished_at=None, error=None)
        .returning(IssueJob.id)
        .execution_options(synchronize_session=False)).scalar()
    db.session.commit()
    return claimed


def beat(job_id: int, worker: str, **progress) -> None:
    """Changes (not committed): moves the job's heartbeat and ``progress`` (done, total, state...)
    on, if ``worker`` still holds it; else raises LeaseLost.  Called in the transaction that
    commits the worker's documents: on PostgreSQL the update locks the job's row, so a takeover
    happens before it (and this raises) or after it commits, never in between."""
    values = {"heartbeat_at": utcnow(), **progress}
    held = db.session.execute(
        sa.update(IssueJob).where(IssueJob.id == job_id, IssueJob.claimed_by == worker,
                                  IssueJob.state == JobState.RUNNING)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    if held != 1:
        raise LeaseLost(f"job {job_id} is no longer held by {worker}")


def release(job_id: int, worker: str) -> None:
    """Changes and commits: gives a job this worker holds back to the queue (the worker is
    stopping), so another worker takes it at once rather than after the lease."""
    db.session.rollback()
    db.session.execute(
        sa.update(IssueJob).where(IssueJob.id == job_id, IssueJob.claimed_by == worker,
                                  IssueJob.state == JobState.RUNNING)
        .values(state=JobState.QUEUED, claimed_by=None).execution_options(synchronize_session=False))
    db.session.commit()
