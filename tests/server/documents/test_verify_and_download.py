"""Who may download which document, public verification by code, by uploaded file and by API,
revocation, and the authority certificate."""
from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from pdfs.certificate import render_certificate
from pdfs.signing import Signer, ensure_authority
from server.documents.identity import signer_spec
from server.documents.models import IssuedDocument
from server.exams.models import AuditEntry, Participant
from server.extensions import db
from server.models import User
from tests.builders import answer_and_end
from tests.hostile import HOSTILE_NAMES
from tests.pdfs.tampering import flip_byte, rename, strip_signature


def _document(session, kind: str, employee_no: str | None) -> IssuedDocument:
    return next(d for d in db.session.scalars(sa.select(IssuedDocument).where(
        IssuedDocument.session_id == session.id, IssuedDocument.kind == kind, IssuedDocument.revoked_at.is_(None)))
        if d.summary.get("employee_no") == employee_no)


@pytest.fixture
def trainee_login(issued, make_user, client, auth):
    """Log in as trainee S001 (the fixture users have the shared test password)."""
    auth.login("S001")
    return client


def test_a_trainee_downloads_their_own_documents_and_no_one_elses(issued, trainee_login):
    own = _document(issued, "certificate", "S001")
    response = trainee_login.get(f"/documents/{own.id}.pdf")
    assert response.status_code == 200 and response.data == own.content
    assert response.mimetype == "application/pdf"
    other = _document(issued, "certificate", "S000")
    assert trainee_login.get(f"/documents/{other.id}.pdf").status_code == 404
    session_sheet = _document(issued, "session_sheet", None)
    assert trainee_login.get(f"/documents/{session_sheet.id}.pdf").status_code == 404
    assert trainee_login.get(f"/sessions/{issued.id}/documents.zip").status_code == 403
    page = trainee_login.get(f"/my/results/{own.participant_id}").get_data(as_text=True)
    assert f"/documents/{own.id}.pdf" in page and f"/documents/{other.id}.pdf" not in page


def test_the_invigilator_gets_every_document_one_by_one_or_as_a_zip(issued, client, auth):
    auth.login("J100")
    page = client.get(f"/sessions/{issued.id}/documents").get_data(as_text=True)
    documents = list(db.session.scalars(sa.select(IssuedDocument).where(IssuedDocument.session_id == issued.id)))
    assert all(d.code in page for d in documents) and len(documents) == 7
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/sessions/{issued.id}/documents.zip").data))
    assert sorted(archive.read(name) for name in archive.namelist()) == sorted(d.content for d in documents)
    assert any("合格证书" in name and "S000" in name for name in archive.namelist())
    progress = client.get(f"/sessions/{issued.id}/documents/progress").get_json()
    assert progress == {"state": "done", "done": 7, "total": 7, "interrupted": False, "error": None}


def test_the_zip_is_streamed_and_its_entries_are_plain_file_names(started, client, auth, people):
    """Names from a roster (or a title staff typed) cannot steer where an entry lands when the
    archive is unpacked, nor hide a line break or a reserved device name in it."""
    trainees = db.session.scalars(sa.select(User).join(Participant).where(
        Participant.session_id == started.id).order_by(User.employee_no))
    for trainee, name in zip(trainees, HOSTILE_NAMES, strict=False):
        trainee.name = name
    started.title = "../季度/测试:*?"
    db.session.commit()
    answer_and_end(started)
    auth.login("J100")
    response = client.get(f"/sessions/{started.id}/documents.zip")
    assert response.status_code == 200 and response.is_streamed
    assert "filename*=UTF-8''..%2F" not in response.headers["Content-Disposition"]
    assert "季度_测试_-documents.zip" in unquote(response.headers["Content-Disposition"])
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.testzip() is None
    names = archive.namelist()
    documents = list(db.session.scalars(sa.select(IssuedDocument).where(IssuedDocument.session_id == started.id)))
    assert len(names) == len(documents) == len({name.casefold() for name in names})
    for name in names:
        assert name.endswith(".pdf") and not name.startswith((".", " ")), name
        assert not set(name) & set('/\\:*?"<>|') and name.isprintable(), name
        assert name.split(".")[0].split("-")[0].upper() != "CON" and len(name) <= 84, name
    assert sorted(archive.read(name) for name in names) == sorted(d.content for d in documents)


def test_an_invigilator_of_another_branch_sees_nothing(issued, client, auth):
    auth.login("J200")  # Shanghai; the session belongs to Beijing
    own = _document(issued, "certificate", "S000")
    assert client.get(f"/documents/{own.id}.pdf").status_code == 404
    assert client.get(f"/sessions/{issued.id}/documents").status_code == 404
    assert client.get(f"/sessions/{issued.id}/documents.zip").status_code == 404


def test_verify_by_code_shows_little_and_unknown_codes_look_the_same(issued, client):
    certificate = _document(issued, "certificate", "S001")
    valid = client.get(f"/api/v1/verify/{certificate.code.lower()}").get_json()
    assert valid["status"] == "valid" and valid["holder"] == "用****1" and valid["employee_no"] == "S0*1"
    assert valid["exam"] == "柜员测试" and valid["score"] == "8 / 12" and valid["passed"] is True
    unknown = client.get("/api/v1/verify/AAAAAAAAAAAAAAAA").get_json()
    assert unknown["status"] == "unknown" and set(unknown) == set(valid)
    assert all(value is None for key, value in unknown.items() if key not in ("code", "status"))
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert 'data-status="valid"' in page and "用****1" in page and "用户S001" not in page
    assert 'data-status="unknown"' in client.get("/verify/NOSUCHCODE").get_data(as_text=True)
    assert client.get(f"/verify?code={certificate.code}").headers["Location"].endswith(f"/verify/{certificate.code}")


def test_verification_is_rate_limited(make_app, issued):
    limited = make_app(VERIFY_LIMIT="3 per minute")
    client = limited.test_client()
    assert [client.get(f"/verify/CODE{n}").status_code for n in range(4)] == [200, 200, 200, 429]
    assert client.get("/api/v1/verify/CODE9").status_code == 429


def test_an_admin_revokes_and_verification_says_so(issued, client, auth, people):
    certificate = _document(issued, "certificate", "S000")
    auth.login("J100")
    assert client.submit(f"/documents/{certificate.id}/revoke", {"reason": "舞弊"}).status_code == 403
    auth.logout()
    auth.login("A001")
    client.submit(f"/documents/{certificate.id}/revoke", {"reason": ""})
    assert client.get(f"/api/v1/verify/{certificate.code}").get_json()["status"] == "valid"
    client.submit(f"/documents/{certificate.id}/revoke", {"reason": "考试舞弊，成绩作废"})
    result = client.get(f"/api/v1/verify/{certificate.code}").get_json()
    assert result["status"] == "revoked" and result["revoked_reason"] == "考试舞弊，成绩作废"
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)  # the page says when, and why
    assert re.search(r'<dd id="revoked">\d{4}年\d{1,2}月\d{1,2}日 · 考试舞弊，成绩作废</dd>', page)
    client.set_cookie("examhall_lang", "en")  # in English, English dates (it showed 2026年11月29日)
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert re.search(r'<dd id="revoked">[A-Z][a-z]+ \d{1,2}, \d{4} · ', page)
    assert re.search(r"<dt>Issued by</dt><dd>[^<]* [A-Z][a-z]+ \d{1,2}, \d{4}</dd>", page)
    client.set_cookie("examhall_lang", "zh_CN")
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "revoke_document")).reason == \
        "考试舞弊，成绩作废"
    from server.documents import operations

    operations.start_issuing(issued, "manual")  # a document revoked by hand is not issued again
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IssuedDocument).where(
        IssuedDocument.kind == "certificate", IssuedDocument.participant_id == certificate.participant_id)) == 1


def _upload(client, data: bytes):
    response = client.submit("/verify", {"document": (io.BytesIO(data), "certificate.pdf")},
                             content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    checks = {name: ok == "true" for name, ok in re.findall(r'data-check="(\w+)" data-ok="(\w+)"', page)}
    status = re.search(r'data-status="(\w+)"', page)
    return response.status_code, status and status.group(1), checks


def test_an_uploaded_genuine_file_checks_out(issued, client):
    certificate = _document(issued, "certificate", "S001")
    status_code, status, checks = _upload(client, certificate.content)
    assert status_code == 200 and status == "valid" and checks and all(checks.values()), checks


def test_uploaded_tampering_is_caught(issued, client, tmp_path):
    genuine = _document(issued, "certificate", "S001").content

    _, status, checks = _upload(client, flip_byte(genuine))
    assert status == "unknown" and checks["intact"] is False

    _, status, checks = _upload(client, rename(genuine, "Zhang San"))
    assert status == "unknown" and checks["entire_file"] is False
    assert checks["intact"] is True  # the update sits after the signed bytes

    other = tmp_path / "other"
    ensure_authority(other, "冒名银行")
    from pdfs.certificate import CertificateData

    forged = Signer.from_folder(other).sign(render_certificate(CertificateData(
        "C1", "用户S001", "S001", "海淀支行", "柜员测试", "12", "12", True, "2026年11月29日", "总行", "x")))
    _, status, checks = _upload(client, forged)
    assert status == "unknown" and checks["trusted"] is False
    assert checks["intact"] is True

    _, status, checks = _upload(client, strip_signature(genuine))
    assert status == "unknown" and checks["signed"] is False

    status_code, _, _ = _upload(client, b"not a pdf at all")
    assert status_code == 400


def test_the_authority_certificate_can_be_downloaded(issued, client):
    response = client.get("/verify/authority.pem")
    assert response.status_code == 200 and response.data == signer_spec().authority_pem()
    assert response.data.startswith(b"-----BEGIN CERTIFICATE-----")
