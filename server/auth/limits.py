"""Login throttling, shared by the login page and the token API (one set of counters for both).

Only failed attempts count.  Nobody can lock someone else out:
- per (account, address) pair, `LOGIN_LIMIT_PER_PAIR`: guessing one account from one place;
  the same account from another address, and other accounts from this one, are not affected,
  so behind one NAT address one trainee's typos (or a prankster's) block nobody else;
- per account from anywhere, `LOGIN_LIMIT_PER_ACCOUNT`: a ceiling far above anyone's typos,
  against guessing one account from many addresses;
- per address, `LOGIN_LIMIT_PER_ADDRESS`: a ceiling far above a room's typos, against trying a
  few passwords on every (sequential) employee number from one place.
A browser that signed in to an account before carries a signed device cookie naming it; its
attempts at that account are counted on their own (per account and device, with the pair's
limit) and the two ceilings don't apply to it, so someone who trips a ceiling does not shut out
the people who use their own browsers.  The answer never says which limit was hit or whether the
account exists.  Counters live in RATELIMIT_STORAGE_URI (Redis when several processes serve).
"""
from __future__ import annotations

import secrets
import unicodedata
from functools import lru_cache, wraps

from flask import abort, current_app, make_response, request
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse_many

from server.extensions import limiter

DEVICE_COOKIE = "examhall_device"
DEVICE_DAYS = 180
DEVICE_ACCOUNTS = 5  # a shared branch PC remembers the last few people who signed in on it


@lru_cache(maxsize=32)
def _limits(text: str) -> tuple:
    return tuple(parse_many(text)) if text and text.strip() else ()


def _account() -> str:
    if request.is_json:
        value = (request.get_json(silent=True) or {}).get("employee_no", "")
    else:
        value = request.form.get("employee_no", "")
    return unicodedata.normalize("NFKC", str(value)).strip().lower()[:64]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="login-device")


def _device() -> dict:
    """The device cookie's {"id", "accounts"}, or a new one (unsigned or expired cookies are new)."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if raw:
        try:
            data = _serializer().loads(raw, max_age=DEVICE_DAYS * 86400)
            if isinstance(data, dict) and isinstance(data.get("accounts"), list):
                return data
        except BadSignature:
            pass
    return {"id": secrets.token_urlsafe(12), "accounts": []}


class Attempt:
    """One POST to a login endpoint: which counters it is judged by and counts against."""

    def __init__(self):
        self.account, self.address, self.device = _account(), get_remote_address(), _device()
        config = current_app.config
        pair = _limits(config["LOGIN_LIMIT_PER_PAIR"])
        if self.account and self.account in self.device["accounts"]:
            self.counters = [(item, ("login-device", self.account, self.device["id"])) for item in pair]
        else:
            self.counters = [(item, ("login-pair", self.account, self.address)) for item in pair]
            self.counters += [(item, ("login-account", self.account))
                              for item in _limits(config["LOGIN_LIMIT_PER_ACCOUNT"])]
            self.counters += [(item, ("login-address", self.address))
                              for item in _limits(config["LOGIN_LIMIT_PER_ADDRESS"])]

    def allowed(self) -> bool:
        return all(limiter.limiter.test(item, *key) for item, key in self.counters)

    def failed(self) -> None:
        for item, key in self.counters:
            limiter.limiter.hit(item, *key)

    def succeeded(self, response) -> None:
        """Remember the account on this browser (pages only: API clients keep no cookies)."""
        if request.is_json or not self.account:
            return
        accounts = [self.account, *(a for a in self.device["accounts"] if a != self.account)]
        value = _serializer().dumps({"id": self.device["id"], "accounts": accounts[:DEVICE_ACCOUNTS]})
        response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_DAYS * 86400, httponly=True,
                            samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])


def login_limits(view):
    """Decorate a login view (page or API) with the throttling described above."""

    @wraps(view)
    def limited(*args, **kwargs):
        if request.method != "POST" or not current_app.config.get("RATELIMIT_ENABLED", True):
            return view(*args, **kwargs)
        attempt = Attempt()
        if not attempt.allowed():
            abort(429)
        response = make_response(view(*args, **kwargs))
        if response.status_code in (200, 400, 401):  # the form again, or refused credentials
            attempt.failed()
        elif response.status_code in (201, 302):
            attempt.succeeded(response)
        return response

    return limited
