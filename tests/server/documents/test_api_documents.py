"""Results and documents over the API once a session has ended and its documents are issued:
the table by rank, the issuing progress, and downloads with the pages' rules (staff in scope, or
the trainee a document was issued to)."""
from __future__ import annotations

from tests.conftest import PASSWORD


def bearer(client, employee_no: str) -> dict:
    response = client.post("/api/v1/auth/token", json={"employee_no": employee_no, "password": PASSWORD})
    assert response.status_code == 201, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def test_results_and_documents_of_an_ended_session(issued, client):
    staff = bearer(client, "J100")
    results = client.get(f"/api/v1/sessions/{issued.id}/results", headers=staff).json
    first = results["items"][0]
    assert first["employee_no"] == "S000" and first["rank"] == 1 and first["result"] == "passed"
    assert {r["employee_no"]: r["result"] for r in results["items"]} == {
        "S000": "passed", "S001": "passed", "H000": "failed", "S002": "failed"}
    sheet = client.get(f"/api/v1/sessions/{issued.id}/participants/{first['participant_id']}", headers=staff).json
    assert sheet["result"]["total"] == first["total"] and all(a["outcome"] == "correct" for a in sheet["answers"])

    listing = client.get(f"/api/v1/sessions/{issued.id}/documents", headers=staff).json
    assert listing["progress"]["state"] == "done" and listing["progress"]["done"] == listing["progress"]["total"]
    certificates = [d for d in listing["documents"] if d["kind"] == "certificate"]
    assert len(certificates) == 2
    pdf = client.get(certificates[0]["download_url"], headers=staff)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    assert len(pdf.data) == certificates[0]["size"]


def test_a_trainee_downloads_only_their_own_document(issued, client):
    staff = bearer(client, "J100")
    listing = client.get(f"/api/v1/sessions/{issued.id}/documents", headers=staff).json["documents"]
    participants = {r["participant_id"]: r["employee_no"] for r in
                    client.get(f"/api/v1/sessions/{issued.id}/results", headers=staff).json["items"]}
    by_owner = {participants.get(d["participant_id"]): d for d in listing if d["kind"] == "certificate"}
    s001 = bearer(client, "S001")
    assert client.get(by_owner["S001"]["download_url"], headers=s001).status_code == 200
    assert client.get(by_owner["S000"]["download_url"], headers=s001).status_code == 404
    assert client.get(f"/api/v1/sessions/{issued.id}/documents", headers=s001).status_code == 403
    assert client.get(f"/api/v1/sessions/{issued.id}/documents", headers=bearer(client, "J200")).status_code == 404
    assert client.get(by_owner["S001"]["download_url"]).status_code == 401  # bearer only
