"""Pages for people: list, create, deactivate, reset password, and roster import with preview."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from openpyxl import Workbook

from server import uploads
from server.access import require_in_scope, roles
from server.auth.forms import EmptyForm
from server.branches.util import visible_branches
from server.database import commit, rollback
from server.errors import OperationError
from server.extensions import db
from server.headers import no_store
from server.models import Branch, Role, User
from server.spreadsheets import neutralise_row
from server.users import operations, roster
from server.users.forms import RosterCommitForm, RosterUploadForm, UserForm
from server.users.util import roles_assignable_by, users_query

bp = Blueprint("users", __name__, url_prefix="/users")
UPLOAD_KIND = "roster"


def _user_in_scope(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    require_in_scope(current_user, user.branch)
    return user


@bp.route("/")
@roles(Role.ADMIN, Role.INVIGILATOR)
def index():
    branch_id = request.args.get("branch", type=int)
    branch = require_in_scope(current_user, db.session.get(Branch, branch_id)) if branch_id else None
    state = request.args.get("state", "active")
    active = {"active": True, "inactive": False}.get(state)
    query = users_query(
        current_user,
        branch=branch,
        role=request.args.get("role"),
        active=active,
        search=request.args.get("q"),
    )
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template(
        "users/index.html",
        page=page,
        branches=visible_branches(current_user),
        roles=list(Role),
        filters={"branch": branch_id, "role": request.args.get("role", ""), "state": state,
                 "q": request.args.get("q", "")},
        action_form=EmptyForm(),
        manageable_roles=roles_assignable_by(current_user),
    )


@bp.route("/new", methods=["GET", "POST"])
@roles(Role.ADMIN, Role.INVIGILATOR)
@no_store
def create():
    form = UserForm()
    form.branch_id.choices = [(b.id, "\u3000" * b.depth + f"{b.name} ({b.code})")
                              for b in visible_branches(current_user)]
    form.role.choices = [(r.value, r.label) for r in roles_assignable_by(current_user)]
    if form.validate_on_submit():
        branch = db.session.get(Branch, form.branch_id.data)
        if branch is None:
            abort(404)
        try:
            account = operations.create_user(current_user, form.employee_no.data, form.name.data,
                                             branch, form.role.data)
        except OperationError as exc:
            rollback()
            getattr(form, exc.field or "employee_no").errors.append(exc.message)
        else:
            commit()
            return render_template("users/passwords.html", accounts=[account],
                                   title=_("Account created"))
    return render_template("users/new.html", form=form)


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@roles(Role.ADMIN, Role.INVIGILATOR)
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.route("/<int:user_id>/activate", methods=["POST"])
@roles(Role.ADMIN, Role.INVIGILATOR)
def activate(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    user = _user_in_scope(user_id)
    try:
        operations.set_active(current_user, user, active)
    except OperationError as exc:
        rollback()
        flash(exc.message, "error")
    else:
        commit()
        if active:
            flash(_("%(name)s can sign in again.", name=user.name), "success")
        else:
            flash(_("%(name)s can no longer sign in.", name=user.name), "success")
    return redirect(request.referrer or url_for("users.index"))


@bp.route("/<int:user_id>/reset-password", methods=["POST"])
@roles(Role.ADMIN, Role.INVIGILATOR)
@no_store
def reset_password(user_id: int):
    user = _user_in_scope(user_id)
    try:
        account = operations.reset_password(current_user, user)
    except OperationError as exc:
        rollback()
        flash(exc.message, "error")
        return redirect(url_for("users.index"))
    commit()
    return render_template("users/passwords.html", accounts=[account], title=_("Password reset"))


# --- roster import ------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@roles(Role.ADMIN, Role.INVIGILATOR)
def import_roster():
    form = RosterUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        filename, data = upload.filename or "roster", upload.read()
        checked = roster.check_roster(roster.parse_roster(data), current_user)
        token = uploads.stash(UPLOAD_KIND, current_user.id, filename, data) if checked.valid else None
        return render_template("users/import_preview.html", roster=checked, filename=filename,
                               commit_form=RosterCommitForm(token=token))
    return render_template("users/import.html", form=form, header=roster.TEMPLATE_HEADER)


@bp.route("/import/commit", methods=["POST"])
@roles(Role.ADMIN, Role.INVIGILATOR)
@no_store
def commit_roster():
    form = RosterCommitForm()
    if not form.validate_on_submit():
        abort(400)
    stashed = uploads.load(UPLOAD_KIND, form.token.data, current_user.id)
    if stashed is None:
        flash(_("That upload has expired. Upload the file again."), "error")
        return redirect(url_for("users.import_roster"))
    filename, data = stashed
    # Checked again: branches or accounts may have changed since the preview.
    checked = roster.check_roster(roster.parse_roster(data), current_user)
    if not checked.valid:
        return render_template("users/import_preview.html", roster=checked, filename=filename,
                               commit_form=RosterCommitForm(token=None)), 409
    accounts = operations.create_users(
        [(row.employee_no, row.name, row.branch, row.role) for row in checked.rows]
    )
    commit()
    uploads.discard(UPLOAD_KIND, form.token.data)
    return render_template("users/passwords.html", accounts=accounts,
                           title=_("%(n)d people registered", n=len(accounts)))


@bp.route("/import/template.<fmt>")
@roles(Role.ADMIN, Role.INVIGILATOR)
def roster_template(fmt: str):
    code = current_user.branch.code
    example = [["10001", "张三", code, "学员"], ["10002", "李四", code, "学员"]]
    if fmt == "csv":
        text = io.StringIO()
        csv.writer(text).writerows(neutralise_row(row) for row in [roster.TEMPLATE_HEADER, *example])
        data = io.BytesIO(("\ufeff" + text.getvalue()).encode("utf-8"))
        return send_file(data, mimetype="text/csv", as_attachment=True, download_name="roster.csv")
    if fmt == "xlsx":
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "名单"
        for row in [roster.TEMPLATE_HEADER, *example]:
            sheet.append(neutralise_row(row))
        data = io.BytesIO()
        workbook.save(data)
        data.seek(0)
        return send_file(data, as_attachment=True, download_name="roster.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    abort(404)
