"""How Flask-Login finds the current user: pages by the login cookie, the API by bearer token.

Each kind of request has exactly one way in.  Socket.IO connections use the login cookie, or a
bearer token in the connection's ``auth`` payload (see live/).
"""
from __future__ import annotations

from flask import g, request
from flask_login import LoginManager

from server.auth import operations
from server.models import User


def bearer_token() -> str | None:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def load_from_session(user_id: str) -> User | None:
    """``user_id`` is ``"<id>:<session_version>"``; an old version means the session was ended."""
    if request.path.startswith("/api/"):
        return None
    ident, _sep, version = user_id.partition(":")
    if not ident.isdigit() or not version.isdigit():
        return None
    return operations.current_user_for(int(ident), int(version))


def load_from_bearer(req) -> User | None:
    if not req.path.startswith("/api/"):
        return None
    token = operations.token_for(bearer_token() or "")
    if token is None:
        return None
    g.api_token = token
    return token.user


def init_app(login_manager: LoginManager) -> None:
    login_manager.user_loader(load_from_session)
    login_manager.request_loader(load_from_bearer)
    # "basic", not "strong": phones switch between Wi-Fi and mobile data during an exam.
    login_manager.session_protection = "basic"
    login_manager.login_view = "auth.login"
