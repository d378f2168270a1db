"""Text refused wherever it appears: a NUL character.  PostgreSQL cannot store or even compare
it, so one in any query parameter, form field or JSON string would otherwise end as a database
error (a 500) wherever it reached a query (a NUL typed into the login form did).  Checked once,
before any view runs: the API answers in its JSON error shape, pages with the error page."""
from __future__ import annotations

from flask import Flask, request
from flask_babel import gettext as _

from server.access import is_api_request
from server.errors import error_response, json_error


def _nul_in(value, path: str) -> str | None:
    """The path of the first string under ``value`` holding a NUL, or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return path or key
        found = _nul_in(item, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None


def refuse_nul():
    found = None
    for source in (request.args, request.form):
        for name, values in source.lists():
            found = found or _nul_in({name: values if len(values) > 1 else values[0]}, "")
    if found is None and request.is_json:
        found = _nul_in(request.get_json(silent=True), "")
    if found is None:
        return None
    message = _("%(field)s contains a NUL character; remove it and send again.", field=found)
    if is_api_request():
        return json_error(400, "invalid", message, found)
    return error_response(400, "invalid", message)


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul)
