"""Document workers: jobs are claimed from the queue so that two workers never hold one job, a
web process only queues (it never renders or signs), and a worker killed mid-issue leaves its
job to another worker once the lease runs out, with every document issued exactly once."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdfs.signing import check_signature
from server.documents import operations as documents
from server.documents import queue, worker
from server.documents.identity import signer_spec
from server.documents.models import IssuedDocument, IssueJob, IssueReason
from server.exams.models import Participant
from server.extensions import db
from server.models import utcnow
from tests.builders import ANSWERS, answer_and_end
from tests.conftest import TEST_DATABASE
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def queued(app, ended):
    """A queued job for the ended session (nothing issued yet), that no process was started for."""
    db.session.execute(sa.delete(IssuedDocument))
    db.session.execute(sa.delete(IssueJob))
    job = documents._queue(ended, IssueReason.MANUAL)
    db.session.commit()
    return job


def test_a_job_is_claimed_once_and_a_stale_one_is_taken_over(queued):
    first = queue.claim(worker="node-a:1")
    assert first == queued.id
    assert queue.claim(worker="node-b:2") is None  # held: nothing else to take
    queue.beat(queued.id, "node-a:1", done=1)  # the holder's heartbeat is accepted
    db.session.commit()
    with pytest.raises(queue.LeaseLost):
        queue.beat(queued.id, "node-b:2", done=2)
    db.session.rollback()

    db.session.execute(sa.update(IssueJob).where(IssueJob.id == queued.id).values(
        heartbeat_at=utcnow() - queue.lease() - timedelta(seconds=1)))  # node-a stopped beating
    db.session.commit()
    assert queue.claim(worker="node-b:2") == queued.id
    with pytest.raises(queue.LeaseLost):  # node-a wakes up: it may not commit anything more
        queue.beat(queued.id, "node-a:1", done=3)
    db.session.rollback()
    assert db.session.get(IssueJob, queued.id, populate_existing=True).claimed_by == "node-b:2"


def test_a_claim_skips_a_job_another_transaction_has_locked(queued, app):
    """PostgreSQL: SKIP LOCKED, so a worker never waits behind another worker's claim."""
    if TEST_DATABASE != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of `make test` (SQLite has one writer: no row locks)")
    with db.engine.connect() as other:
        other.execute(sa.select(IssueJob.id).where(IssueJob.id == queued.id).with_for_update())
        assert queue.claim(worker="node-b:2") is None
        other.rollback()
    assert queue.claim(worker="node-b:2") == queued.id


def test_a_cluster_web_process_only_queues_and_a_worker_issues(app, ended):
    """DOCUMENTS_START_WORKER off (a cluster): asking for documents adds a queued job and starts
    nothing; a worker claims it."""
    app.config.update(DOCUMENTS_INLINE=False, DOCUMENTS_START_WORKER=False)
    db.session.execute(sa.delete(IssuedDocument))
    db.session.commit()
    job = documents.start_issuing(ended, IssueReason.MANUAL)
    db.session.commit()
    db.session.refresh(job)
    assert (job.state, job.claimed_by, job.worker_pid) == ("queued", None, None)
    assert worker.work(processes=1, until_idle=True) == 1
    db.session.refresh(job)
    assert (job.state, job.done, job.total) == ("done", 7, 7)
    assert job.claimed_by == queue.worker_name()


def _start_worker(database_url: str, instance: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "EXAMHALL_INSTANCE_PATH": instance,
           "SECRET_KEY": "test-secret-key", "EXAMHALL_BASE_URL": "https://exam.example.cn",
           "DOCUMENTS_LEASE_SECONDS": "5", "DOCUMENTS_POLL_SECONDS": "0.2"}
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "documents", "worker",
                                 "--processes", "1"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def test_a_worker_killed_mid_issue_leaves_its_job_to_another(app, started, make_trainees, migrated, tmp_path):
    """Two worker services; kill -9 the one issuing part-way: the other takes the job over when
    the lease runs out and finishes it, and every document is issued exactly once."""
    if TEST_DATABASE != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of `make test` (a cluster's database)")
    extra = make_trainees(20, prefix="K")
    for user in extra:
        db.session.add(Participant(session_id=started.id, user_id=user.id, branch_id=user.branch_id,
                                   question_order=[q.id for q in sorted(started.questions, key=lambda q: q.position)]))
    db.session.commit()
    app.config.update(DOCUMENTS_AUTO_ISSUE=False)
    answer_and_end(started, {**ANSWERS, **{user.employee_no: ANSWERS["S000"] for user in extra}})
    signer_spec()  # the authority, made once before two processes could race to make it
    job_id = documents._queue(started, IssueReason.MANUAL).id
    db.session.commit()

    first = _start_worker(migrated, app.instance_path, tmp_path / "first.log")
    second = None
    try:
        def under_way():  # the first worker holds the job and has committed a group of documents
            db.session.expire_all()
            job = db.session.get(IssueJob, job_id)
            return job if job.claimed_by and job.claimed_by.endswith(f":{first.pid}") \
                and job.done >= documents.COMMIT_EVERY else None

        job = wait_until(under_way, timeout=60, message="the first worker never committed a group of documents")
        assert job.state == "running" and job.done < job.total == 2 * 24 - 2 + 1
        second = _start_worker(migrated, app.instance_path, tmp_path / "second.log")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)

        def finished():
            db.session.expire_all()
            job = db.session.get(IssueJob, job_id)
            return job if job.state in ("done", "failed") else None

        job = wait_until(finished, timeout=120, message="no worker finished the killed worker's job")
        assert (job.state, job.done, job.total, job.error) == ("done", 47, 47, None)
        assert job.claimed_by.endswith(f":{second.pid}")
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)  # a worker's stop: it ends, giving back what it held
                process.wait(timeout=30)
    assert second.returncode == 0, (tmp_path / "second.log").read_text()

    rows = db.session.scalars(sa.select(IssuedDocument).where(IssuedDocument.session_id == started.id)).all()
    assert len(rows) == 47 and not any(row.revoked for row in rows)
    assert len({(row.kind, row.participant_id) for row in rows}) == 47
    authority = signer_spec().authority_pem()
    for row in rows:
        assert hashlib.sha256(row.content).hexdigest() == row.sha256
        assert check_signature(row.content, authority).ok
