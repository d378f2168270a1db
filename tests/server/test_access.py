"""Every route states who may use it, and the rule is enforced before the view runs."""
from __future__ import annotations

import re

from flask import Blueprint

from server.access import rule_for
from tests.conftest import fresh


def _routes(app):
    for rule in app.url_map.iter_rules():
        yield rule.endpoint, rule


def test_every_registered_route_has_an_access_rule(app):
    missing = sorted({endpoint for endpoint, _rule in _routes(app) if rule_for(app, endpoint) is None})
    assert missing == [], f"routes without an access rule: {missing}"


def test_a_route_without_a_rule_is_refused(make_app):
    app = make_app()
    extra = Blueprint("forgotten", __name__)

    @extra.route("/forgotten")
    def forgotten():
        return "this must never be served"

    app.register_blueprint(extra)
    response = app.test_client().get("/forgotten")
    assert response.status_code == 403
    assert b"this must never be served" not in response.data


def _concrete_url(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", rule.rule).replace("<path:", "")


def _protected_get_routes(app):
    for endpoint, rule in _routes(app):
        access = rule_for(app, endpoint)
        if access.public or "GET" not in rule.methods:
            continue
        yield endpoint, _concrete_url(rule), access


def test_anonymous_visitors_are_sent_to_login_or_get_401(app, client):
    checked = 0
    for endpoint, url, _access in _protected_get_routes(app):
        response = client.get(url)
        if url.startswith("/api/"):
            assert response.status_code == 401, endpoint
            assert response.json["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 302, endpoint
            assert response.location.startswith("/login"), endpoint
        checked += 1
    assert checked >= 8


def test_trainees_are_refused_every_staff_page(app, client, auth, people):
    auth.login("T100")
    refused = 0
    for endpoint, url, access in _protected_get_routes(app):
        # (API routes ignore the login cookie; they are checked with tokens in their own tests.)
        if access.roles is not None and "trainee" not in access.roles and not url.startswith("/api/"):
            assert client.get(url).status_code == 403, endpoint
            refused += 1
    assert refused >= 5


def test_staff_actions_refuse_trainees_too(app, client, auth, people):
    auth.login("T100")
    user_id = people["t_sh"].id
    for url in (f"/users/{user_id}/deactivate", f"/users/{user_id}/reset-password", "/users/import/commit"):
        assert client.submit(url).status_code == 403, url
    assert fresh(people["t_sh"]).active
