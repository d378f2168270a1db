"""Issuing, superseding and revoking documents.

Issuing works out what is missing (a certificate for everyone who passed, a score sheet for
everyone, one session sheet) and issues just that, so a job that was interrupted is resumed by
running it again.  Each document's code, bytes and hash are committed together.

Operations flush and the caller commits; a job is handed to a worker only once its row is
committed (server.database.after_commit).  ``run_job`` and ``run_claimed`` are the exception:
they run in a document worker process (server/documents/worker.py) as their own unit of work and
commit their progress every few documents.  Documents follow
the exams' signals (a session ended, a session was regraded): exams never import documents."""
from __future__ import annotations

import base64
import hashlib
import logging
import os
import secrets
import subprocess
import sys
import threading
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import gettext as _

from pdfs.batch import Document, sign_all
from server import PROJECT_ROOT, config
from server.database import after_commit
from server.documents import pdf, queue
from server.documents.identity import issuer_name, signer_spec
from server.documents.models import DocumentKind, IssuedDocument, IssueJob, IssueReason, JobState
from server.documents.util import session_documents
from server.errors import OperationError
from server.exams import signals
from server.exams.audit import audit
from server.exams.models import LiveSession, SessionStatus
from server.exams.results import participant_sheets, session_results
from server.extensions import db
from server.models import User, utcnow

log = logging.getLogger(__name__)

CODE_BYTES = 10  # 80 random bits
COMMIT_EVERY = 8  # documents per transaction: progress moves, and a crash loses little work
MAX_PLANS = 10  # regrades or other runs that may change a job's plan under it before it gives up
SUPERSEDED = "superseded"
PREFIXES = {DocumentKind.CERTIFICATE: "C", DocumentKind.TRAINEE_SHEET: "S", DocumentKind.SESSION_SHEET: "R"}


def new_code() -> str:
    """16 characters of base32 (A-Z, 2-7): easy to read out and type, 80 bits of randomness."""
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode()


def normalise_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:24]


def public_base_url() -> str:
    """Where verification links point: from configuration only (server.config.public_base_url),
    never from a request, whoever's it is."""
    return config.public_base_url(current_app.config)


@dataclass
class Pending:
    kind: str
    participant_id: int | None
    version: int
    code: str
    number: str
    data: Document
    summary: dict


def _latest(session: LiveSession) -> dict[tuple[str, int | None], IssuedDocument]:
    latest: dict[tuple[str, int | None], IssuedDocument] = {}
    for document in session_documents(session.id):
        latest[(document.kind, document.participant_id)] = document
    return latest


def _wanted(results) -> list[tuple[str, object]]:
    """(kind, result row) of every document the session needs: a certificate for each who passed,
    a score sheet for each who sat, one session sheet."""
    wanted: list[tuple[str, object]] = []
    for row in results.sitting:  # an absentee (缺考) gets no document; the session sheet lists them
        if row.passed:
            wanted.append((DocumentKind.CERTIFICATE, row))
        wanted.append((DocumentKind.TRAINEE_SHEET, row))
    wanted.append((DocumentKind.SESSION_SHEET, None))
    return wanted


def _stands(previous: IssuedDocument | None) -> bool:
    """Issued, or revoked by hand (which stands); a document superseded by a regrade does not."""
    return previous is not None and (not previous.revoked or previous.revoked_reason != SUPERSEDED)


def missing_count(session: LiveSession) -> int:
    """How many documents an ended session still needs (what 'issue the missing documents' would
    issue), without rendering anything."""
    latest = _latest(session)
    return sum(not _stands(latest.get((kind, row.participant_id if row else None)))
               for kind, row in _wanted(session_results(session)))


def plan(session: LiveSession, base_url: str) -> tuple[list[Pending], int]:
    """The documents still to issue, and how many of those the session needs are already there.
    A document an admin revoked by hand is not issued again."""
    latest = _latest(session)
    results = session_results(session)
    sheets = participant_sheets(session)
    issuer = issuer_name()
    pending, present = [], 0
    for kind, row in _wanted(results):
        participant_id = row.participant_id if row else None
        previous = latest.get((kind, participant_id))
        if _stands(previous):
            present += 1
            continue
        version = previous.version + 1 if previous else 1
        code = new_code()
        number = pdf.document_number(PREFIXES[kind], session, participant_id, version)
        url = f"{base_url}/verify/{code}"
        if kind == DocumentKind.CERTIFICATE:
            data = pdf.certificate_data(results, row, number, issuer, url)
        elif kind == DocumentKind.TRAINEE_SHEET:
            data = pdf.trainee_sheet_data(results, row, sheets[row.participant_id], number, issuer, url)
        else:
            data = pdf.session_sheet_data(results, number, issuer, url)
        summary = {"exam": session.title, "issuer": issuer, "date": pdf.chinese_date(session.ended_at)}
        if row is not None:
            summary |= {"name": row.name, "employee_no": row.employee_no,
                        "score": f"{pdf.number(row.total)} / {pdf.number(row.max_total)}", "passed": row.passed}
        pending.append(Pending(kind, participant_id, version, code, number, data, summary))
    return pending, present


def _record(session: LiveSession, item: Pending, signed: bytes) -> IssuedDocument:
    document = IssuedDocument(code=item.code, number=item.number, kind=item.kind, session_id=session.id,
                              participant_id=item.participant_id, version=item.version,
                              sha256=hashlib.sha256(signed).hexdigest(), size=len(signed), content=signed,
                              summary=item.summary)
    db.session.add(document)
    return document


def _results_moved(session: LiveSession, planned: int) -> bool:
    """Whether the session's results changed (a regrade) since the documents being committed
    were planned.  Asked in the committing transaction: PostgreSQL locks the session's row, so a
    regrade commits before or after this commit, never between; SQLite's single writer does
    the same (a regrade committed since this transaction's snapshot makes its first write fail)."""
    version = db.session.execute(sa.select(LiveSession.results_version).where(
        LiveSession.id == session.id).with_for_update()).scalar_one()
    return version != planned


def _issue(session: LiveSession, job: IssueJob, pending: list[Pending], processes: int | None,
           planned: int, worker: str | None = None) -> bool:
    """Sign and record ``pending``, committing every few documents with the job's progress and
    heartbeat; False (with the uncommitted ones dropped) as soon as the session's results have
    changed since they were planned, or another worker recorded one of them first (then the
    caller plans again).  Raises queue.LeaseLost when ``worker`` no longer holds the job."""
    worker = worker or job.claimed_by
    job_id, done = job.id, job.done
    if not pending:  # nothing to sign: no signing processes to start (and stop) for it
        return not _results_moved(session, planned)
    signed_all = sign_all((p.data for p in pending), signer_spec(), processes)
    try:
        since = 0
        for item, signed in zip(pending, signed_all, strict=True):
            _record(session, item, signed)
            since += 1
            if since == COMMIT_EVERY:
                if _results_moved(session, planned):
                    db.session.rollback()
                    return False
                done, since = done + since, 0
                queue.beat(job_id, worker, done=done)
                db.session.commit()
        if _results_moved(session, planned):
            db.session.rollback()
            return False
        queue.beat(job_id, worker, done=done + since)
        return True
    except sa.exc.IntegrityError:  # a document of this plan is current already: issued elsewhere
        db.session.rollback()
        log.warning("session %s: a document was issued by another run meanwhile; planning again", session.id)
        return False
    finally:
        signed_all.close()  # stops the signing processes when the plan is abandoned


def run_job(job_id: int, processes: int | None = None, worker: str | None = None) -> IssueJob:
    """Changes: takes job ``job_id`` over, whoever held it, and runs it here (run_claimed).  For
    the command line, inline issuing and tests; document workers claim jobs (queue.claim)."""
    worker = worker or queue.worker_name()
    queue.claim(job_id, worker, take_over=True)
    return run_claimed(job_id, worker, processes)


def run_claimed(job_id: int, worker: str, processes: int | None = None) -> IssueJob:
    """Changes: issues what the job's session is missing, committing every few documents and
    moving the job's progress and heartbeat; marks the job done, or failed with the reason.
    ``worker`` must hold the job (queue.claim); if another worker takes it over meanwhile (this
    one's heartbeat had expired), this one stops without committing anything more.  The job is
    its own unit of work.  When a regrade changes the results while it runs, what it signed
    since its last commit is dropped and it plans again: the regrade has superseded what was
    issued before, so the new plan reissues those with the new results."""
    job = db.session.get(IssueJob, job_id, populate_existing=True)
    session = job.session
    try:
        for _attempt in range(MAX_PLANS):
            planned = db.session.scalar(sa.select(LiveSession.results_version).where(LiveSession.id == session.id))
            pending, present = plan(session, job.base_url)
            queue.beat(job_id, worker, total=present + len(pending), done=present)
            db.session.commit()
            if _issue(session, job, pending, processes, planned, worker):
                break
            log.info("session %s: results changed while issuing; planning again", session.id)
        else:
            raise RuntimeError(f"the plan changed under the job {MAX_PLANS} times in a row")
        queue.beat(job_id, worker, state=JobState.DONE, finished_at=utcnow())
        db.session.commit()
    except queue.LeaseLost:
        db.session.rollback()
        log.warning("job %s was taken over by another worker; %s stops", job_id, worker)
    except Exception as exc:
        db.session.rollback()
        log.exception("issuing documents for session %s failed", session.id)
        db.session.execute(sa.update(IssueJob).where(IssueJob.id == job_id, IssueJob.claimed_by == worker).values(
            state=JobState.FAILED, error=f"{type(exc).__name__}: {exc}", finished_at=utcnow()))
        db.session.commit()
    return db.session.get(IssueJob, job_id, populate_existing=True)


def latest_job(session: LiveSession) -> IssueJob | None:
    return db.session.scalar(sa.select(IssueJob).where(IssueJob.session_id == session.id)
                             .order_by(IssueJob.id.desc()).limit(1))


def progress(session: LiveSession) -> dict:
    """The latest issuing job of a session, as the documents page and the API report it."""
    job = latest_job(session)
    if job is None:
        return {"state": "none", "done": 0, "total": 0, "interrupted": False, "error": None}
    return {"state": job.state, "done": job.done, "total": job.total, "error": job.error,
            "interrupted": is_interrupted(job)}


def is_interrupted(job: IssueJob) -> bool:
    """Queued or running, but nobody has moved it for longer than the lease (a worker takes a
    running one over then; staff may resume either)."""
    beat = job.heartbeat_at or job.created_at
    return job.state in (JobState.QUEUED, JobState.RUNNING) and utcnow() - beat > queue.lease()


def start_issuing(session: LiveSession, reason: IssueReason) -> IssueJob | None:
    """Changes: adds an issuing job for an ended session, started in the background once the
    caller's transaction commits, unless one is already under way (that one is returned) or
    DOCUMENTS_AUTO_ISSUE is off for this automatic reason (None)."""
    if reason != IssueReason.MANUAL and not current_app.config["DOCUMENTS_AUTO_ISSUE"]:
        return None
    job = latest_job(session)
    if job is not None and job.state in (JobState.QUEUED, JobState.RUNNING) and not is_interrupted(job):
        return job
    job = _queue(session, reason)
    _launch_after_commit(job)
    return job


def issue_by_hand(session: LiveSession) -> IssueJob:
    """Changes: staff asked for a session's missing documents: an issuing job, as start_issuing.
    Refused (OperationError ``not_ended``) until the session has ended."""
    if session.status != SessionStatus.ENDED:
        raise OperationError(_("Documents are issued once the session has ended."), code="not_ended")
    return start_issuing(session, IssueReason.MANUAL)


def _queue(session: LiveSession, reason: IssueReason) -> IssueJob:
    job = IssueJob(session_id=session.id, reason=reason, base_url=public_base_url(), heartbeat_at=utcnow())
    db.session.add(job)
    db.session.flush()
    return job


def _launch_after_commit(job: IssueJob) -> None:
    app, job_id = current_app._get_current_object(), job.id
    after_commit(lambda: _launch(app, job_id))


def _launch(app: Flask, job_id: int) -> None:
    """Run the job inline (tests, DOCUMENTS_INLINE), or start a document worker process that
    issues every queued job and then ends (DOCUMENTS_START_WORKER, one machine), or do nothing:
    the cluster's document workers (`flask --app wsgi documents worker`) claim it.  A web
    process never renders or signs: that would hold up the live exams' event loop."""
    if app.config.get("DOCUMENTS_INLINE"):
        run_job(job_id, processes=1)
        return
    if not app.config.get("DOCUMENTS_START_WORKER"):
        return
    logs = os.path.join(app.instance_path, "logs")
    os.makedirs(logs, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "EXAMHALL_INSTANCE_PATH": app.instance_path,
           "DOCUMENTS_LEASE_SECONDS": str(app.config["DOCUMENTS_LEASE_SECONDS"])}
    with open(os.path.join(logs, f"issue-{job_id}.log"), "ab") as out:
        worker = subprocess.Popen([sys.executable, "-m", "server.documents.worker", "--until-idle"],
                                  cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    threading.Thread(target=worker.wait, daemon=True).start()  # reaped when it ends


def revoke(document: IssuedDocument, actor: User | None, reason: str) -> None:
    """Changes: marks the document revoked, with who and why (not committed)."""
    if document.revoked:
        return
    document.revoked_at, document.revoked_reason = utcnow(), reason
    document.revoked_by_id = actor.id if actor else None


def revoke_by_hand(document: IssuedDocument, actor: User, reason: str) -> None:
    """Changes: an admin's revocation of one document, with the reason, in the audit log (not
    committed).  Refused (OperationError) without a reason or when it is revoked already."""
    reason = (reason or "").strip()
    if not reason:
        raise OperationError(_("Say why the document is revoked."), field="reason")
    if document.revoked:
        raise OperationError(_("The document was already revoked."), code="already_revoked")
    revoke(document, actor, reason)
    audit(actor, "revoke_document", document.session, reason, document=document.number, code=document.code)
    db.session.flush()


def supersede_after_regrade(session: LiveSession, changed_participant_ids: set[int], actor: User) -> int:
    """Changes: revokes as superseded every score sheet of the session (they print keys and
    points) and the certificates of participants whose result changed; flushes.  Returns how many."""
    count = 0
    for document in session_documents(session.id):
        if document.revoked:
            continue
        if document.kind != DocumentKind.CERTIFICATE or document.participant_id in changed_participant_ids:
            revoke(document, actor, SUPERSEDED)
            count += 1
    db.session.flush()
    return count


# --- what documents do when exams say something happened ---------------------------------------


@signals.session_ended.connect
def _issue_when_ended(session: LiveSession) -> None:
    """Certificates and score sheets, issued by a worker once the end is committed.  A failure
    to queue them never undoes the end: the documents page offers to issue again."""
    if not current_app.config["DOCUMENTS_AUTO_ISSUE"]:
        return
    try:
        with db.session.begin_nested():
            job = _queue(session, IssueReason.ENDED)
    except Exception:
        log.exception("session %s: could not queue its documents", session.id)
        return
    _launch_after_commit(job)  # only once the savepoint holding the job is released


@signals.session_regraded.connect
def _reissue_after_regrade(session: LiveSession, actor: User, changed_participant_ids: set[int]) -> None:
    """Documents already issued no longer match: revoke them as superseded and issue new ones,
    in the regrade's own transaction."""
    if session.status == SessionStatus.ENDED and supersede_after_regrade(session, changed_participant_ids, actor):
        start_issuing(session, IssueReason.REGRADE)
