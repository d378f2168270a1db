"""Issued documents over HTTP: a session's documents and their progress, downloads (a trainee
their own, staff their sessions'), revocation by an admin, and public verification by code,
by uploaded file, and as JSON."""
from __future__ import annotations

import hashlib
import io
import time
import unicodedata
import zipfile
from urllib.parse import quote

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import Schema, fields, validate

from pdfs.fonts import cjk_font
from pdfs.signing import SignatureCheck, check_signature
from server.access import public, roles, signed_in
from server.api.spec import operation
from server.database import commit, rollback
from server.documents import operations, pdf
from server.documents.identity import signer_spec
from server.documents.models import DocumentKind, IssuedDocument
from server.documents.util import documents_with_content, participant_documents, replacement, session_documents
from server.errors import OperationError
from server.exams.models import SessionStatus
from server.exams.util import managed_session, mask_name, may_manage_session
from server.extensions import db, limiter
from server.headers import no_store
from server.models import Role
from server.offload import LimitExceeded, in_process, in_thread
from server.spreadsheets import file_name

bp = Blueprint("documents", __name__)
STAFF = (Role.ADMIN, Role.INVIGILATOR)
PDF_MAGIC = b"%PDF-"
UNKNOWN_FILE_SECONDS = 5  # a file that is none of ours gets this long for its signature to be read


class VerificationOut(Schema):
    """The same fields whatever the verdict; null where unknown"""

    code = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["valid", "revoked", "unknown"]))
    kind = fields.String(required=True, allow_none=True)
    number = fields.String(required=True, allow_none=True)
    holder = fields.String(required=True, allow_none=True)
    employee_no = fields.String(required=True, allow_none=True)
    exam = fields.String(required=True, allow_none=True)
    score = fields.String(required=True, allow_none=True)
    passed = fields.Boolean(required=True, allow_none=True)
    issuer = fields.String(required=True, allow_none=True)
    issued_on = fields.String(required=True, allow_none=True)
    revoked_at = fields.String(required=True, allow_none=True)
    revoked_reason = fields.String(required=True, allow_none=True)
    replaced_by = fields.String(required=True, allow_none=True)  # the verification code of its replacement
    sha256 = fields.String(required=True, allow_none=True)


def _verify_limit() -> str:
    """One allowance per address across the verify page, the upload and the API, so codes cannot
    be guessed faster by spreading the attempts."""
    return current_app.config["VERIFY_LIMIT"]


@bp.route("/sessions/<int:session_id>/documents")
@roles(*STAFF)
def index(session_id: int):
    session = managed_session(current_user, session_id)
    missing = operations.missing_count(session) if session.status == SessionStatus.ENDED else 0
    return render_template("documents/index.html", session=session, documents=session_documents(session.id),
                           progress=operations.progress(session), font=cjk_font(), missing=missing)


@bp.route("/sessions/<int:session_id>/documents/progress")
@roles(*STAFF)
def progress(session_id: int):
    return jsonify(operations.progress(managed_session(current_user, session_id)))


@bp.route("/sessions/<int:session_id>/documents/issue", methods=["POST"])
@roles(*STAFF)
def issue(session_id: int):
    session = managed_session(current_user, session_id)
    try:
        operations.issue_by_hand(session)
    except OperationError as exc:
        rollback()
        flash(exc.message, "error")
    else:
        commit()
        flash(_("Issuing has started; this page shows its progress."), "success")
    return redirect(url_for("documents.index", session_id=session.id))


@bp.route("/sessions/<int:session_id>/documents.zip")
@roles(*STAFF)
@no_store
def archive(session_id: int):
    return archive_response(managed_session(current_user, session_id))


def archive_response(session) -> Response:
    """Every valid document of the session in one ZIP, streamed: the PDFs are read a few at a
    time and each entry goes out as it is written, so a thousand trainees' documents neither
    sit in memory at once nor hold the event loop while the archive is built."""
    ids = [document.id for document in session_documents(session.id) if not document.revoked]
    response = Response(stream_with_context(_zip_stream(ids)), mimetype="application/zip")
    response.headers.set("Content-Disposition", "attachment", **_download_names(
        file_name(f"{session.title}-documents", ".zip")))
    return response


ARCHIVE_BATCH = 20  # PDFs read from the database at a time


class _Spool(io.RawIOBase):
    """Where the ZIP writer puts its bytes until the response takes them.  It cannot seek, so
    zipfile writes each entry's sizes after its data (a data descriptor), as streaming needs."""

    def __init__(self):
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def _zip_stream(ids: list[int]):
    spool, used = _Spool(), set()
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_STORED) as bundle:  # signed PDFs do not compress further
        for start in range(0, len(ids), ARCHIVE_BATCH):
            for document in documents_with_content(ids[start:start + ARCHIVE_BATCH]):
                bundle.writestr(_unique(download_name(document), used), document.content)
                yield spool.take()
                time.sleep(0)  # under gevent: let the other connections run between entries
            db.session.expunge_all()  # the PDFs just sent are not kept
    yield spool.take()


def _unique(name: str, used: set[str]) -> str:
    stem, suffix, number = name.removesuffix(".pdf"), ".pdf", 1
    while name.casefold() in used:
        number += 1
        name = f"{stem}-{number}{suffix}"
    used.add(name.casefold())
    return name


def _download_names(name: str) -> dict[str, str]:
    """Content-Disposition's names as Flask's send_file writes them: an ASCII fallback and the
    real name as RFC 5987 ``filename*``."""
    simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return {"filename": simple, "filename*": f"UTF-8''{quote(name, safe='!#$&+^`|~')}"}


KIND_NAMES = {DocumentKind.CERTIFICATE: "合格证书", DocumentKind.TRAINEE_SHEET: "成绩单",
              DocumentKind.SESSION_SHEET: "成绩汇总"}


def download_name(document: IssuedDocument) -> str:
    """A document's file name, alone or in the archive: a plain name (no folders, no "..",
    nothing a system forbids) whatever the roster said the trainee's name was."""
    who = f"{document.summary.get('employee_no')}-{document.summary.get('name')}-" if document.participant_id else ""
    return file_name(f"{who}{KIND_NAMES[document.kind]}-{document.number}", ".pdf")


@bp.app_template_global("documents_of")
def documents_of(participant, include_revoked: bool = False) -> list[IssuedDocument]:
    """A participant's documents, for pages of other features (a result sheet lists them)."""
    return participant_documents(participant, include_revoked=include_revoked)


def may_download(document: IssuedDocument) -> bool:
    if may_manage_session(current_user, document.session):
        return True
    own = document.participant is not None and document.participant.user_id == current_user.id
    return own and not document.revoked


@bp.route("/documents/<int:document_id>.pdf")
@signed_in
@no_store
def download(document_id: int):
    return document_pdf(document_id)


def document_pdf(document_id: int):
    """The document as a PDF download for whoever may have it (404 for anyone else); the page
    and the API answer with this."""
    document = db.session.get(IssuedDocument, document_id)
    if document is None or not may_download(document):
        abort(404)
    return send_file(io.BytesIO(document.content), mimetype="application/pdf", as_attachment=True,
                     download_name=download_name(document))


@bp.route("/documents/<int:document_id>/revoke", methods=["POST"])
@roles(Role.ADMIN)
def revoke(document_id: int):
    document = db.session.get(IssuedDocument, document_id)
    if document is None or not may_manage_session(current_user, document.session):
        abort(404)
    try:
        operations.revoke_by_hand(document, current_user, request.form.get("reason") or "")
    except OperationError as exc:
        rollback()
        flash(exc.message, "error")
    else:
        commit()
        flash(_("Document %(number)s is revoked.", number=document.number), "success")
    return redirect(url_for("documents.index", session_id=document.session_id))


# --- public verification ---------------------------------------------------------------------


def _mask_number(number: str) -> str:
    return number[:2] + "*" * max(0, len(number) - 3) + number[-1:] if len(number) > 3 else "*" * len(number)


def verification(document: IssuedDocument | None, code: str) -> dict:
    """The same fields whatever the answer, so an unknown code looks like any other reply."""
    summary = document.summary if document else {}
    status = "unknown" if document is None else ("revoked" if document.revoked else "valid")
    return {
        "code": code,
        "status": status,
        "kind": document.kind if document else None,
        "number": document.number if document else None,
        "holder": mask_name(summary["name"]) if summary.get("name") else None,
        "employee_no": _mask_number(summary["employee_no"]) if summary.get("employee_no") else None,
        "exam": summary.get("exam"),
        "score": summary.get("score"),
        "passed": summary.get("passed"),
        "issuer": summary.get("issuer"),
        "issued_on": summary.get("date"),
        "revoked_at": (document.revoked_at.isoformat(timespec="seconds") + "Z"
                       if document and document.revoked else None),
        "revoked_reason": _revocation_text(document) if document and document.revoked else None,
        "replaced_by": _replacement_code(document),
        "sha256": document.sha256 if document else None,
    }


def _page_dates(document: IssuedDocument | None) -> dict:
    """The exam's date and the revocation's as the reader's language writes them (the JSON and
    the document keep the Chinese date printed on it)."""
    if document is None:
        return {}
    dates = {"issued_on": format_date(pdf.local(document.session.ended_at or document.issued_at).date(), "long")}
    if document.revoked:
        dates["revoked_on"] = format_date(pdf.local(document.revoked_at).date(), "long")
    return dates


def _replacement_code(document: IssuedDocument | None) -> str | None:
    new = replacement(document) if document else None
    return new.code if new else None


def _revocation_text(document: IssuedDocument) -> str:
    if document.revoked_reason == operations.SUPERSEDED:
        return _("Superseded by a reissued document after a regrade.")
    return document.revoked_reason


def _by_code(code: str) -> IssuedDocument | None:
    return db.session.scalar(sa.select(IssuedDocument).where(IssuedDocument.code == code)) if code else None


@bp.route("/verify", methods=["GET", "POST"])
@public
@limiter.shared_limit(_verify_limit, scope="verify", methods=["POST"])
def verify_form():
    if request.method == "GET":
        code = operations.normalise_code(request.args.get("code", ""))
        if code:
            return redirect(url_for("documents.verify_code", code=code))
        return render_template("documents/verify.html", result=None, check=None)
    upload = request.files.get("document")
    data = upload.read() if upload else b""
    if not data.startswith(PDF_MAGIC):
        flash(_("Choose the PDF file you received from Examhall."), "error")
        return render_template("documents/verify.html", result=None, check=None), 400
    # The hash first (hashlib releases the GIL): only a file we issued gets the full time to check.
    digest = in_thread(lambda: hashlib.sha256(data).hexdigest())
    document = db.session.scalar(sa.select(IssuedDocument).where(IssuedDocument.sha256 == digest))
    result = verification(document, document.code if document else "")
    try:
        # pyHanko's reader is Python: a hostile PDF (100,000 form fields, arrays nested 200,000
        # deep) takes seconds of CPU, so it is read in a worker, never on the live event loop.
        check = in_process(check_signature, data, signer_spec().authority_pem(),
                           seconds=None if document else UNKNOWN_FILE_SECONDS)
    except LimitExceeded:
        check = SignatureCheck(False, error="unreadable")
        flash(_("The file could not be read: it is not a document Examhall issued, or it is damaged."), "error")
    if not check.ok and result["status"] == "valid":
        result["status"] = "invalid"
    return render_template("documents/verify.html", result=result, check=check, dates=_page_dates(document))


@bp.route("/verify/<code>")
@public
@limiter.shared_limit(_verify_limit, scope="verify")
def verify_code(code: str):
    code = operations.normalise_code(code)
    document = _by_code(code)
    return render_template("documents/verify.html", result=verification(document, code), check=None,
                           dates=_page_dates(document))


@bp.route("/api/v1/verify/<code>")
@public
@limiter.shared_limit(_verify_limit, scope="verify")
@operation("Verify a document by its code", tag="verification", responses={200: VerificationOut, 429: "Error"})
def verify_api(code: str):
    code = operations.normalise_code(code)
    return jsonify(verification(_by_code(code), code))


@bp.route("/verify/authority.pem")
@public
def authority():
    return send_file(io.BytesIO(signer_spec().authority_pem()), mimetype="application/x-pem-file",
                     as_attachment=True, download_name="examhall-authority.pem")


KIND_LABELS = {DocumentKind.CERTIFICATE: _l("Certificate"), DocumentKind.TRAINEE_SHEET: _l("Score sheet"),
               DocumentKind.SESSION_SHEET: _l("Session score sheet")}
STATE_LABELS = {"none": _l("Not started"), "queued": _l("Queued"), "running": _l("Issuing"), "done": _l("Done"),
                "failed": _l("Failed")}
VERDICT_LABELS = {"valid": _l("Valid: issued by Examhall and not revoked"), "revoked": _l("Revoked"),
                  "unknown": _l("Unknown: no document was issued with this code or content"),
                  "invalid": _l("Not valid: the signature does not check out")}


@bp.app_template_global()
def document_kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@bp.app_template_global()
def issue_state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


@bp.app_template_global()
def verification_label(status: str) -> str:
    return str(VERDICT_LABELS.get(status, status))
