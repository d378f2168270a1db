"""One exam ticket per participant.  The code itself is never stored: it is derived from
``nonce`` with a key only the server holds (so a copy of the database alone reveals no code),
and found again by ``lookup``, a keyed hash of the code (server.tickets.codes)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.exams.models import Participant
from server.extensions import db
from server.models import utcnow


class ExamTicket(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), unique=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    nonce: Mapped[str] = mapped_column(sa.String(32))  # 128 random bits, hex; new on regeneration
    lookup: Mapped[str] = mapped_column(sa.String(64), unique=True)  # HMAC-SHA256 of the code, hex
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    participant: Mapped[Participant] = relationship()
