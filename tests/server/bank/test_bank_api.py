"""Banks and questions over the API, with the Bank pages' rules and operations: create, search,
edit with versions (a version an exam used stays as it was), retire and restore, export."""
from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import load_workbook

from server.bank.models import Question
from server.extensions import db
from tests.conftest import PASSWORD


def bearer(client, employee_no: str) -> dict:
    response = client.post("/api/v1/auth/token", json={"employee_no": employee_no, "password": PASSWORD})
    assert response.status_code == 201, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


SINGLE = {"type": "single", "stem": "现金收付应当（）", "options": {"A": "当面点清", "B": "事后再点"}, "answer": "A",
          "tags": ["现金"]}


def test_a_bank_is_created_filled_searched_and_exported(client, people):
    staff = bearer(client, "J100")
    bank = client.post("/api/v1/bank/banks", headers=staff, json={"name": "北京题库", "branch": "BJ-HD"})
    assert bank.status_code == 201, bank.json
    assert bank.json["branch"] == "BJ-HD" and bank.json["manage"] is True
    bank_id = bank.json["id"]
    assert client.post("/api/v1/bank/banks", headers=staff, json={"name": "北京题库", "branch": "BJ-HD"}).json[
        "error"]["field"] == "name"
    assert client.post("/api/v1/bank/banks", headers=staff, json={"name": "x", "branch": "SH"}).json[
        "error"]["field"] == "branch"

    added = client.post(f"/api/v1/bank/banks/{bank_id}/questions", headers=staff, json=SINGLE)
    assert added.status_code == 201, added.json
    assert added.json["version"] == 1 and added.json["family_id"] == added.json["id"] and added.json["tags"] == ["现金"]
    judge = client.post(f"/api/v1/bank/banks/{bank_id}/questions", headers=staff,
                        json={"type": "judge", "stem": "假币应当收缴。", "answer": "对"})
    assert judge.status_code == 201 and judge.json["answer"] == "T" and judge.json["options"] == {}
    again = client.post(f"/api/v1/bank/banks/{bank_id}/questions", headers=staff, json=SINGLE)
    assert again.status_code == 400 and again.json["error"]["code"] == "duplicate"
    one_option = client.post(f"/api/v1/bank/banks/{bank_id}/questions", headers=staff,
                             json={**SINGLE, "stem": "新题", "options": {"A": "只有一个"}})
    assert one_option.status_code == 400 and one_option.json["error"]["field"] == "options.B"
    bad_key = client.post(f"/api/v1/bank/banks/{bank_id}/questions", headers=staff,
                          json={**SINGLE, "stem": "新题", "answer": "C"})
    assert bad_key.status_code == 400 and bad_key.json["error"]["field"] == "answer"

    found = client.get(f"/api/v1/bank/banks/{bank_id}/questions?q=现金&type=single", headers=staff).json
    assert [q["id"] for q in found["questions"]] == [added.json["id"]]

    gift = client.get(f"/api/v1/bank/banks/{bank_id}/export.gift", headers=staff)
    assert gift.status_code == 200 and gift.mimetype == "text/plain"
    assert "现金收付应当" in gift.get_data(as_text=True) and "假币应当收缴" in gift.get_data(as_text=True)
    sheet = client.get(f"/api/v1/bank/banks/{bank_id}/export.xlsx", headers=staff)
    assert sheet.status_code == 200
    cells = [c for row in load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True) for c in row]
    assert "现金收付应当（）" in cells


def test_an_edit_of_a_question_an_exam_used_is_a_new_version(client, people, started):
    admin = bearer(client, "A001")
    used = db.session.scalar(sa.select(Question).where(Question.stem.like("%人民币%")))
    body = {"type": "single", "stem": "人民币的基本单位是（）", "options": dict(used.options), "answer": "A"}
    edited = client.put(f"/api/v1/bank/questions/{used.id}", headers=admin, json=body)
    assert edited.status_code == 200, edited.json
    assert edited.json["new_version"] is True
    new = edited.json["question"]
    assert new["id"] != used.id and new["version"] == 2 and new["family_id"] == used.family_id and new["current"]
    versions = client.get(f"/api/v1/bank/questions/{used.id}/versions", headers=admin).json["versions"]
    assert [(v["version"], v["current"], v["stem"]) for v in versions] == [
        (1, False, used.stem), (2, True, "人民币的基本单位是（）")]
    stale = client.put(f"/api/v1/bank/questions/{used.id}", headers=admin, json=body)
    assert stale.status_code == 409 and stale.json["error"]["code"] == "not_current"

    again = client.put(f"/api/v1/bank/questions/{new['id']}", headers=admin, json={**body, "explanation": "元角分"})
    assert again.status_code == 200 and again.json["new_version"] is False
    assert again.json["question"]["id"] == new["id"] and again.json["question"]["explanation"] == "元角分"


def test_retire_restore_and_who_may_write(client, people, bank, make_user, org):
    question = db.session.scalar(sa.select(Question).where(Question.bank_id == bank.id).order_by(Question.id))
    invigilator = bearer(client, "J100")  # the HQ bank is shared down to BJ: used, not managed
    assert client.get(f"/api/v1/bank/questions/{question.id}", headers=invigilator).status_code == 200
    assert client.post(f"/api/v1/bank/questions/{question.id}/retire", headers=invigilator).status_code == 403
    assert client.put(f"/api/v1/bank/questions/{question.id}", headers=invigilator, json=SINGLE).status_code == 403
    assert client.post(f"/api/v1/bank/banks/{bank.id}/questions", headers=invigilator,
                       json=SINGLE).status_code == 403

    admin = bearer(client, "A001")
    retired = client.post(f"/api/v1/bank/questions/{question.id}/retire", headers=admin)
    assert retired.status_code == 200 and retired.json["retired"] is True
    listed = client.get(f"/api/v1/bank/banks/{bank.id}/questions", headers=admin).json["questions"]
    assert question.id not in [q["id"] for q in listed]
    exported = client.get(f"/api/v1/bank/banks/{bank.id}/export.gift", headers=admin).get_data(as_text=True)
    assert "存款保险" not in exported and "假币应当" in exported
    restored = client.post(f"/api/v1/bank/questions/{question.id}/restore", headers=admin)
    assert restored.status_code == 200 and restored.json["retired"] is False

    shanghai = bearer(client, "J200")
    sh_bank = client.post("/api/v1/bank/banks", headers=shanghai, json={"name": "上海题库"}).json
    sh_question = client.post(f"/api/v1/bank/banks/{sh_bank['id']}/questions", headers=shanghai, json=SINGLE).json
    for response in (client.get(f"/api/v1/bank/questions/{sh_question['id']}", headers=invigilator),
                     client.post(f"/api/v1/bank/questions/{sh_question['id']}/retire", headers=invigilator),
                     client.get(f"/api/v1/bank/banks/{sh_bank['id']}/export.xlsx", headers=invigilator),
                     client.post(f"/api/v1/bank/banks/{sh_bank['id']}/questions", headers=invigilator, json=SINGLE)):
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
