"""Item analysis, result exports, the documents' ZIP, issuing by hand and revoking over the API:
the pages' functions and rules (staff in scope, revoking admins only, another branch's session 404)."""
from __future__ import annotations

import csv
import io
import zipfile

from openpyxl import load_workbook

from tests.conftest import PASSWORD


def bearer(client, employee_no: str) -> dict:
    response = client.post("/api/v1/auth/token", json={"employee_no": employee_no, "password": PASSWORD})
    assert response.status_code == 201, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def test_item_analysis(ended, client):
    items = client.get(f"/api/v1/sessions/{ended.id}/analysis", headers=bearer(client, "J100")).json["items"]
    assert [i["position"] for i in items] == [1, 2, 3, 4, 5, 6]
    first = items[0]  # true/false, key T: S000, S001 and H000 right, S002 wrong
    assert first["type"] == "judge" and first["key"] == "T" and first["participants"] == 4
    assert first["facility"] == 0.75 and first["option_counts"] == {"T": 3, "F": 1} and first["unanswered"] == 0
    assert items[4]["option_counts"] == {"A": 3, "B": 3, "C": 1, "D": 2}  # question 5: ABD, AB, C, ABD


def test_result_exports_are_the_pages_files(ended, client, auth):
    staff = bearer(client, "J100")
    api_csv = client.get(f"/api/v1/sessions/{ended.id}/results.csv", headers=staff)
    assert api_csv.status_code == 200 and api_csv.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(api_csv.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["名次", "工号", "姓名"] and rows[1][1] == "S000" and len(rows) == 5
    api_xlsx = client.get(f"/api/v1/sessions/{ended.id}/results.xlsx", headers=staff)
    assert api_xlsx.status_code == 200
    assert load_workbook(io.BytesIO(api_xlsx.data)).active["B2"].value == "S000"
    auth.login("J100", PASSWORD)
    page_csv = client.get(f"/sessions/{ended.id}/results.csv")
    assert page_csv.data == api_csv.data
    assert page_csv.headers["Content-Disposition"] == api_csv.headers["Content-Disposition"]


def test_documents_zip_revoke_and_issue_by_hand(issued, client):
    staff, admin = bearer(client, "J100"), bearer(client, "A001")
    listing = client.get(f"/api/v1/sessions/{issued.id}/documents", headers=staff).json["documents"]
    archive = client.get(f"/api/v1/sessions/{issued.id}/documents.zip", headers=staff)
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(archive.data)).namelist()) == len(listing)

    certificate = next(d for d in listing if d["kind"] == "certificate")
    url = f"/api/v1/documents/{certificate['id']}/revoke"
    assert client.post(url, headers=staff, json={"reason": "x"}).json["error"]["code"] == "forbidden"
    no_reason = client.post(url, headers=admin, json={"reason": ""})
    assert no_reason.status_code == 400 and no_reason.json["error"]["field"] == "reason"
    revoked = client.post(url, headers=admin, json={"reason": "姓名有误"})
    assert revoked.status_code == 200, revoked.json
    assert revoked.json == {"id": certificate["id"], "number": certificate["number"], "revoked": True,
                            "reason": "姓名有误"}
    again = client.post(url, headers=admin, json={"reason": "姓名有误"})
    assert again.status_code == 409 and again.json["error"]["code"] == "already_revoked"
    archive = client.get(f"/api/v1/sessions/{issued.id}/documents.zip", headers=staff)
    assert len(zipfile.ZipFile(io.BytesIO(archive.data)).namelist()) == len(listing) - 1

    issued_again = client.post(f"/api/v1/sessions/{issued.id}/documents/issue", headers=staff)
    assert issued_again.status_code == 202 and issued_again.json["state"] == "done"
    after = client.get(f"/api/v1/sessions/{issued.id}/documents", headers=staff).json["documents"]
    assert len(after) == len(listing)  # a document an admin revoked by hand is not issued again


def test_issuing_waits_for_the_end_and_other_branches_see_nothing(started, client):
    staff = bearer(client, "J100")
    early = client.post(f"/api/v1/sessions/{started.id}/documents/issue", headers=staff)
    assert early.status_code == 409 and early.json["error"]["code"] == "not_ended"
    shanghai = bearer(client, "J200")
    for response in (client.get(f"/api/v1/sessions/{started.id}/analysis", headers=shanghai),
                     client.get(f"/api/v1/sessions/{started.id}/results.csv", headers=shanghai),
                     client.get(f"/api/v1/sessions/{started.id}/documents.zip", headers=shanghai),
                     client.post(f"/api/v1/sessions/{started.id}/documents/issue", headers=shanghai),
                     client.post("/api/v1/documents/999999/revoke", headers=bearer(client, "A001"),
                                 json={"reason": "x"})):
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    trainee = bearer(client, "T100")
    assert client.get(f"/api/v1/sessions/{started.id}/analysis", headers=trainee).status_code == 403
