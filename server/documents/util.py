"""Queries over issued documents."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import undefer

from server.documents.models import IssuedDocument
from server.exams.models import Participant
from server.extensions import db

ORDER = (IssuedDocument.kind, IssuedDocument.participant_id, IssuedDocument.version)


def session_documents(session_id: int) -> list[IssuedDocument]:
    """Every document of a session, each kind and participant's versions oldest first (without
    the PDFs: they are loaded when asked for)."""
    return list(db.session.scalars(sa.select(IssuedDocument).where(
        IssuedDocument.session_id == session_id).order_by(*ORDER)))


def documents_with_content(ids: list[int]) -> list[IssuedDocument]:
    """These documents with their PDFs, in one query, in session_documents' order."""
    return list(db.session.scalars(sa.select(IssuedDocument).options(undefer(IssuedDocument.content)).where(
        IssuedDocument.id.in_(ids)).order_by(*ORDER)))


def participant_documents(participant: Participant, include_revoked: bool = False) -> list[IssuedDocument]:
    query = sa.select(IssuedDocument).where(IssuedDocument.participant_id == participant.id)
    if not include_revoked:
        query = query.where(IssuedDocument.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(IssuedDocument.kind, IssuedDocument.version)))


def replacement(document: IssuedDocument) -> IssuedDocument | None:
    """The document issued in place of a revoked one: the same kind, for the same participant of
    the same session, a later version, not itself revoked.  None while there is none."""
    if not document.revoked:
        return None
    participant = (IssuedDocument.participant_id.is_(None) if document.participant_id is None
                   else IssuedDocument.participant_id == document.participant_id)
    return db.session.scalar(sa.select(IssuedDocument).where(
        IssuedDocument.session_id == document.session_id, IssuedDocument.kind == document.kind, participant,
        IssuedDocument.version > document.version, IssuedDocument.revoked_at.is_(None)))
