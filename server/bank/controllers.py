"""Pages for question banks: list, import with preview, browse and filter, edit, retire, export.
Only staff reach them: answer keys are never shown to trainees."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grading import judge_label
from server import tables, uploads
from server.access import require_in_scope, roles
from server.auth.forms import EmptyForm
from server.bank import formats, operations
from server.bank.exports import EXPORT_FORMATS, XLSX, export_bank
from server.bank.formats.table import write_xlsx
from server.bank.forms import BankForm, ImportCommitForm, ImportUploadForm, QuestionForm
from server.bank.models import Question, QuestionBank
from server.bank.report import import_report, parse_report
from server.bank.util import (
    bank_for,
    may_manage_bank,
    question_for,
    questions_query,
    tags_in_use,
    type_counts,
    visible_banks,
)
from server.branches.util import visible_branches
from server.database import commit, rollback
from server.errors import OperationError
from server.extensions import db
from server.models import Branch, Role
from server.tables import UploadError

bp = Blueprint("bank", __name__, url_prefix="/bank")
STAFF = (Role.ADMIN, Role.INVIGILATOR)
UPLOAD_KIND = "bank"
LETTER_FIELDS = {letter: f"option_{letter.lower()}" for letter in "ABCDEF"}


def _bank(bank_id: int, manage: bool = False) -> QuestionBank:
    return bank_for(current_user, bank_id, manage)


def _question(question_id: int, manage: bool = False) -> Question:
    return question_for(current_user, question_id, manage)


def _branch_choices():
    return [(b.id, "\u3000" * b.depth + b.name) for b in visible_branches(current_user)]


@bp.route("/")
@roles(*STAFF)
def index():
    banks = visible_banks(current_user)
    return render_template("bank/index.html", banks=banks, counts={b.id: type_counts(b) for b in banks},
                           manageable={b.id for b in banks if may_manage_bank(current_user, b)})


@bp.route("/new", methods=["GET", "POST"])
@roles(*STAFF)
def create():
    form = BankForm(branch_id=current_user.branch_id)
    form.branch_id.choices = _branch_choices()
    if form.validate_on_submit():
        branch = require_in_scope(current_user, db.session.get(Branch, form.branch_id.data))
        try:
            bank = operations.create_bank(current_user, form.name.data, branch, form.description.data or "")
        except OperationError as exc:
            rollback()
            form.name.errors.append(exc.message)
        else:
            commit()
            flash(_("Created the bank %(name)s.", name=bank.name), "success")
            return redirect(url_for("bank.show", bank_id=bank.id))
    return render_template("bank/new.html", form=form)


@bp.route("/<int:bank_id>")
@roles(*STAFF)
def show(bank_id: int):
    bank = _bank(bank_id)
    filters = {"type": request.args.get("type", ""), "tag": request.args.get("tag", ""),
               "q": request.args.get("q", ""), "retired": request.args.get("retired", "")}
    query = questions_query(bank, qtype=filters["type"], tag=filters["tag"], search=filters["q"],
                            include_retired=bool(filters["retired"]))
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("bank/show.html", bank=bank, page=page, filters=filters, tags=tags_in_use(),
                           counts=type_counts(bank), manage=may_manage_bank(current_user, bank),
                           action_form=EmptyForm())


# --- import -------------------------------------------------------------------------------------


def _commit_form(token: str | None, fmt: str) -> ImportCommitForm:
    form = ImportCommitForm(token=token, format=fmt)
    form.bank_id.choices = [(0, "—")] + [(b.id, b.name) for b in visible_banks(current_user)
                                        if may_manage_bank(current_user, b)]
    return form


@bp.route("/import", methods=["GET", "POST"])
@roles(*STAFF)
def import_upload():
    form = ImportUploadForm()
    if form.validate_on_submit():
        filename, data = form.file.data.filename or "upload", form.file.data.read()
        try:
            result = tables.in_worker(formats.parse, data, filename, form.format.data)
        except UploadError as error:
            form.file.errors.append(str(error))
        else:
            token = uploads.stash(UPLOAD_KIND, current_user.id, filename, data) if result.questions else None
            return render_template("bank/preview.html", report=parse_report(result), filename=filename,
                                   commit_form=_commit_form(token, form.format.data))
    return render_template("bank/import.html", form=form)


@bp.route("/import/commit", methods=["POST"])
@roles(*STAFF)
def import_commit():
    form = _commit_form(None, "auto")
    if not form.validate_on_submit():
        abort(400)
    stashed = uploads.load(UPLOAD_KIND, form.token.data, current_user.id)
    if stashed is None:
        flash(_("That upload has expired. Upload the file again."), "error")
        return redirect(url_for("bank.import_upload"))
    filename, data = stashed
    try:
        result = tables.in_worker(formats.parse, data, filename, form.format.data or "auto")
    except UploadError as error:  # read at the preview; only a changed format choice gets here
        flash(str(error), "error")
        return redirect(url_for("bank.import_upload"))
    report = parse_report(result)
    if result.issues and not form.accept_errors.data:
        form.accept_errors.errors.append(_("Some questions cannot be read. Tick the box to import the "
                                           "others without them, or correct the file."))
        return render_template("bank/preview.html", report=report, filename=filename, commit_form=form), 400
    try:
        if form.bank_id.data:
            bank = _bank(form.bank_id.data, manage=True)
        elif (form.new_bank_name.data or "").strip():
            bank = operations.create_bank(current_user, form.new_bank_name.data, current_user.branch)
        else:
            raise OperationError(_("Choose a bank or name a new one."), field="bank_id")
        outcome = operations.import_questions(bank, result, filename)
    except OperationError as exc:
        rollback()
        getattr(form, exc.field or "new_bank_name").errors.append(exc.message)
        return render_template("bank/preview.html", report=report, filename=filename, commit_form=form), 400
    commit()
    uploads.discard(UPLOAD_KIND, form.token.data)
    return render_template("bank/imported.html", report=import_report(result, outcome), bank=outcome.bank)


@bp.route("/template.xlsx")
@roles(*STAFF)
def template():
    return send_file(io.BytesIO(write_xlsx([])), mimetype=XLSX, as_attachment=True,
                     download_name="question-template.xlsx")


# --- questions ----------------------------------------------------------------------------------


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles(*STAFF)
def edit_question(question_id: int):
    question = _question(question_id, manage=True)
    if not question.is_current:
        abort(409)
    form = QuestionForm(obj=question)
    if request.method == "GET":
        for letter, field in LETTER_FIELDS.items():
            getattr(form, field).data = question.options.get(letter, "")
        judge = question.type == "judge"
        form.answer.data = judge_label(question.answer) if judge else question.answer
        form.tags.data = ", ".join(question.tags)
    if form.validate_on_submit():
        data = operations.QuestionInput(
            type=form.type.data, stem=form.stem.data,
            options={letter: getattr(form, field).data or "" for letter, field in LETTER_FIELDS.items()},
            answer=form.answer.data, explanation=form.explanation.data or "",
            tags=tuple(t for t in (form.tags.data or "").replace("，", ",").replace("、", ",").split(",")),
        )
        try:
            saved = operations.edit_question(question, data)
        except OperationError as exc:
            rollback()
            getattr(form, exc.field if exc.field in form else "answer").errors.append(exc.message)
        else:
            commit()
            if saved is not question:
                flash(_("Saved as version %(n)d; exams that used the earlier version keep it.",
                        n=saved.version), "success")
            else:
                flash(_("Saved."), "success")
            return redirect(url_for("bank.show", bank_id=question.bank_id))
    return render_template("bank/edit.html", form=form, question=question)


@bp.route("/questions/<int:question_id>/retire", methods=["POST"])
@roles(*STAFF)
def retire(question_id: int):
    operations.set_retired(_question(question_id, manage=True), True)
    commit()
    flash(_("Retired: new papers will not use this question."), "success")
    return redirect(request.referrer or url_for("bank.index"))


@bp.route("/questions/<int:question_id>/restore", methods=["POST"])
@roles(*STAFF)
def restore(question_id: int):
    operations.set_retired(_question(question_id, manage=True), False)
    commit()
    flash(_("Restored."), "success")
    return redirect(request.referrer or url_for("bank.index"))


# --- export -------------------------------------------------------------------------------------


@bp.route("/<int:bank_id>/export.<fmt>")
@roles(*STAFF)
def export(bank_id: int, fmt: str):
    bank = _bank(bank_id)
    if fmt not in EXPORT_FORMATS:
        abort(404)
    exported = export_bank(bank, fmt)
    return send_file(io.BytesIO(exported.data), mimetype=exported.mimetype, as_attachment=True,
                     download_name=exported.download_name)
