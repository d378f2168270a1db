"""The JSON API's authentication: bearer tokens for programmatic clients.

API requests are authenticated by their bearer token only, never by a login cookie, so the API
needs no CSRF token and a page's cookie can't be used against it.
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields, validate

from server.access import password_change_required, public, signed_in
from server.api.spec import operation
from server.auth import operations
from server.auth.limits import login_limits
from server.database import commit
from server.errors import json_error
from server.extensions import csrf
from server.models import User

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


class TokenIn(Schema):
    employee_no = fields.String(required=True, validate=validate.Length(min=1))
    password = fields.String(required=True, validate=validate.Length(min=1))


class BranchRef(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class UserOut(Schema):
    employee_no = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    branch = fields.Nested(BranchRef, required=True)


class TokenOut(Schema):
    """A new bearer token"""

    token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_at = fields.String(required=True)
    user = fields.Nested(UserOut, required=True)


class MeOut(Schema):
    """The token's user"""

    user = fields.Nested(UserOut, required=True)


def user_json(user: User) -> dict:
    return {
        "employee_no": user.employee_no,
        "name": user.name,
        "role": user.role,
        "branch": {"code": user.branch.code, "name": user.branch.name},
    }


@bp.route("/auth/token", methods=["POST"])
@public
@login_limits
@operation("Sign in: a bearer token for the API", tag="auth", body=TokenIn,
           responses={201: TokenOut, 401: "Error", 403: "Error", 429: "Error"},
           description="403 `password_change_required`: a one-time password opens only the web page.")
def create_token():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(400, "invalid_json", _("Send a JSON object."))
    for field in ("employee_no", "password"):
        if not isinstance(body.get(field), str) or not body[field]:
            return json_error(400, "missing_field", _("This field is required."), field)
    user = operations.authenticate(body["employee_no"], body["password"])
    if user is None:
        return json_error(401, "invalid_credentials", _("Employee number or password is not correct."))
    if user.must_change_password:  # a one-time password opens only the web page that replaces it
        return password_change_required()
    raw, token = operations.issue_token(user, current_app.config["API_TOKEN_TTL"])
    commit()
    return (
        jsonify(
            token=raw,
            token_type="Bearer",
            expires_at=token.expires_at.isoformat() + "Z",
            user=user_json(user),
        ),
        201,
    )


@bp.route("/auth/token", methods=["DELETE"])
@signed_in
@operation("Sign out: revoke the token sent", tag="auth", responses={204: None})
def revoke_token():
    operations.revoke_token(g.api_token)
    commit()
    return "", 204


@bp.route("/me")
@signed_in
@operation("Who the token belongs to", tag="auth", responses={200: MeOut})
def me():
    return jsonify(user=user_json(current_user))
