"""Who is at the other end of a Socket.IO connection, and whether that still stands.

Decided once, at connect (login cookie or bearer token), and kept in the connection's own copy
of the Flask session (Flask-SocketIO manages one per connection), so every later event knows
its sender without trusting the client.  Every event also asks whether the sender's identity
still stands (``Identities``): an identity change (logout, password change or reset,
deactivation, role change, token revocation) bumps the account's session_version, and a
connection made at an older version is signed out.
"""
from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass

from flask import session
from flask_login import current_user

from server.access import TICKET_KEY
from server.auth import operations
from server.models import User
from server.tickets.util import scope_stands

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
    ticket_session: int | None = None  # signed in by exam ticket: this session only (server.tickets)


def authenticate_connection(auth) -> tuple[User | None, str | None]:
    """The user a new connection speaks for (the login cookie's, else ``auth["token"]``'s), or
    None and why it is refused.  An account that must still replace its one-time password is
    refused whichever way it comes (its cookie only opens the password page; the API refuses
    its tokens)."""
    user = None
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        scope = session.get(TICKET_KEY)
        if scope is not None:  # an exam ticket's sign-in: valid until its session ends
            return (None, UNAUTHORIZED) if scope_stands(scope, user.id) else (user, None)
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
    scope = session.get(TICKET_KEY)
    principal = Principal(user.id, user.employee_no, user.role, user.branch_id, user.session_version,
                          scope["session"] if scope else None)
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
    """Which session_version of each account still stands, as this process last read it.

    One query reads every account this process holds connections for, at most once every
    ``LIVE_IDENTITY_SECONDS`` (default 1), however many connections and events there are; in
    between, an event costs a dictionary look-up.  A connection's account is learnt at connect.
    A change made in this process is seen at once (``forget`` after its commit); one made in
    another process is pushed to the connections through the message queue
    (live.emit.sign_out), and this only bounds how long a connection that missed it may act."""

    IDLE_SECONDS = 600.0  # accounts not heard from for this long are no longer read

    def __init__(self):
        # user id -> (version that stands, must still replace a one-time password), or None
        self._standing: dict[int, tuple[int, bool] | None] = {}
        self._used: dict[int, float] = {}
        self._read_at = float("-inf")
        self._lock = threading.Lock()  # one reader at a time; the others then find it fresh

    def learn(self, user_id: int, session_version: int, must_change_password: bool = False) -> None:
        """At connect: the account was just read, and stands at this version."""
        self._standing[user_id] = (session_version, must_change_password)
        self._used[user_id] = time.monotonic()

    def stands(self, app, sender: Principal) -> bool:
        moment = time.monotonic()
        self._used[sender.user_id] = moment
        if sender.user_id not in self._standing or moment - self._read_at >= app.config.get(
                "LIVE_IDENTITY_SECONDS", 1.0):
            self._read(app, sender.user_id)
        standing = self._standing.get(sender.user_id)
        # An account that must replace its one-time password may still sit an exam by ticket.
        return standing is not None and standing[0] == sender.session_version and (
            not standing[1] or sender.ticket_session is not None)

    def _read(self, app, user_id: int) -> None:
        with self._lock:
            moment = time.monotonic()
            if user_id in self._standing and moment - self._read_at < app.config.get("LIVE_IDENTITY_SECONDS", 1.0):
                return  # another greenlet read while this one waited
            wanted = {u for u, used in self._used.items() if moment - used < self.IDLE_SECONDS} | {user_id}
            with app.app_context():  # its own database session, released at once
                standing = operations.standing_versions(wanted)
            self._standing = {u: standing.get(u) for u in wanted}
            self._used = {u: self._used.get(u, moment) for u in wanted}
            self._read_at = moment

    def forget(self, user_id: int) -> None:
        self._standing.pop(user_id, None)

    def __len__(self) -> int:
        return len(self._standing)
