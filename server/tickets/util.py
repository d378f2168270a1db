"""What a ticket sign-in may do: enter its own session, and nothing else.

The login session of a ticket sign-in carries ``TICKET_KEY`` ({"ticket", "session", "nonce"});
server.access and live.principal call ``scope_stands`` to know whether it still holds."""
from __future__ import annotations

from server.access import TICKET_KEY
from server.extensions import db
from server.tickets.models import ExamTicket
from server.tickets.operations import still_valid

__all__ = ["TICKET_KEY", "may_reach", "scope_of", "scope_stands"]
# Endpoints a ticket sign-in may reach besides its own exam page (public pages stay public).
SCOPED_ENDPOINTS = {"auth.logout", "auth.set_language"}


def scope_of(ticket: ExamTicket) -> dict:
    return {"ticket": ticket.id, "session": ticket.session_id, "nonce": ticket.nonce}


def scope_stands(scope, user_id: int) -> str | None:
    """None when the ticket sign-in ``scope`` still holds for ``user_id``; else why not
    ("wrong": regenerated or not this user's, "ended", "removed")."""
    if not isinstance(scope, dict) or not isinstance(scope.get("ticket"), int):
        return "wrong"
    ticket = db.session.get(ExamTicket, scope["ticket"])
    if ticket is None or ticket.nonce != scope.get("nonce") or ticket.session_id != scope.get("session") \
            or ticket.participant.user_id != user_id:
        return "wrong"
    return still_valid(ticket).refusal


def may_reach(scope: dict, endpoint: str | None, view_args: dict | None) -> bool:
    if endpoint == "live_pages.exam":
        return (view_args or {}).get("session_id") == scope.get("session")
    return endpoint in SCOPED_ENDPOINTS
