"""`flask --app wsgi documents issue SESSION_ID`: issue (or finish issuing) a session's documents
in the foreground, on every core; what is already issued stays as it is.
`flask --app wsgi documents worker`: the document worker service (server/documents/worker.py)."""
from __future__ import annotations

import threading

import click
from flask.cli import AppGroup

from server.database import commit
from server.documents import operations, queue, worker
from server.documents.identity import signer_spec
from server.documents.models import IssueJob, IssueReason, JobState
from server.exams.models import LiveSession, SessionStatus
from server.extensions import db
from server.models import utcnow

documents_cli = AppGroup("documents", help="Certificates and score sheets.")


@documents_cli.command("issue")
@click.argument("session_id", type=int)
@click.option("--processes", type=int, default=None, help="Worker processes (default: every core).")
def issue_command(session_id: int, processes: int | None):
    """Issue the documents a session is missing."""
    session = db.session.get(LiveSession, session_id)
    if session is None:
        raise click.ClickException(f"no session {session_id}")
    if session.status != SessionStatus.ENDED:
        raise click.ClickException(f"session {session_id} has not ended; documents are issued after the end")
    # Held by this process from the start: a worker service never sees it queued.
    holder = queue.worker_name()
    job = IssueJob(session_id=session.id, reason=IssueReason.MANUAL, base_url=operations.public_base_url(),
                   state=JobState.RUNNING, claimed_by=holder, heartbeat_at=utcnow())
    db.session.add(job)
    commit()
    job = operations.run_job(job.id, processes=processes, worker=holder)
    if job.state != "done":
        raise click.ClickException(f"issuing failed: {job.error or job.state}")
    click.echo(f"Session {session_id}: {job.done} of {job.total} documents issued.")


@documents_cli.command("worker")
@click.option("--processes", type=int, default=None,
              help="Processes that render and sign (default: DOCUMENTS_PROCESSES, else every core).")
@click.option("--until-idle", is_flag=True, help="End when no job is left to claim.")
def worker_command(processes: int | None, until_idle: bool):
    """Claim issuing jobs from the queue and issue their documents, until stopped (SIGTERM gives
    the current job back to the queue)."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stopped = threading.Event()
    worker.stop_on_sigterm(stopped)
    try:
        ran = worker.work(processes, until_idle, stopped)
    except worker.Stopping:
        return
    click.echo(f"{ran} job(s) issued.")


@documents_cli.command("authority")
def authority_command():
    """Make the instance's signing authority now, if it has none, and print where the signing
    identity lives (in a cluster: make it on one node, copy the folder to the others)."""
    spec = signer_spec()
    click.echo(spec.pkcs12 or spec.folder)
