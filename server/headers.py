"""Security headers on every response, set by Flask-Talisman: a strict Content-Security-Policy
(scripts and styles from our own origin only: no inline code, no eval), no framing, no MIME
sniffing, the Referer kept to our own origin.  ``no_store`` keeps pages with results, answers,
one-time passwords or documents out of every cache (the browser's back button included).

HTTPS is not forced by default: a branch's network may serve plain HTTP on its own LAN; set
EXAMHALL_FORCE_HTTPS=true behind TLS (it also sends Strict-Transport-Security)."""
from __future__ import annotations

from functools import wraps

from flask import Flask, make_response
from flask_talisman import Talisman

SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "default-src": SELF,
    "script-src": SELF,
    "style-src": SELF,
    "img-src": [SELF, "data:"],  # the join QR code and Chart.js's exported images
    "connect-src": SELF,  # Socket.IO's polling and websocket to the same origin
    "font-src": SELF,
    "object-src": "'none'",
    "base-uri": SELF,
    "form-action": SELF,
    "frame-ancestors": "'none'",
}

talisman = Talisman()


def init_app(app: Flask) -> None:
    force_https = app.config.get("EXAMHALL_FORCE_HTTPS", False)
    talisman.init_app(
        app,
        force_https=force_https,
        strict_transport_security=force_https,
        # The cookies' flags are the configuration's (SESSION_COOKIE_SECURE), not Talisman's defaults.
        session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", False),
        session_cookie_http_only=True,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        x_content_type_options=True,
        permissions_policy={"camera": "()", "microphone": "()", "geolocation": "()"},
    )


def no_store(view):
    """The view's response is never stored by a browser or proxy (results, sheets, passwords)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return response

    return wrapped
