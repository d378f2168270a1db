"""The exam workflow over the API, as an integration uses it: bearer tokens only, the same access
rules as the pages (staff only, branch scope, another branch's object is 404), the one error shape."""
from __future__ import annotations

import sqlalchemy as sa

from server.bank.models import Question
from server.extensions import db
from tests.conftest import PASSWORD


def bearer(client, employee_no: str) -> dict:
    response = client.post("/api/v1/auth/token", json={"employee_no": employee_no, "password": PASSWORD})
    assert response.status_code == 201, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def question_ids(bank) -> list[int]:
    return list(db.session.scalars(sa.select(Question.id).where(Question.bank_id == bank.id).order_by(Question.id)))


def assert_error(response, status: int, code: str, field=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.json["error"]["code"] == code and response.json["error"]["field"] == field
    assert response.json["error"]["message"]


def test_a_whole_exam_over_the_api(client, people, bank, make_trainees):
    make_trainees(2)
    staff = bearer(client, "J100")
    ids = question_ids(bank)
    paper = client.post("/api/v1/papers", headers=staff, json={"name": "API 卷", "question_ids": ids[:3]})
    assert paper.status_code == 201, paper.json
    assert paper.json["question_ids"] == ids[:3] and paper.json["selection"] == "fixed"
    assert paper.json["branch"] == "BJ"

    session = client.post("/api/v1/sessions", headers=staff, json={
        "paper_id": paper.json["id"], "title": "晨考", "employee_numbers": ["S000", "S001"]})
    assert session.status_code == 201, session.json
    body = session.json
    assert body["status"] == "lobby" and body["participants"] == 2 and len(body["join_code"]) >= 6
    assert body["join_url"].endswith(body["join_code"])
    got = client.get(f"/api/v1/sessions/{body['id']}", headers=staff)
    assert got.status_code == 200 and got.json["join_code"] == body["join_code"]

    listed = client.get("/api/v1/sessions?status=lobby&per_page=1", headers=staff).json
    assert listed["total"] == 1 and listed["items"][0]["id"] == body["id"] and listed["per_page"] == 1
    assert client.get("/api/v1/sessions?status=ended", headers=staff).json["total"] == 0
    assert client.get("/api/v1/sessions?created_to=2000-01-01", headers=staff).json["total"] == 0

    started = client.post(f"/api/v1/sessions/{body['id']}/controls", headers=staff, json={"action": "start"})
    assert started.status_code == 200 and started.json["session"]["status"] == "running"
    assert_error(client.post(f"/api/v1/sessions/{body['id']}/controls", headers=staff, json={"action": "start"}),
                 409, "not_in_lobby")
    ended = client.post(f"/api/v1/sessions/{body['id']}/controls", headers=staff, json={"action": "end"})
    assert ended.status_code == 200 and ended.json["session"]["status"] == "ended"
    assert ended.json["session"]["ended_at"]

    results = client.get(f"/api/v1/sessions/{body['id']}/results?per_page=1", headers=staff).json
    assert results["total"] == 2 and len(results["items"]) == 1
    assert results["items"][0]["result"] == "absent" and results["summary"]["absent"] == 2
    pid = results["items"][0]["participant_id"]
    sheet = client.get(f"/api/v1/sessions/{body['id']}/participants/{pid}", headers=staff)
    assert sheet.status_code == 200
    assert [a["question_id"] for a in sheet.json["answers"]] == ids[:3]
    assert all(a["choice"] == "" and a["key"] for a in sheet.json["answers"])

    documents = client.get(f"/api/v1/sessions/{body['id']}/documents", headers=staff)
    assert documents.status_code == 200 and documents.json["progress"]["state"] == "none"


def test_a_paper_drawn_by_rules(client, people, bank):
    staff = bearer(client, "J100")
    paper = client.post("/api/v1/papers", headers=staff, json={
        "name": "抽题卷", "rules": [{"type": "judge", "count": 1, "bank_id": bank.id}]})
    assert paper.status_code == 201, paper.json
    assert paper.json["selection"] == "draw" and paper.json["rules"][0]["count"] == 1
    too_many = client.post("/api/v1/papers", headers=staff, json={
        "name": "抽题卷", "rules": [{"type": "judge", "count": 999, "bank_id": bank.id}]})
    assert_error(too_many, 400, "invalid", "rules")
    assert client.get("/api/v1/papers", headers=staff).json["total"] == 1  # the refused one rolled back


def test_bad_input_names_the_field(client, people, bank):
    staff = bearer(client, "J100")
    assert_error(client.post("/api/v1/papers", headers=staff, data="[1]", content_type="application/json"),
                 400, "invalid_json")
    assert_error(client.post("/api/v1/papers", headers=staff, json={"question_ids": [1]}), 400, "invalid", "name")
    assert_error(client.post("/api/v1/papers", headers=staff, json={"name": "x", "question_ids": [1], "pass": 1}),
                 400, "invalid", "pass")
    assert_error(client.post("/api/v1/papers", headers=staff, json={"name": "x", "rules": [{"type": "essay"}]}),
                 400, "invalid", "rules.0.type")
    assert_error(client.get("/api/v1/sessions?per_page=500", headers=staff), 400, "invalid", "per_page")
    # PostgreSQL cannot hold a NUL: refused up front, wherever it is (found by the fuzzer on PG).
    assert_error(client.post("/api/v1/auth/token", json={"employee_no": "J1\x0000", "password": "x"}),
                 400, "invalid", "employee_no")
    assert_error(client.post("/api/v1/sessions", headers=staff, json={"paper_id": 1, "employee_numbers": ["a\x00"]}),
                 400, "invalid", "employee_numbers.0")
    assert_error(client.get(f"/api/v1/bank/banks/{bank.id}/questions?q=%00", headers=staff), 400, "invalid", "q")
    assert_error(client.post("/api/v1/papers", headers=staff, json={"name": "x", "question_ids": [999999]}),
                 400, "invalid", "question_ids")
    # Past any row id: refused as input, never an overflow in the database (found by the fuzzer on PG).
    assert_error(client.post("/api/v1/papers", headers=staff, json={"name": "x", "question_ids": [2**31]}),
                 400, "invalid", "question_ids.0")


def test_access_is_the_pages_access(client, people, fixed_paper, make_trainees):
    make_trainees(1)
    make_trainees(1, "SH", "H")
    bj, sh, trainee = bearer(client, "J100"), bearer(client, "J200"), bearer(client, "T100")
    session = client.post("/api/v1/sessions", headers=bj, json={"paper_id": fixed_paper.id,
                                                                "employee_numbers": ["S000"]}).json
    # Another branch: its objects do not exist, its trainees are not on offer.
    for url in (f"/api/v1/sessions/{session['id']}", f"/api/v1/papers/{fixed_paper.id}",
                f"/api/v1/sessions/{session['id']}/results", f"/api/v1/sessions/{session['id']}/documents"):
        assert_error(client.get(url, headers=sh), 404, "not_found")
        assert_error(client.get(url, headers=trainee), 403, "forbidden")
        assert_error(client.get(url), 401, "unauthorized")
    assert_error(client.post(f"/api/v1/sessions/{session['id']}/controls", headers=sh, json={"action": "start"}),
                 404, "not_found")
    assert client.get("/api/v1/sessions", headers=sh).json["total"] == 0
    assert_error(client.post("/api/v1/sessions", headers=sh, json={"paper_id": fixed_paper.id,
                                                                   "employee_numbers": ["H000"]}),
                 400, "invalid", "paper_id")
    assert_error(client.post("/api/v1/sessions", headers=bj, json={"paper_id": fixed_paper.id,
                                                                   "employee_numbers": ["H000"]}),
                 400, "unknown_trainees", "employee_numbers")


def test_a_login_cookie_does_not_open_the_api(client, auth, people, fixed_paper):
    auth.login("J100")
    assert_error(client.get("/api/v1/sessions"), 401, "unauthorized")


def test_an_id_past_any_row_is_not_found_not_a_server_error(client, people, auth):
    staff = bearer(client, "J100")
    for url in ("/api/v1/sessions/2147483648", "/api/v1/sessions/17668090980286277898731520/documents",
                "/api/v1/papers/99999999999999999999"):
        assert_error(client.get(url, headers=staff), 404, "not_found")
    auth.login("J100")
    assert client.get("/sessions/17668090980286277898731520").status_code == 404  # the pages too


def test_who_may_call_is_checked_before_the_input(client, people):
    """A NUL is refused only once the caller is known: an anonymous request is 401 whatever it sends."""
    assert_error(client.post("/api/v1/sessions", json={"title": "a\x00"}), 401, "unauthorized")
