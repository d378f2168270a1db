"""The question bank over the JSON API (bearer token; staff only)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields, validate

from server import tables
from server.access import roles
from server.api.spec import operation
from server.bank import formats, operations
from server.bank.models import QuestionBank
from server.bank.report import import_report, parse_report, upload_error_report
from server.bank.util import bank_by_name, may_manage_bank, may_use_bank, questions_query, visible_banks
from server.database import commit, rollback
from server.errors import OperationError, json_error
from server.extensions import csrf, db
from server.models import Role
from server.tables import UploadError

bp = Blueprint("bank_api", __name__, url_prefix="/api/v1/bank")
csrf.exempt(bp)
STAFF = (Role.ADMIN, Role.INVIGILATOR)


class BankOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    branch = fields.String(required=True)
    manage = fields.Boolean(required=True)


class BankList(Schema):
    """The banks the caller may use"""

    banks = fields.List(fields.Nested(BankOut), required=True)


class QuestionSource(Schema):
    file = fields.String(required=True, allow_none=True)
    number = fields.String(required=True, allow_none=True)
    line = fields.Integer(required=True, allow_none=True)


class QuestionOut(Schema):
    id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    type = fields.String(required=True)
    stem = fields.String(required=True)
    options = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    answer = fields.String(required=True)
    explanation = fields.String(required=True)
    tags = fields.List(fields.String(), required=True)
    retired = fields.Boolean(required=True)
    source = fields.Nested(QuestionSource, required=True)


class BankRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class QuestionList(Schema):
    """A bank's questions"""

    bank = fields.Nested(BankRef, required=True)
    questions = fields.List(fields.Nested(QuestionOut), required=True)


class QuestionQuery(Schema):
    type = fields.String(validate=validate.OneOf(["judge", "single", "multi"]))
    tag = fields.String()
    q = fields.String(metadata={"description": "words in the stem"})
    retired = fields.String(validate=validate.OneOf(["0", "1"]), metadata={"description": "1: retired ones too"})


class ImportReport(Schema):
    """What the file held (and, unless a dry run, what was imported)"""

    questions = fields.Integer(required=True)
    by_type = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    errors = fields.List(fields.Dict(), required=True, metadata={"description": "line, number, code, message"})
    items = fields.List(fields.Dict(), required=True)
    notes = fields.Integer()
    bank = fields.Nested(BankRef)
    imported = fields.Integer()
    already_in_bank = fields.Integer()
    skipped_duplicates = fields.List(fields.Dict())
    error = fields.Dict(metadata={"description": "the file could not be read (422)"})


def _question_json(question) -> dict:
    return {"id": question.id, "version": question.version, "type": question.type, "stem": question.stem,
            "options": question.options, "answer": question.answer, "explanation": question.explanation,
            "tags": question.tags, "retired": question.retired,
            "source": {"file": question.source_file, "number": question.source_number,
                       "line": question.source_line}}


@bp.route("/banks")
@roles(*STAFF)
@operation("List question banks", tag="banks", responses={200: BankList})
def banks():
    return jsonify(banks=[{"id": b.id, "name": b.name, "branch": b.branch.code,
                           "manage": may_manage_bank(current_user, b)} for b in visible_banks(current_user)])


@bp.route("/banks/<int:bank_id>/questions")
@roles(*STAFF)
@operation("A bank's questions, filtered", tag="banks", query=QuestionQuery, responses={200: QuestionList})
def questions(bank_id: int):
    bank = db.session.get(QuestionBank, bank_id)
    if bank is None or not may_use_bank(current_user, bank):
        return json_error(404, "not_found", _("There is nothing here."))
    query = questions_query(bank, qtype=request.args.get("type"), tag=request.args.get("tag"),
                            search=request.args.get("q"), include_retired=request.args.get("retired") == "1")
    return jsonify(bank={"id": bank.id, "name": bank.name},
                   questions=[_question_json(q) for q in db.session.scalars(query)])


@bp.route("/import", methods=["POST"])
@roles(*STAFF)
@operation("Import a question file into a bank (or check it with dry_run)", tag="banks",
           multipart={"file": "the question file", "format": "auto (default) or a format name",
                      "bank": "bank name; created at the caller's branch if missing",
                      "dry_run": "1: parse and report only"},
           responses={200: ImportReport, 201: ImportReport, 422: ImportReport})
def import_file():
    """multipart/form-data: file, format (auto), bank (name; created if missing), dry_run (1/0)."""
    upload = request.files.get("file")
    if upload is None:
        return json_error(400, "missing_field", _("This field is required."), "file")
    fmt = request.form.get("format", "auto")
    if fmt not in ("auto", *formats.FORMATS):
        return json_error(400, "invalid", _("Unknown format %(format)s.", format=fmt), "format")
    try:
        result = tables.in_worker(formats.parse, upload.read(), upload.filename or "", fmt)
    except UploadError as error:
        return jsonify(upload_error_report(error)), 422
    if request.form.get("dry_run", "0") in ("1", "true", "yes"):
        return jsonify(parse_report(result))
    name = (request.form.get("bank") or "").strip()
    if not name:
        return json_error(400, "missing_field", _("This field is required."), "bank")
    # The importer's own branch's bank of that name, else a new one there: the answer is the same
    # whether or not another branch has a bank so named.
    bank = bank_by_name(name, current_user.branch)
    try:
        bank = bank or operations.create_bank(current_user, name, current_user.branch)
        outcome = operations.import_questions(bank, result, upload.filename or "")
    except OperationError as exc:
        rollback()
        return json_error(400, exc.code, exc.message, "bank")
    commit()
    return jsonify(import_report(result, outcome)), 201
