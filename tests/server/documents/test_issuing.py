"""Issuing a session's documents: what is issued, that each is signed and recorded with its hash
and code, that an interrupted run resumes without losing or doubling anything, and that a regrade
supersedes what it changed."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdfs.signing import check_signature
from server.documents import operations as documents
from server.documents.identity import signer_spec
from server.documents.models import IssuedDocument, IssueJob
from server.exams import operations as exams
from server.exams.models import Participant
from server.extensions import db
from server.models import utcnow
from tests.builders import ANSWERS, answer_and_end
from tests.pdfs.tampering import pdfsig, pdftotext
from tests.services import poppler
from tests.waiting import wait_until

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "pdfs"


def _current(session) -> dict[tuple[str, str | None], IssuedDocument]:
    rows = db.session.scalars(sa.select(IssuedDocument).where(IssuedDocument.session_id == session.id,
                                                              IssuedDocument.revoked_at.is_(None)))
    return {(d.kind, d.summary.get("employee_no")): d for d in rows}


def _dead(pid: int) -> bool:
    """The process has ended (gone, or a zombie not reaped yet): it commits nothing more."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")  # the state follows the command's name


def test_ending_a_session_issues_certificates_for_passes_and_sheets_for_all(issued):
    current = _current(issued)
    assert sorted(current) == sorted([
        ("certificate", "S000"), ("certificate", "S001"),
        ("trainee_sheet", "S000"), ("trainee_sheet", "S001"), ("trainee_sheet", "S002"), ("trainee_sheet", "H000"),
        ("session_sheet", None)])
    authority = signer_spec().authority_pem()
    for document in current.values():
        assert hashlib.sha256(document.content).hexdigest() == document.sha256 and document.size > 0
        assert len(document.code) == 16 and set(document.code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        assert check_signature(document.content, authority).ok
        report = pdfsig(document.content)
        assert "Signature is Valid." in report and "Total document signed" in report, document.kind
    assert len({d.code for d in current.values()}) == len(current)

    certificate = pdftotext(current[("certificate", "S001")].content)
    assert "用户S001" in certificate and "8 / 12" in certificate
    assert f"https://exam.example.cn/verify/{current[('certificate', 'S001')].code}" in certificate.replace("\n", "")
    sheet = pdftotext(current[("trainee_sheet", "S002")].content)
    assert "用户S002" in sheet and "0 / 12" in sheet and "假币应当" in sheet
    summary = pdftotext(current[("session_sheet", None)].content)
    assert all(f"用户{no}" in summary for no in ("S000", "S001", "S002", "H000")) and "上海分行" in summary
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, key in (("trainee-sheet", ("trainee_sheet", "S001")), ("session-sheet", ("session_sheet", None))):
        (ARTIFACTS / f"{name}.pdf").write_bytes(current[key].content)
        subprocess.run([poppler("pdftoppm"), "-png", "-r", "50", "-l", "2", str(ARTIFACTS / f"{name}.pdf"),
                        str(ARTIFACTS / name)], check=True)

    job = documents.latest_job(issued)
    assert (job.state, job.done, job.total, job.reason) == ("done", 7, 7, "ended")


def test_a_key_the_paper_never_shows_is_left_off_the_trainee_sheet(started):
    started.show_key = "never"
    db.session.commit()
    answer_and_end(started)  # the end queues the documents; the commit runs the job (inline here)
    text = pdftotext(_current(started)[("trainee_sheet", "S001")].content)
    assert "作答" in text and "答案" not in text


def test_issuing_again_issues_nothing_new(issued):
    before = {d.code for d in _current(issued).values()}
    job = documents.start_issuing(issued, "manual")
    db.session.commit()  # the job runs once it is committed (inline in these tests)
    db.session.refresh(job)
    assert job.state == "done" and (job.done, job.total) == (7, 7)
    assert {d.code for d in _current(issued).values()} == before


def test_two_current_documents_of_a_kind_cannot_coexist(issued):
    original = _current(issued)[("certificate", "S000")]
    copy = IssuedDocument(code=documents.new_code(), number="X", kind="certificate", session_id=issued.id,
                          participant_id=original.participant_id, sha256="0" * 64, size=1, content=b"x",
                          summary={})
    db.session.add(copy)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_killed_worker_leaves_only_whole_documents_and_the_rerun_completes(app, started, make_trainees):
    """kill -9 the issuing process part-way: every row it committed has its signed PDF, nothing
    is half there, and running the job again issues exactly what is missing."""
    extra = make_trainees(20, prefix="K")
    for user in extra:
        db.session.add(Participant(session_id=started.id, user_id=user.id, branch_id=user.branch_id,
                                   question_order=[q.id for q in sorted(started.questions, key=lambda q: q.position)]))
    db.session.commit()
    app.config.update(DOCUMENTS_AUTO_ISSUE=False)  # started by hand below, in a worker process
    # The extra trainees answer all right: each gets a certificate too.
    answer_and_end(started, {**ANSWERS, **{user.employee_no: ANSWERS["S000"] for user in extra}})
    app.config.update(DOCUMENTS_INLINE=False)
    os.environ["DOCUMENTS_PROCESSES"] = "1"  # one slow process, so the kill lands part-way
    try:
        job = documents.start_issuing(started, "manual")
        db.session.commit()  # the worker process starts once the job is committed
    finally:
        del os.environ["DOCUMENTS_PROCESSES"]
    job_id = job.id

    def under_way():  # the worker has committed a first group of documents
        db.session.expire_all()
        current = db.session.get(IssueJob, job_id)
        return current if current.done >= documents.COMMIT_EVERY and current.worker_pid else None

    job = wait_until(under_way, timeout=60, message="the worker never committed a group of documents")
    assert 0 < job.done < job.total == 2 * 24 - 2 + 1, (job.state, job.done, job.total, job.error)
    os.kill(job.worker_pid, signal.SIGKILL)
    wait_until(lambda: _dead(job.worker_pid), message=f"worker {job.worker_pid} still runs after kill -9")

    db.session.expire_all()
    partial = _current(started)
    assert 0 < len(partial) < job.total and len(partial) % documents.COMMIT_EVERY == 0
    authority = signer_spec().authority_pem()
    for document in partial.values():
        assert hashlib.sha256(document.content).hexdigest() == document.sha256
        assert check_signature(document.content, authority).ok

    resumed = documents.run_job(job.id, processes=1)
    assert (resumed.state, resumed.done, resumed.total) == ("done", 47, 47)
    complete = _current(started)
    assert len(complete) == 47 and all(complete[key].code == d.code for key, d in partial.items())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IssuedDocument)) == 47


def test_a_regrade_supersedes_what_it_changed_and_issues_anew(issued, people, client, auth):
    question = next(q for q in issued.questions if q.stem.startswith("假币"))  # key B; H000 chose C
    before = _current(issued)
    auth.login("J100")
    response = client.submit(f"/sessions/{issued.id}/regrade",
                             {f"key_{question.id}": "C", "reason": "答案印错", "action": "apply"})
    assert response.status_code == 302
    db.session.expire_all()
    after = _current(issued)
    # H000 now passes (9/12) and gets a certificate; S000 drops to 10 and still passes (a new one).
    assert ("certificate", "H000") in after and ("certificate", "H000") not in before
    for key, old in before.items():
        db.session.refresh(old)
        assert old.revoked and old.revoked_reason == documents.SUPERSEDED, key
        assert after[key].version == 2 and after[key].code != old.code
    assert after[("certificate", "S000")].summary["score"] == "10 / 12"
    assert documents.latest_job(issued).reason == "regrade"
    # The superseded document's verification says when it was revoked and links to its replacement.
    old, new = before[("certificate", "S000")], after[("certificate", "S000")]
    page = client.get(f"/verify/{old.code}").get_data(as_text=True)
    assert 'id="revoked"' in page and f'href="/verify/{new.code}"' in page
    assert client.get(f"/api/v1/verify/{old.code}").get_json()["replaced_by"] == new.code
    assert client.get(f"/api/v1/verify/{new.code}").get_json()["replaced_by"] is None
    assert 'id="replacement"' not in client.get(f"/verify/{new.code}").get_data(as_text=True)


def test_an_unchanged_certificate_survives_a_regrade_that_does_not_touch_it(issued, people):
    from grading import Void

    question = next(q for q in issued.questions if q.stem.startswith("存款保险"))  # S002 alone got it wrong
    before = _current(issued)
    changed = exams.apply_regrade(people["inv_bj"], issued, {}, {question.id: Void.FULL_POINTS},
                                  reason="题目有歧义").changed
    assert {line.employee_no for line in changed} == {"S002"}
    db.session.commit()  # the regrade, its revocations and the reissue job are one transaction
    after = _current(issued)
    assert after[("certificate", "S000")].code == before[("certificate", "S000")].code
    assert after[("trainee_sheet", "S000")].code != before[("trainee_sheet", "S000")].code


def test_the_command_line_finishes_what_is_missing(ended, app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["documents", "issue", str(ended.id), "--processes", "1"])
    assert first.exit_code == 0, first.output
    assert "7 of 7" in first.output and len(_current(ended)) == 7
    missing = runner.invoke(args=["documents", "issue", "99999"])
    assert missing.exit_code != 0 and "no session 99999" in missing.output


def test_the_documents_page_offers_to_issue_only_what_is_missing(issued, client, auth):
    """With every document issued there is nothing to offer (it once offered 签发缺少的文件 at 18/18);
    once one is superseded the button is back and says how many are missing."""
    auth.login("J100")
    page = client.get(f"/sessions/{issued.id}/documents").get_data(as_text=True)
    assert 'id="documents-complete"' in page and "签发缺少的文件" not in page
    certificate = db.session.scalars(sa.select(IssuedDocument).where(
        IssuedDocument.session_id == issued.id, IssuedDocument.kind == "certificate")).first()
    certificate.revoked_at, certificate.revoked_reason = utcnow(), documents.SUPERSEDED
    db.session.commit()
    page = client.get(f"/sessions/{issued.id}/documents").get_data(as_text=True)
    assert "签发缺少的文件" in page and 'id="documents-complete"' not in page
    assert "缺少 1 份文件" in page
