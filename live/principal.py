"""Who is at the other end of a Socket.IO connection.

Decided once, at connect (login cookie or bearer token), and kept in the connection's own copy
of the Flask session (Flask-SocketIO manages one per connection), so every later event knows
its sender without trusting the client and without a database query.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from flask import session
from flask_login import current_user

from server.auth import operations
from server.models import User


@dataclass(frozen=True)
class Principal:
    user_id: int
    employee_no: str
    role: str
    branch_id: int


def authenticate_connection(auth) -> User | None:
    """The user a new connection speaks for: the login cookie's, else ``auth["token"]``'s."""
    if current_user.is_authenticated and not current_user.must_change_password:
        return current_user._get_current_object()
    token = auth.get("token") if isinstance(auth, dict) else None
    api_token = operations.token_for(token) if isinstance(token, str) else None
    return api_token.user if api_token else None


SESSION_KEY = "live_principal"


def remember(user: User) -> Principal:
    principal = Principal(user.id, user.employee_no, user.role, user.branch_id)
    session[SESSION_KEY] = asdict(principal)
    return principal


def principal(connection=None) -> Principal | None:
    """The sender of the current event, from the connection's session (Flask's ``session``
    inside an event handler, or the mapping given)."""
    data = (session if connection is None else connection).get(SESSION_KEY)
    return Principal(**data) if data else None
