"""Issuing, regenerating and checking exam tickets.  Writes flush and never commit (the request
does, once)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from server.exams import signals
from server.exams.models import LiveSession, Participant
from server.extensions import db
from server.models import User
from server.tickets import codes
from server.tickets.models import ExamTicket
from server.vocabulary import SessionStatus


def _secret() -> str | bytes:
    return current_app.secret_key


def code_of(ticket: ExamTicket) -> str:
    """The ticket's code, derived again from its nonce (it is never stored)."""
    return codes.derive_code(_secret(), ticket.nonce, ticket.session_id, ticket.participant_id)


def _fill(ticket: ExamTicket) -> None:
    ticket.nonce = secrets.token_hex(16)
    ticket.lookup = codes.lookup_hash(_secret(), code_of(ticket))


def issue_tickets(session: LiveSession) -> int:
    """Changes: adds a ticket for every participant of ``session`` who has none.  Returns how
    many were added.  Does not commit."""
    have = set(db.session.scalars(sa.select(ExamTicket.participant_id).where(ExamTicket.session_id == session.id)))
    added = 0
    for participant_id in db.session.scalars(sa.select(Participant.id).where(Participant.session_id == session.id)):
        if participant_id in have:
            continue
        ticket = ExamTicket(participant_id=participant_id, session_id=session.id)
        _fill(ticket)
        db.session.add(ticket)
        added += 1
    db.session.flush()
    return added


def regenerate(participant: Participant) -> ExamTicket:
    """Changes: gives the participant a new code (issuing the ticket if there was none); the old
    code, and every sign-in made with it, stop working.  Does not commit."""
    ticket = db.session.scalar(sa.select(ExamTicket).where(ExamTicket.participant_id == participant.id))
    if ticket is None:
        ticket = ExamTicket(participant_id=participant.id, session_id=participant.session_id)
        db.session.add(ticket)
    _fill(ticket)
    db.session.flush()
    return ticket


@signals.session_created.connect
def _issue_on_creation(session: LiveSession) -> None:
    issue_tickets(session)


@dataclass(frozen=True)
class Check:
    ticket: ExamTicket | None
    refusal: str | None  # "wrong", "ended", "removed"


def find(employee_no: str, typed_code: str) -> Check:
    """The ticket ``typed_code`` stands for, if it is ``employee_no``'s and its session has not
    ended.  One keyed hash and one indexed look-up."""
    code = codes.normalise(typed_code or "")
    if code is None:
        return Check(None, "wrong")
    digest = codes.lookup_hash(_secret(), code)
    ticket = db.session.scalar(sa.select(ExamTicket).where(ExamTicket.lookup == digest))
    if ticket is None or not codes.same(ticket.lookup, digest):
        return Check(None, "wrong")
    user = db.session.get(User, ticket.participant.user_id)
    if user is None or not user.active or user.employee_no.lower() != (employee_no or "").strip().lower():
        return Check(None, "wrong")
    return still_valid(ticket)


def still_valid(ticket: ExamTicket) -> Check:
    if ticket.participant.removed:
        return Check(None, "removed")
    if db.session.get(LiveSession, ticket.session_id).status == SessionStatus.ENDED:
        return Check(None, "ended")
    return Check(ticket, None)
