"""Login rate limits, shared by the login page and the token API.

Only failed attempts count, per account (whatever account name is tried, existing or not) and
per address; the message never says which limit was hit or whether the account exists.
"""
from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address

from server.extensions import limiter


def _account_key() -> str:
    if request.is_json:
        value = (request.get_json(silent=True) or {}).get("employee_no", "")
    else:
        value = request.form.get("employee_no", "")
    return "account:" + str(value).strip().lower()[:64]


def _failed(response) -> bool:
    return response.status_code in (200, 400, 401)


def login_limits(view):
    """Decorate a login view with the per-account and per-address limits."""
    view = limiter.limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
        key_func=_account_key,
        methods=["POST"],
        deduct_when=_failed,
        scope="login-account",
    )(view)
    return limiter.limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
        key_func=get_remote_address,
        methods=["POST"],
        deduct_when=_failed,
        scope="login-address",
    )(view)
