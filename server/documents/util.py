"""Queries over issued documents."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import undefer

from server.documents.models import IssuedDocument
from server.exams.models import Participant
from server.extensions import db


def session_documents(session_id: int, with_content: bool = False) -> list[IssuedDocument]:
    """Every document of a session, each kind and participant's versions oldest first.
    ``with_content`` loads the PDFs in the same query (the ZIP needs them all)."""
    query = sa.select(IssuedDocument).where(IssuedDocument.session_id == session_id).order_by(
        IssuedDocument.kind, IssuedDocument.participant_id, IssuedDocument.version)
    if with_content:
        query = query.options(undefer(IssuedDocument.content))
    return list(db.session.scalars(query))


def participant_documents(participant: Participant, include_revoked: bool = False) -> list[IssuedDocument]:
    query = sa.select(IssuedDocument).where(IssuedDocument.participant_id == participant.id)
    if not include_revoked:
        query = query.where(IssuedDocument.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(IssuedDocument.kind, IssuedDocument.version)))
