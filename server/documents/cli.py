"""`flask --app wsgi documents issue SESSION_ID`: issue (or finish issuing) a session's documents
in the foreground, on every core; what is already issued stays as it is."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from server.database import commit
from server.documents import operations
from server.documents.models import IssueJob, IssueReason
from server.exams.models import LiveSession, SessionStatus
from server.extensions import db

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
    job = IssueJob(session_id=session.id, reason=IssueReason.MANUAL, base_url=operations.public_base_url())
    db.session.add(job)
    commit()
    job = operations.run_job(job.id, processes=processes)
    if job.state != "done":
        raise click.ClickException(f"issuing failed: {job.error}")
    click.echo(f"Session {session_id}: {job.done} of {job.total} documents issued.")
