"""Issued PDFs and the background jobs that issue them.

A document row holds the signed bytes, their SHA-256 and the verification code together, and is
written in one transaction: there is never a code without a PDF or a PDF without a record."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from server.exams.models import LiveSession, Participant
from server.extensions import db
from server.models import User, utcnow
from server.types import one_of


class DocumentKind(StrEnum):
    CERTIFICATE = "certificate"  # for each participant who passed
    TRAINEE_SHEET = "trainee_sheet"  # for each participant
    SESSION_SHEET = "session_sheet"  # one per session


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class IssueReason(StrEnum):
    ENDED = "ended"  # the session ended
    REGRADE = "regrade"  # a regrade superseded documents
    MANUAL = "manual"  # staff asked (继续签发) or the CLI


class IssuedDocument(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(24), unique=True)  # random, 80 bits
    number: Mapped[str] = mapped_column(sa.String(40))  # printed on the document
    kind: Mapped[str] = mapped_column(sa.String(16))
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("participant.id", ondelete="CASCADE"),
                                                       index=True)
    version: Mapped[int] = mapped_column(default=1)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int]
    content: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))
    # What the document says, kept as issued for the verification page (minimal personal data).
    summary: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(sa.Text)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    session: Mapped[LiveSession] = relationship()
    participant: Mapped[Participant | None] = relationship()
    revoked_by: Mapped[User | None] = relationship()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    __table_args__ = (
        one_of("kind", DocumentKind, "kind_known"),
        # At most one current (unrevoked) document of a kind per participant: two issuing runs
        # racing each other cannot both succeed.
        sa.Index("uq_issued_document_current", "session_id", "kind", sa.text("coalesce(participant_id, 0)"),
                 unique=True, sqlite_where=sa.text("revoked_at IS NULL"),
                 postgresql_where=sa.text("revoked_at IS NULL")),
    )


class IssueJob(db.Model):
    """Issuing a session's documents in the background.  Progress is ``done`` of ``total``; a job
    whose heartbeat stopped was interrupted and can be resumed (documents already issued stay).
    A document worker holds a running job (``claimed_by``) while its heartbeat is younger than
    the lease (server/documents/queue.py); after that any worker may take it over."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(16))  # an IssueReason
    state: Mapped[str] = mapped_column(sa.String(8), default=JobState.QUEUED)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    base_url: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    worker_pid: Mapped[int | None]  # the process running it, for an operator who must stop it
    claimed_by: Mapped[str | None] = mapped_column(sa.String(120))  # the worker holding it: host:pid

    session: Mapped[LiveSession] = relationship()

    __table_args__ = (one_of("state", JobState, "state_known"), one_of("reason", IssueReason, "reason_known"),
                      sa.Index("ix_issue_job_state", "state", "id"))
