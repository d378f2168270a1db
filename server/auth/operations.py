"""Writes and look-ups for signing in.  Each write function says what it changes and flushes;
none commits (the request does, once)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from blinker import Namespace
from flask_babel import gettext as _

from server.auth import passwords, policy
from server.errors import OperationError
from server.extensions import db
from server.models import ApiToken, User, utcnow

# Sent with the user's id whenever an identity change ends their sessions (logout, password
# change or reset, deactivation, role change, token revocation).  live/ listens, and signs the
# user's open connections out once the change is committed; server/ never imports live/.
identity_changed = Namespace().signal("identity-changed")


def find_user(employee_no: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.employee_no == employee_no.strip()))


def authenticate(employee_no: str, password: str) -> User | None:
    """The active user with these credentials, or None.  Takes as long for unknown accounts.

    Changes: upgrades the stored hash to the standard profile when it was made with another one.
    Does not commit: the caller commits with what the login changes (record_login, issue_token).
    """
    user = find_user(employee_no) if employee_no else None
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def record_login(user: User) -> None:
    """Changes: the user's last_login_at.  Does not commit."""
    user.last_login_at = utcnow()
    db.session.flush()


def password_problem(user: User, password: str) -> str | None:
    """Why ``user`` may not choose ``password`` (server.auth.policy), or None."""
    return policy.password_problem(password, user.employee_no, user.name)


def change_password(user: User, current: str, new: str) -> None:
    """Changes: the user's password hash; clears must_change_password; ends every other session
    and revokes the user's API tokens (session_version is bumped).  Does not commit."""
    if not passwords.verify_password(user.password_hash, current):
        raise OperationError(_("The current password is not correct."), field="current_password")
    if new == current:
        raise OperationError(_("Choose a password different from the current one."), field="new_password")
    problem = password_problem(user, new)
    if problem:
        raise OperationError(problem, field="new_password")
    user.password_hash = passwords.hash_password(new)
    user.must_change_password = False
    end_all_sessions(user)
    db.session.flush()


def end_all_sessions(user: User) -> None:
    """Changes: bumps session_version (old login cookies and open live connections stop working)
    and revokes API tokens.  Does not commit."""
    sign_out_everywhere(user)
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def sign_out_everywhere(user: User) -> None:
    """Changes: bumps session_version, so every login cookie issued so far (a copied one too) is
    refused and the user's open live connections are signed out once this commits.  API tokens
    are left alone (a logout in the browser does not stop a script).  Does not commit."""
    user.session_version += 1
    db.session.flush()
    identity_changed.send(user.id)


def current_user_for(user_id: int, session_version: int) -> User | None:
    """The user behind a login session or live connection made at ``session_version``, if it
    still stands: same version, account active.  One indexed look-up."""
    user = db.session.get(User, user_id)
    if user is None or user.session_version != session_version or not user.active:
        return None
    return user


def standing_versions(user_ids) -> dict[int, tuple[int, bool]]:
    """{user id: (session_version, must_change_password)} for the active accounts of
    ``user_ids``: what live connections are checked against (one waiting for a new password may
    act only through an exam ticket).  One query by primary key (in chunks SQLite accepts)."""
    ids, standing = sorted(user_ids), {}
    for start in range(0, len(ids), 900):
        rows = db.session.execute(sa.select(User.id, User.session_version, User.must_change_password).where(
            User.id.in_(ids[start:start + 900]), User.active.is_(True)))
        standing.update({row.id: (row.session_version, row.must_change_password) for row in rows})
    return standing


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, ttl: timedelta) -> tuple[str, ApiToken]:
    """Changes: adds an ApiToken row.  Returns the raw token, which is never stored.
    Does not commit."""
    raw = "exh_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, token_hash=_token_digest(raw), expires_at=utcnow() + ttl)
    db.session.add(token)
    db.session.flush()
    return raw, token


def revoke_token(token: ApiToken) -> None:
    """Changes: marks the token revoked and bumps the user's session_version, so a live
    connection opened with the token closes too (as do the user's other sessions: a connection
    does not record which token opened it).  Does not commit."""
    token.revoked_at = utcnow()
    sign_out_everywhere(token.user)


def token_for(raw: str, now: datetime | None = None) -> ApiToken | None:
    """The usable token ``raw`` stands for (not revoked, not expired, its user active), or None."""
    if not raw:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _token_digest(raw)))
    if token is None or not token.usable(now or utcnow()) or not token.user.active:
        return None
    return token
