"""People and branches over the API: the People and Branches pages' queries, operations and rules
(an invigilator manages trainees in their own subtree; another branch's person is 404)."""
from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from server.extensions import db
from server.models import User
from tests.conftest import PASSWORD

HEADER = ["工号", "姓名", "机构代码", "角色"]


def bearer(client, employee_no: str) -> dict:
    response = client.post("/api/v1/auth/token", json={"employee_no": employee_no, "password": PASSWORD})
    assert response.status_code == 201, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def roster_csv(rows) -> io.BytesIO:
    text = io.StringIO()
    csv.writer(text).writerows([HEADER, *rows])
    return io.BytesIO(text.getvalue().encode())


def upload(client, headers, rows, **form):
    return client.post("/api/v1/people/import", headers=headers, content_type="multipart/form-data",
                       data={"file": (roster_csv(rows), "roster.csv"), **form})


def registered(employee_no: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.employee_no == employee_no))


def test_people_are_listed_in_the_callers_scope_paged_and_filtered(client, people, make_trainees):
    make_trainees(3)
    staff = bearer(client, "J100")
    listed = client.get("/api/v1/people?per_page=2", headers=staff).json
    assert listed["total"] == 5 and len(listed["items"]) == 2  # J100, T100, S000-S002: none of SH or HQ
    everyone = client.get("/api/v1/people?per_page=200", headers=staff).json["items"]
    assert {p["employee_no"] for p in everyone} == {"J100", "T100", "S000", "S001", "S002"}
    trainees = client.get("/api/v1/people?role=trainee&branch=BJ-HD&q=S00", headers=staff).json
    assert [p["employee_no"] for p in trainees["items"]] == ["S000", "S001", "S002"]
    outside = client.get("/api/v1/people?branch=SH", headers=staff)
    assert outside.status_code == 400 and outside.json["error"]["field"] == "branch"
    admin = client.get("/api/v1/people?per_page=200", headers=bearer(client, "A001")).json
    assert admin["total"] == 8  # every account, the admin too: S000-S002, T100, T200, J100, J200, A001
    assert client.get("/api/v1/people", headers=bearer(client, "T100")).status_code == 403


def test_one_person_is_registered_with_a_one_time_password(client, people):
    staff = bearer(client, "J100")
    created = client.post("/api/v1/people", headers=staff,
                          json={"employee_no": "７０００１", "name": "新学员", "branch": "BJ-HD"})
    assert created.status_code == 201, created.json
    assert created.json["person"]["employee_no"] == "70001" and created.json["person"]["must_change_password"]
    assert len(created.json["initial_password"]) >= 8 and registered("70001").branch.code == "BJ-HD"
    again = client.post("/api/v1/people", headers=staff, json={"employee_no": "70001", "name": "x", "branch": "BJ"})
    assert again.status_code == 400 and again.json["error"]["field"] == "employee_no"
    staff_role = client.post("/api/v1/people", headers=staff,
                             json={"employee_no": "70002", "name": "x", "branch": "BJ", "role": "invigilator"})
    assert staff_role.status_code == 400 and staff_role.json["error"]["field"] == "role"
    elsewhere = client.post("/api/v1/people", headers=staff, json={"employee_no": "70003", "name": "x", "branch": "SH"})
    assert elsewhere.status_code == 400 and elsewhere.json["error"]["field"] == "branch"
    assert registered("70002") is None and registered("70003") is None


def test_a_roster_is_checked_with_dry_run_then_registered_all_or_nothing(client, people):
    staff = bearer(client, "J100")
    rows = [["80001", "张三", "BJ-HD", "学员"], ["80002", "李四", "BJ", ""]]
    checked = upload(client, staff, rows, dry_run="1")
    assert checked.status_code == 200, checked.json
    assert checked.json == {"rows": 2, "valid": True, "issues": [], "accounts": []}
    assert registered("80001") is None

    bad = upload(client, staff, [*rows, ["80003", "王五", "SH", "学员"], ["80004", "", "BJ", "监考员"]])
    assert bad.status_code == 422
    assert [(i["row"], i["field"]) for i in bad.json["issues"]] == [(4, "机构代码"), (5, "姓名"), (5, "角色")]
    assert registered("80001") is None

    done = upload(client, staff, rows)
    assert done.status_code == 201, done.json
    assert [a["person"]["employee_no"] for a in done.json["accounts"]] == ["80001", "80002"]
    assert all(a["initial_password"] for a in done.json["accounts"]) and registered("80002").branch.code == "BJ"

    unreadable = client.post("/api/v1/people/import", headers=staff, content_type="multipart/form-data",
                             data={"file": (io.BytesIO(b"\x00\x01 not a table"), "roster.xlsx")})
    assert unreadable.status_code == 422 and unreadable.json["error"]["field"] == "file"
    assert unreadable.json["issues"][0]["message"]
    missing = client.post("/api/v1/people/import", headers=staff, content_type="multipart/form-data", data={})
    assert missing.status_code == 400 and missing.json["error"]["field"] == "file"


def test_deactivation_ends_the_tokens_and_stays_in_scope(client, people):
    staff = bearer(client, "J100")
    trainee = bearer(client, "T100")
    done = client.post(f"/api/v1/people/{people['t_bj'].id}/deactivate", headers=staff)
    assert done.status_code == 200 and done.json["active"] is False
    assert client.get("/api/v1/me", headers=trainee).status_code == 401
    assert client.get("/api/v1/people?state=inactive", headers=staff).json["items"][0]["employee_no"] == "T100"
    back = client.post(f"/api/v1/people/{people['t_bj'].id}/activate", headers=staff)
    assert back.status_code == 200 and back.json["active"] is True

    other_branch = client.post(f"/api/v1/people/{people['t_sh'].id}/deactivate", headers=staff)
    assert other_branch.status_code == 404 and other_branch.json["error"]["code"] == "not_found"
    assert registered("T200").active
    colleague = client.post(f"/api/v1/people/{people['inv_bj'].id}/deactivate", headers=bearer(client, "A001"))
    assert colleague.status_code == 200
    own = client.post(f"/api/v1/people/{people['admin'].id}/deactivate", headers=bearer(client, "A001"))
    assert own.status_code == 400 and own.json["error"]["message"]


def test_branches_are_listed_and_created_in_scope(client, people):
    staff = bearer(client, "J100")
    listed = client.get("/api/v1/branches", headers=staff).json
    assert [b["code"] for b in listed["items"]] == ["BJ", "BJ-HD"] and listed["total"] == 2
    assert client.get("/api/v1/branches?q=海淀", headers=staff).json["items"][0]["code"] == "BJ-HD"
    bj = listed["items"][0]["id"]
    created = client.post("/api/v1/branches", headers=staff,
                          json={"code": "BJ-CY", "name": "朝阳支行", "kind": "sub_branch", "parent_id": bj})
    assert created.status_code == 201, created.json
    assert created.json["parent_id"] == bj and created.json["depth"] == 2
    sh = people["t_sh"].branch_id
    elsewhere = client.post("/api/v1/branches", headers=staff,
                            json={"code": "SH-1", "name": "x", "kind": "sub_branch", "parent_id": sh})
    assert elsewhere.status_code == 400 and elsewhere.json["error"]["field"] == "parent_id"
    top = client.post("/api/v1/branches", headers=staff, json={"code": "X", "name": "x", "kind": "head_office"})
    assert top.status_code == 403
    taken = client.post("/api/v1/branches", headers=staff,
                        json={"code": "BJ", "name": "x", "kind": "sub_branch", "parent_id": bj})
    assert taken.status_code == 400 and taken.json["error"]["field"] == "code"
