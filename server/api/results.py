"""Results and documents beyond the lists (bearer token; staff, revoking admins only): item
analysis, the result exports, the documents' ZIP, issuing by hand and revoking.  The same
functions as the results, analysis and documents pages; another branch's session is 404."""
from __future__ import annotations

import io

from flask import Blueprint, abort, jsonify, request, send_file
from flask_login import current_user
from marshmallow import Schema, fields, validate

from server.access import roles
from server.api.exams import STAFF
from server.api.schemas import ProgressOut
from server.api.spec import load, operation
from server.database import commit, rollback
from server.documents import operations as documents
from server.documents.controllers import archive_response
from server.documents.models import IssuedDocument
from server.errors import OperationError, json_error
from server.exams import exports
from server.exams.results import item_analysis, session_results
from server.exams.util import managed_session, may_manage_session
from server.extensions import csrf, db
from server.models import Role

bp = Blueprint("results_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


class ItemOut(Schema):
    position = fields.Integer(required=True)
    question_id = fields.Integer(required=True, metadata={"description": "the bank question"})
    type = fields.String(required=True)
    stem = fields.String(required=True)
    key = fields.String(required=True)
    participants = fields.Integer(required=True, metadata={"description": "trainees who sat the session"})
    facility = fields.Float(required=True, metadata={"description": "share with full points"})
    discrimination = fields.Float(required=True, metadata={"description": "top 27% minus bottom 27% facility"})
    point_biserial = fields.Float(required=True, allow_none=True)
    option_counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    unanswered = fields.Integer(required=True)
    flags = fields.List(fields.String(), required=True, metadata={"description": "e.g. a key that may be wrong"})


class ItemAnalysisOut(Schema):
    """Item analysis of a session's questions, in paper order"""

    items = fields.List(fields.Nested(ItemOut), required=True)


class RevokeIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class RevokedOut(Schema):
    """The document, revoked"""

    id = fields.Integer(required=True)
    number = fields.String(required=True)
    revoked = fields.Boolean(required=True)
    reason = fields.String(required=True)


@bp.errorhandler(OperationError)
def _refused(exc: OperationError):
    rollback()
    return json_error(409 if exc.code in ("not_ended", "already_revoked") else 400, exc.code, exc.message, exc.field)


@bp.route("/sessions/<int:session_id>/analysis")
@roles(*STAFF)
@operation("Item analysis: facility, discrimination and answer spread per question", tag="results",
           responses={200: ItemAnalysisOut})
def analysis(session_id: int):
    session = managed_session(current_user, session_id)
    frozen = {q.id: q for q in session.questions}
    items = []
    for item in item_analysis(session):
        question = frozen[item.question_id]
        items.append({"position": question.position, "question_id": question.question_id, "type": question.type,
                      "stem": question.stem, "key": question.answer, "participants": item.participants,
                      "facility": item.facility, "discrimination": item.discrimination,
                      "point_biserial": item.point_biserial, "option_counts": item.option_counts,
                      "unanswered": item.unanswered, "flags": list(item.flags)})
    items.sort(key=lambda i: i["position"])
    return jsonify(ItemAnalysisOut().dump({"items": items}))


def _results_file(session_id: int, fmt: str):
    session = managed_session(current_user, session_id)
    data, mimetype, name = exports.results_file(session_results(session), fmt)
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name, mimetype=mimetype)


@bp.route("/sessions/<int:session_id>/results.xlsx")
@roles(*STAFF)
@operation("The results as the results page exports them (.xlsx: results and every answer)", tag="results",
           responses={200: exports.XLSX})
def results_xlsx(session_id: int):
    return _results_file(session_id, "xlsx")


@bp.route("/sessions/<int:session_id>/results.csv")
@roles(*STAFF)
@operation("The results as the results page exports them (CSV, UTF-8)", tag="results",
           responses={200: "text/csv"})
def results_csv(session_id: int):
    return _results_file(session_id, "csv")


@bp.route("/sessions/<int:session_id>/documents.zip")
@roles(*STAFF)
@operation("Every valid (not revoked) document of a session in one ZIP, streamed", tag="documents",
           responses={200: "application/zip"})
def documents_zip(session_id: int):
    return archive_response(managed_session(current_user, session_id))


@bp.route("/sessions/<int:session_id>/documents/issue", methods=["POST"])
@roles(*STAFF)
@operation("Issue an ended session's missing documents (in the background)", tag="documents",
           responses={202: ProgressOut, 409: "Error"},
           description="Poll `GET /sessions/{id}/documents` for `progress`. 409 `not_ended` before the end. "
                       "A job already under way is reused.")
def issue_documents(session_id: int):
    session = managed_session(current_user, session_id)
    documents.issue_by_hand(session)
    commit()
    return jsonify(ProgressOut().dump(documents.progress(session))), 202


@bp.route("/documents/<int:document_id>/revoke", methods=["POST"])
@roles(Role.ADMIN)
@operation("Revoke a document, with the reason verification will show", tag="documents", body=RevokeIn,
           responses={200: RevokedOut, 409: "Error"})
def revoke_document(document_id: int):
    document = db.session.get(IssuedDocument, document_id)
    if document is None or not may_manage_session(current_user, document.session):
        abort(404)
    data = load(RevokeIn, request.get_json(silent=True))
    documents.revoke_by_hand(document, current_user, data["reason"])
    commit()
    return jsonify(RevokedOut().dump({"id": document.id, "number": document.number, "revoked": document.revoked,
                                      "reason": document.revoked_reason}))
