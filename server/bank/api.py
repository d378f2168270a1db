"""The question bank over the JSON API (bearer token; staff only): banks, questions (search,
create, edit with versions, retire, restore), export and import.  The Bank pages' rules: a bank
outside what the caller may use is 404; one they may use but not manage (shared from above) is
403 for writes."""
from __future__ import annotations

import io

from flask import Blueprint, jsonify, request, send_file
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields, validate

from server import tables
from server.access import in_scope, roles
from server.api.paging import PageQuery, page_of_query
from server.api.spec import load, operation
from server.bank import formats, operations
from server.bank.exports import GIFT, XLSX, export_bank
from server.bank.models import Question, QuestionBank
from server.bank.report import import_report, parse_report, upload_error_report
from server.bank.util import (
    bank_by_name,
    bank_for,
    may_manage_bank,
    may_use_bank,
    question_for,
    questions_query,
    visible_banks,
)
from server.branches.operations import clean_code
from server.branches.util import branch_by_code
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
    """A question (the version named by ``id``)"""

    id = fields.Integer(required=True)
    family_id = fields.Integer(required=True, metadata={"description": "shared by every version of the question"})
    version = fields.Integer(required=True)
    current = fields.Boolean(required=True, metadata={"description": "false: an earlier version an exam used"})
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
    """A page of a bank's questions (``questions``, with the paging convention's fields)"""

    bank = fields.Nested(BankRef, required=True)
    questions = fields.List(fields.Nested(QuestionOut), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


class QuestionQuery(PageQuery):
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
    return {"id": question.id, "family_id": question.family_id, "version": question.version,
            "current": question.is_current, "type": question.type, "stem": question.stem,
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
@operation("A bank's questions, filtered, a page at a time", tag="banks", query=QuestionQuery,
           responses={200: QuestionList, 400: "Error"})
def questions(bank_id: int):
    bank = db.session.get(QuestionBank, bank_id)
    if bank is None or not may_use_bank(current_user, bank):
        return json_error(404, "not_found", _("There is nothing here."))
    args = load(QuestionQuery, request.args, query=True)
    query = questions_query(bank, qtype=args.get("type"), tag=args.get("tag"), search=args.get("q"),
                            include_retired=args.get("retired") == "1")
    rows, page = page_of_query(query, args)
    return jsonify(bank={"id": bank.id, "name": bank.name}, questions=[_question_json(q) for q in rows], **page)


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


# --- banks, questions: writes and export ---------------------------------------------------------


class BankIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    branch = fields.String(validate=validate.Length(min=1, max=40),
                           metadata={"description": "owner's branch code (default: the caller's branch)"})


class QuestionIn(Schema):
    type = fields.String(required=True, validate=validate.OneOf(["judge", "single", "multi"]))
    stem = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    options = fields.Dict(keys=fields.String(validate=validate.OneOf(list("ABCDEF"))),
                          values=fields.String(validate=validate.Length(max=1000)), load_default=dict,
                          metadata={"description": "letter -> text; none for true/false"})
    answer = fields.String(required=True, validate=validate.Length(min=1, max=8),
                           metadata={"description": "letters (ACD), or 对/错 (T/F) for true/false"})
    explanation = fields.String(load_default="", validate=validate.Length(max=5000))
    tags = fields.List(fields.String(validate=validate.Length(max=50)), load_default=list,
                       validate=validate.Length(max=20))


class EditedQuestion(Schema):
    """The version that now holds the edit"""

    question = fields.Nested(QuestionOut, required=True)
    new_version = fields.Boolean(required=True, metadata={
        "description": "true: an exam had used the edited version, which stays as it was"})


class QuestionVersions(Schema):
    """Every version of a question, oldest first"""

    versions = fields.List(fields.Nested(QuestionOut), required=True)


def _bank(bank_id: int, manage: bool = False) -> QuestionBank:
    return bank_for(current_user, bank_id, manage)


def _question(question_id: int, manage: bool = False) -> Question:
    return question_for(current_user, question_id, manage)


def _question_input(data: dict) -> operations.QuestionInput:
    return operations.QuestionInput(type=data["type"], stem=data["stem"], options=data["options"],
                                    answer=data["answer"], explanation=data["explanation"], tags=tuple(data["tags"]))


@bp.errorhandler(OperationError)
def _refused(exc: OperationError):
    """The operation's refusal (or a request's invalid field), with the pages' option fields
    named as the API names them."""
    rollback()
    field = exc.field
    if field and field.startswith("option_"):
        field = f"options.{field.removeprefix('option_').upper()}"
    return json_error(400, exc.code, exc.message, field)


@bp.route("/banks", methods=["POST"])
@roles(*STAFF)
@operation("Create an empty bank", tag="banks", body=BankIn, responses={201: BankOut})
def create_bank():
    data = load(BankIn, request.get_json(silent=True))
    branch = current_user.branch
    if "branch" in data:
        branch = branch_by_code(clean_code(data["branch"]))
        if branch is None or not in_scope(current_user, branch):
            return json_error(400, "invalid", _("Unknown branch code %(code)s.", code=data["branch"]), "branch")
    try:
        bank = operations.create_bank(current_user, data["name"], branch, data["description"])
    except OperationError as exc:
        return _refused(exc)
    commit()
    return jsonify(BankOut().dump({"id": bank.id, "name": bank.name, "branch": bank.branch.code,
                                   "manage": True})), 201


@bp.route("/banks/<int:bank_id>/questions", methods=["POST"])
@roles(*STAFF)
@operation("Add one question to a bank the caller manages", tag="banks", body=QuestionIn,
           responses={201: QuestionOut})
def create_question(bank_id: int):
    bank = _bank(bank_id, manage=True)
    data = load(QuestionIn, request.get_json(silent=True))
    try:
        question = operations.add_question(bank, _question_input(data))
    except OperationError as exc:
        return _refused(exc)
    commit()
    return jsonify(QuestionOut().dump(_question_json(question))), 201


@bp.route("/questions/<int:question_id>")
@roles(*STAFF)
@operation("Get one question (any version)", tag="banks", responses={200: QuestionOut})
def get_question(question_id: int):
    return jsonify(QuestionOut().dump(_question_json(_question(question_id))))


@bp.route("/questions/<int:question_id>/versions")
@roles(*STAFF)
@operation("Every version of a question, oldest first", tag="banks", responses={200: QuestionVersions})
def question_versions(question_id: int):
    question = _question(question_id)
    versions = db.session.scalars(db.select(Question).where(Question.family_id == question.family_id)
                                  .order_by(Question.version))
    return jsonify(QuestionVersions().dump({"versions": [_question_json(q) for q in versions]}))


@bp.route("/questions/<int:question_id>", methods=["PUT"])
@roles(*STAFF)
@operation("Edit a question: its whole content", tag="banks", body=QuestionIn,
           responses={200: EditedQuestion, 409: "Error"},
           description="As the edit page: a version an exam has used stays as it was and the edit becomes "
                       "a new current version (`new_version: true`, a new `id`). Only the current version "
                       "can be edited (409 otherwise).")
def edit_question(question_id: int):
    question = _question(question_id, manage=True)
    data = load(QuestionIn, request.get_json(silent=True))
    if not question.is_current:
        return json_error(409, "not_current", _("Only the current version of a question can be edited."), None)
    try:
        saved = operations.edit_question(question, _question_input(data))
    except OperationError as exc:
        return _refused(exc)
    commit()
    return jsonify(EditedQuestion().dump({"question": _question_json(saved), "new_version": saved is not question}))


def _set_retired(question_id: int, retired: bool):
    question = _question(question_id, manage=True)
    operations.set_retired(question, retired)
    commit()
    return jsonify(QuestionOut().dump(_question_json(question)))


@bp.route("/questions/<int:question_id>/retire", methods=["POST"])
@roles(*STAFF)
@operation("Retire a question: new papers do not use it (exams that did keep it)", tag="banks",
           responses={200: QuestionOut})
def retire_question(question_id: int):
    return _set_retired(question_id, True)


@bp.route("/questions/<int:question_id>/restore", methods=["POST"])
@roles(*STAFF)
@operation("Restore a retired question", tag="banks", responses={200: QuestionOut})
def restore_question(question_id: int):
    return _set_retired(question_id, False)


def _export(bank_id: int, fmt: str):
    exported = export_bank(_bank(bank_id), fmt)
    return send_file(io.BytesIO(exported.data), mimetype=exported.mimetype, as_attachment=True,
                     download_name=exported.download_name)


@bp.route("/banks/<int:bank_id>/export.gift")
@roles(*STAFF)
@operation("A bank's current questions as GIFT text (as the Bank page exports)", tag="banks",
           responses={200: GIFT.split(";")[0]})
def export_gift(bank_id: int):
    return _export(bank_id, "gift")


@bp.route("/banks/<int:bank_id>/export.xlsx")
@roles(*STAFF)
@operation("A bank's current questions as .xlsx, in the import template's columns", tag="banks",
           responses={200: XLSX})
def export_xlsx(bank_id: int):
    return _export(bank_id, "xlsx")
