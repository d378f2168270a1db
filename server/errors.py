"""Errors as users see them.

The JSON API answers every error in one shape: ``{"error": {"code", "message", "field"}}``.
Pages get a rendered error page.  Nothing reaches a user as a bare 500 traceback.
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound

log = logging.getLogger(__name__)


class OperationError(Exception):
    """A write refused for a reason the user can fix; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


def json_error(status: int, code: str, message: str, field: str | None = None):
    response = jsonify({"error": {"code": code, "message": message, "field": field}})
    response.status_code = status
    return response


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: ("bad_request", _("The request could not be understood.")),
        401: ("unauthorized", _("Sign in first.")),
        403: ("forbidden", _("You are not allowed to do this.")),
        404: ("not_found", _("There is nothing here.")),
        405: ("method_not_allowed", _("This address does not accept that method.")),
        413: ("too_large", _("The upload is too large.")),
        429: ("rate_limited", _("Too many attempts. Wait a moment and try again.")),
        500: ("server_error", _("Something went wrong on the server. It has been logged.")),
    }


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(status: int, code: str | None = None, message: str | None = None):
    default_code, default_message = _messages().get(status, ("error", _("The request failed.")))
    code, message = code or default_code, message or default_message
    if _wants_json():
        return json_error(status, code, message)
    try:
        return render_template("error.html", status=status, message=message), status
    except Exception:  # the error page itself failed: answer in plain text, never a traceback
        log.exception("error page failed to render")
        return message, status, {"Content-Type": "text/plain; charset=utf-8"}


def error_response(status: int, code: str, message: str):
    """An error as the page (or the API's JSON) says it, for a check that answers by itself."""
    return _render(status, code, message)


def _handle_http(exc: HTTPException):
    if isinstance(exc, CSRFError):
        return _render(400, "csrf", _("This form has expired. Reload the page and try again."))
    status = exc.code or 500
    if status == 413:
        limit_mb = request.max_content_length // (1024 * 1024) if request.max_content_length else 0
        return _render(413, message=_("The upload is larger than %(mb)d MB.", mb=limit_mb))
    # A message our own abort(404, message) gives says more than the general one (other
    # exceptions' descriptions, e.g. Flask-Limiter's limit, are not written for users).
    described = exc.description if isinstance(exc, NotFound) and exc.description != NotFound.description else None
    return _render(status, message=described)


def _handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _handle_http(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _render(InternalServerError.code)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)
