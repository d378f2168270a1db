"""The audit log: who did what to a session and why, for actions an exam office must be able
to account for (regrades, revocations).  Entries join the caller's transaction."""
from __future__ import annotations

from server.exams.models import AuditEntry, LiveSession
from server.extensions import db
from server.models import User


def audit(actor: User | None, action: str, session: LiveSession | None, reason: str = "",
          **details) -> AuditEntry:
    """Changes: adds an audit entry (committed with the caller's transaction)."""
    entry = AuditEntry(actor_id=actor.id if actor else None, action=action,
                       session_id=session.id if session else None, reason=reason, details=details)
    db.session.add(entry)
    return entry
