"""The login session cookie, with its signing serializer built once instead of per request.

Flask makes a new URLSafeTimedSerializer (and JSON-encodes an empty dict to probe it) for every
request context, and Flask-SocketIO pushes a request context for every socket event: in an
answer burst that was a sixth of the server's time.  The serializer holds nothing per request,
so one per secret key serves them all."""
from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface


class SessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        self._serializers: dict = {}

    def get_signing_serializer(self, app: Flask):
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(key)
        if serializer is None and app.secret_key:
            serializer = super().get_signing_serializer(app)
            self._serializers = {key: serializer}  # a changed key replaces the old one
        return serializer
