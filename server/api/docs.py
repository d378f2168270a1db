"""The OpenAPI document (/api/v1/openapi.json) and a page that lists its operations (/api/docs).
The page is rendered here from the same document, with no script, so it works under the strict
CSP and loads nothing from elsewhere."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from marshmallow import Schema, fields

from server.access import public
from server.api.spec import cached_spec, operation

bp = Blueprint("api_docs", __name__)


class OpenAPIDocument(Schema):
    """The OpenAPI 3.1 document of this API"""

    openapi = fields.String(required=True)
    info = fields.Dict(required=True)
    paths = fields.Dict(required=True)
    components = fields.Dict(required=True)


@bp.route("/api/v1/openapi.json")
@public
@operation("This API's OpenAPI 3.1 document", tag="meta", responses={200: OpenAPIDocument})
def openapi_json():
    return jsonify(cached_spec())


@bp.route("/api/docs")
@public
def browse():
    spec = cached_spec()
    by_tag: dict[str, list[dict]] = {}
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            by_tag.setdefault(op["tags"][0], []).append({
                "method": method.upper(), "path": path, "summary": op["summary"], "access": op["x-access"],
                "description": op.get("description", ""),
                "parameters": [p["name"] + (" *" if p.get("required") else "") for p in op.get("parameters", [])],
                "body": "requestBody" in op, "responses": sorted(op["responses"])})
    return render_template("api/docs.html", spec=spec, by_tag=sorted(by_tag.items()))
