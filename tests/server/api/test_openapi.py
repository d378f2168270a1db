"""The OpenAPI document is generated from the routes: every /api/v1 route is in it with its access
rule, and the browsable page lists every operation under the strict CSP."""
from __future__ import annotations

from jsonschema import Draft202012Validator

from server.api.spec import api_endpoints, build_spec, openapi_path


def test_every_api_route_is_described_with_its_access(app, client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    documented = {(path, method) for path, methods in spec["paths"].items() for method in methods}
    routes = {(openapi_path(rule.rule)[0], m.lower()) for rule, _view in api_endpoints(app)
              for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes and documented == routes
    token = spec["paths"]["/api/v1/auth/token"]["post"]
    assert token["security"] == [] and "201" in token["responses"]
    sessions = spec["paths"]["/api/v1/sessions"]["post"]
    assert sessions["security"] == [{"bearer": []}] and sessions["x-access"] == "roles: admin, invigilator"
    assert {"400", "401", "403"} <= set(sessions["responses"])
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)  # OpenAPI 3.1 schemas are JSON Schema 2020-12


def test_a_route_without_a_declaration_is_refused(app):
    @app.route("/api/v1/undocumented")
    def undocumented():
        return {}

    try:
        build_spec(app)
    except LookupError as exc:
        assert "/api/v1/undocumented" in str(exc)
    else:
        raise AssertionError("an undocumented API route went into the document")


def test_the_browsable_page_lists_every_operation(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/v1/sessions/{session_id}/controls" in html and "/api/v1/bank/import" in html
    assert "<script>" not in html and "style=" not in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"] or \
        "default-src 'self'" in page.headers["Content-Security-Policy"]
