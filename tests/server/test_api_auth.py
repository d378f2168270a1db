"""The JSON API: bearer tokens, and one shape for every error."""
from __future__ import annotations

from datetime import timedelta

from server.auth import operations
from server.database import commit
from server.extensions import db
from server.models import ApiToken, utcnow
from tests.conftest import PASSWORD, fresh


def _token(client, employee_no="T100", password=PASSWORD):
    return client.post("/api/v1/auth/token", json={"employee_no": employee_no, "password": password})


def _bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def _assert_error(response, status, code, field=None):
    assert response.status_code == status
    assert response.is_json
    assert set(response.json) == {"error"}
    error = response.json["error"]
    assert set(error) == {"code", "message", "field"}
    assert error["code"] == code and error["field"] == field and error["message"]


def test_a_token_is_issued_for_valid_credentials_and_works(client, people):
    response = _token(client)
    assert response.status_code == 201
    body = response.json
    assert body["token_type"] == "Bearer" and body["token"].startswith("exh_")
    assert body["user"]["employee_no"] == "T100" and body["user"]["role"] == "trainee"
    me = client.get("/api/v1/me", headers=_bearer(body["token"]))
    assert me.status_code == 200 and me.json["user"]["branch"]["code"] == "BJ-HD"


def test_only_the_hash_of_a_token_is_stored(client, people):
    raw = _token(client).json["token"]
    stored = db.session.scalars(db.select(ApiToken.token_hash)).all()
    assert len(stored) == 1 and raw not in stored[0] and len(stored[0]) == 64


def test_wrong_credentials_get_a_generic_401(client, people):
    _assert_error(_token(client, password="wrong"), 401, "invalid_credentials")
    _assert_error(_token(client, employee_no="GHOST"), 401, "invalid_credentials")


def test_missing_fields_name_the_field(client, people):
    _assert_error(client.post("/api/v1/auth/token", json={"employee_no": "T100"}), 400,
                  "missing_field", "password")
    _assert_error(client.post("/api/v1/auth/token", data="not json"), 400, "invalid_json")


def test_a_revoked_token_stops_working(client, people):
    raw = _token(client).json["token"]
    assert client.delete("/api/v1/auth/token", headers=_bearer(raw)).status_code == 204
    _assert_error(client.get("/api/v1/me", headers=_bearer(raw)), 401, "unauthorized")


def test_an_expired_token_stops_working(client, people):
    raw, token = operations.issue_token(people["t_bj"], timedelta(hours=1))
    commit()
    assert client.get("/api/v1/me", headers=_bearer(raw)).status_code == 200
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    _assert_error(client.get("/api/v1/me", headers=_bearer(raw)), 401, "unauthorized")


def test_deactivating_a_user_revokes_their_tokens(client, auth, people):
    raw = _token(client).json["token"]
    auth.login("A001")
    client.submit(f"/users/{people['t_bj'].id}/deactivate")
    assert not fresh(people["t_bj"]).active
    _assert_error(client.get("/api/v1/me", headers=_bearer(raw)), 401, "unauthorized")


def test_the_api_ignores_login_cookies(client, auth, people):
    auth.login("T100")
    assert client.get("/").status_code == 200
    _assert_error(client.get("/api/v1/me"), 401, "unauthorized")


def test_unknown_api_routes_and_methods_answer_in_the_same_shape(client, people):
    _assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")
    _assert_error(client.get("/api/v1/auth/token"), 405, "method_not_allowed")


def test_token_requests_are_rate_limited(app, client, people):
    app.config["LOGIN_LIMIT_PER_PAIR"] = "2 per minute"
    for _ in range(2):
        _token(client, password="wrong")
    _assert_error(_token(client), 429, "rate_limited")
