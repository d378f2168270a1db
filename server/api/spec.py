"""The OpenAPI 3.1 document of /api/v1, generated from the code.  Each API view declares its
operation with ``@operation(...)`` (marshmallow schemas for the body, the query and each response);
apispec turns the app's URL map, those declarations and each view's access rule into the document.
A route without a declaration is an error (tests/server/api/test_openapi.py), so the document
cannot drift from the routes.  Nothing here decides what a request may do."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields

from live.version import PROTOCOL_VERSION
from server.access import rule_for
from server.errors import OperationError
from server.types import MAX_ROW_ID

API_PREFIX = "/api/v1"
VERSION = "1.0.0"
_CONVERTER = re.compile(r"<(?:(?P<conv>[^:<>]+):)?(?P<name>[^<>]+)>")


class ErrorBody(Schema):
    code = fields.String(required=True, metadata={"description": "stable, machine-readable"})
    message = fields.String(required=True, metadata={"description": "for people, in the request's language"})
    field = fields.String(required=True, allow_none=True, metadata={"description": "the input at fault"})


class Error(Schema):
    """The one error shape of the API."""

    error = fields.Nested(ErrorBody, required=True)


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    responses: dict[int, object]  # status -> Schema class, a media type string, or None (no body)
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    multipart: dict[str, str] = field(default_factory=dict)  # form field -> description
    description: str = ""


def operation(summary: str, *, tag: str, responses: dict[int, object], body=None, query=None,
              multipart=None, description: str = ""):
    """Declare a view's API operation (what it takes and answers) for the OpenAPI document."""
    def decorate(view):
        view.api_operation = Operation(summary, tag, responses, body, query, multipart or {}, description)
        return view

    return decorate


def _first_error(messages, prefix: str = "") -> tuple[str, str]:
    """The first (field path, message) of marshmallow's nested error dict."""
    if isinstance(messages, dict):
        key, value = next(iter(messages.items()))
        path = f"{prefix}.{key}" if prefix else str(key)
        return _first_error(value, path)
    if isinstance(messages, list) and messages:
        return _first_error(messages[0], prefix)
    return prefix or None, str(messages)


def load(schema: type[Schema], data, *, query: bool = False) -> dict:
    """``data`` validated by ``schema``; a fault raises OperationError naming the field, which the
    API answers in the one error shape (400).  Unknown query parameters are ignored (as the web
    does); unknown body fields are refused, so a misspelt field never goes unnoticed."""
    from flask_babel import gettext as _

    if not query and not isinstance(data, dict):
        raise OperationError(_("Send a JSON object."), code="invalid_json")
    try:
        return schema(unknown=EXCLUDE if query else RAISE).load(data)
    except ValidationError as exc:
        where, detail = _first_error(exc.messages)
        raise OperationError(_("%(field)s: %(detail)s", field=where, detail=detail), field=where) from None


def openapi_path(rule: str) -> tuple[str, list[dict]]:
    """A Werkzeug rule as an OpenAPI path, with its path parameters."""
    row_id = {"type": "integer", "minimum": 0, "maximum": MAX_ROW_ID}
    params = [{"name": m["name"], "in": "path", "required": True,
               "schema": row_id if m["conv"] == "int" else {"type": "string"}} for m in _CONVERTER.finditer(rule)]
    return _CONVERTER.sub(r"{\g<name>}", rule), params


def api_endpoints(app: Flask):
    """(rule, view) for every route under /api/v1."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.rule.startswith(API_PREFIX + "/"):
            yield rule, app.view_functions[rule.endpoint]


def _response(value, status: int) -> dict:
    if value == "Error":
        return _error({401: "Wrong credentials", 403: "Refused", 409: "Not now", 429: "Too many attempts"}
                      .get(status, "Refused"))
    if value is None:
        return {"description": "No content" if status == 204 else "Done"}
    if isinstance(value, str):  # a media type: a file
        return {"description": "The file", "content": {value: {"schema": {"type": "string", "format": "binary"}}}}
    return {"description": value.__doc__.strip().splitlines()[0] if value.__doc__ else "OK",
            "content": {"application/json": {"schema": value}}}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": "Error"}}}


def build_spec(app: Flask) -> dict:
    spec = APISpec(title="Examhall API", version=VERSION, openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "Bearer tokens from POST /api/v1/auth/token. Errors: "
                                        "{\"error\": {\"code\", \"message\", \"field\"}}. The live "
                                        "protocol (Socket.IO, docs/protocol.md) has its own version: "
                                        "x-live-protocol, also in its whoami acknowledgement.",
                         "x-live-protocol": PROTOCOL_VERSION},
                   servers=[{"url": "/"}])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=Error)
    paths: dict[str, dict] = {}
    for rule, view in api_endpoints(app):
        op: Operation | None = getattr(view, "api_operation", None)
        if op is None:
            raise LookupError(f"{rule.rule} ({rule.endpoint}) has no @operation declaration")
        path, path_params = openapi_path(rule.rule)
        access = rule_for(app, rule.endpoint)
        responses = {str(status): _response(value, status) for status, value in op.responses.items()}
        parameters = list(path_params)
        if op.query is not None:
            parameters.append({"in": "query", "schema": op.query})
        if op.body is not None or op.multipart:
            responses.setdefault("400", _error("The input is not valid: `field` names it"))
        if path_params:
            responses.setdefault("404", _error("Not found, or not in the caller's branch scope"))
        if access is not None and not access.public:
            responses.setdefault("401", _error("No valid bearer token"))
            if access.roles is not None:
                responses.setdefault("403", _error("The caller's role may not do this"))
        document = {"summary": op.summary, "tags": [op.tag], "operationId": rule.endpoint.replace(".", "_"),
                    "responses": responses, "x-access": access.describe() if access else "denied"}
        if op.description:
            document["description"] = op.description
        if parameters:
            document["parameters"] = parameters
        document["security"] = [] if access is not None and access.public else [{"bearer": []}]
        if op.body is not None:
            document["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
        elif op.multipart:
            document["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "properties": {name: ({"type": "string", "format": "binary", "description": text}
                                                        if name == "file" else {"type": "string", "description": text})
                                                 for name, text in op.multipart.items()},
                "required": ["file"]}}}}
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        for method in methods:
            suffix = f"_{method.lower()}" if len(methods) > 1 else ""
            paths.setdefault(path, {})[method.lower()] = {**document,
                                                          "operationId": document["operationId"] + suffix}
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def cached_spec() -> dict:
    """The document, built once per app (routes do not change while it runs)."""
    store = current_app.extensions.setdefault("examhall_openapi", {})
    if "spec" not in store:
        store["spec"] = build_spec(current_app)
    return store["spec"]
