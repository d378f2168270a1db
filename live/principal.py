"""Who is at the other end of a Socket.IO connection, and whether that still stands.

Decided once, at connect (login cookie or bearer token), and kept in the connection's own copy
of the Flask session (Flask-SocketIO manages one per connection), so every later event knows
its sender without trusting the client.  Every event also asks whether the sender's identity
still stands (``Identities``): an identity change (logout, password change or reset,
deactivation, role change, token revocation) bumps the account's session_version, and a
connection made at an older version is signed out.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from flask import session
from flask_login import current_user

from server.auth import operations
from server.models import User

# Refusals at connect (the connect_error's message; docs/protocol.md).
UNAUTHORIZED = "unauthorized"
PASSWORD_CHANGE_REQUIRED = "password_change_required"  # noqa: S105 (a code, not a password)


@dataclass(frozen=True)
class Principal:
    user_id: int
    employee_no: str
    role: str
    branch_id: int
    session_version: int


def authenticate_connection(auth) -> tuple[User | None, str | None]:
    """The user a new connection speaks for (the login cookie's, else ``auth["token"]``'s), or
    None and why it is refused.  An account that must still replace its one-time password is
    refused whichever way it comes (its cookie only opens the password page; the API refuses
    its tokens)."""
    user = None
    if current_user.is_authenticated:
        user = current_user._get_current_object()
    else:
        token = auth.get("token") if isinstance(auth, dict) else None
        api_token = operations.token_for(token) if isinstance(token, str) else None
        user = api_token.user if api_token else None
    if user is None:
        return None, UNAUTHORIZED
    if user.must_change_password:
        return None, PASSWORD_CHANGE_REQUIRED
    return user, None


SESSION_KEY = "live_principal"


def remember(user: User) -> Principal:
    principal = Principal(user.id, user.employee_no, user.role, user.branch_id, user.session_version)
    session[SESSION_KEY] = asdict(principal)
    return principal


def principal(connection=None) -> Principal | None:
    """The sender of the current event, from the connection's session (Flask's ``session``
    inside an event handler, or the mapping given).  A connection remembered before principals
    carried a session_version (a server upgraded mid-exam) has none, and no longer stands."""
    data = (session if connection is None else connection).get(SESSION_KEY)
    if not data:
        return None
    return Principal(**{"session_version": 0, **data})


class Identities:
    """Whether (user, session_version) pairs still stand, as this process last looked.

    One small indexed query (operations.session_stands) per user at most every
    ``LIVE_IDENTITY_SECONDS`` (default 1), whatever the number of connections and events; in
    between, a dictionary look-up.  A change made in this process is seen at once (``forget``
    after its commit); one made in another process is pushed to the connections by the message
    queue (live.emit.sign_out), and this cache only bounds how long a connection that missed it
    may act.  A version that fell never stands again, so a refusal is never looked up twice."""

    LIMIT = 50_000  # entries; past it the cache starts over (it only saves queries)

    def __init__(self):
        self._seen: dict[tuple[int, int], tuple[bool, float]] = {}

    def stands(self, app, sender: Principal) -> bool:
        key, moment = (sender.user_id, sender.session_version), time.monotonic()
        known = self._seen.get(key)
        if known is not None and (not known[0] or moment - known[1] < app.config.get("LIVE_IDENTITY_SECONDS", 1.0)):
            return known[0]
        with app.app_context():  # its own database session, released at once
            stands = operations.session_stands(*key)
        if len(self._seen) >= self.LIMIT:
            self._seen.clear()
        self._seen[key] = (stands, moment)
        return stands

    def forget(self, user_id: int) -> None:
        for key in [k for k in self._seen if k[0] == user_id]:
            del self._seen[key]

    def __len__(self) -> int:
        return len(self._seen)
