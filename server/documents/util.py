"""Queries over issued documents."""
from __future__ import annotations

import sqlalchemy as sa

from server.documents.models import IssuedDocument
from server.exams.models import Participant
from server.extensions import db


def participant_documents(participant: Participant, include_revoked: bool = False) -> list[IssuedDocument]:
    query = sa.select(IssuedDocument).where(IssuedDocument.participant_id == participant.id)
    if not include_revoked:
        query = query.where(IssuedDocument.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(IssuedDocument.kind, IssuedDocument.version)))
