"""Pages for the branch tree.  Admins manage the whole tree; an invigilator manages the branches
below their own (their own branch is the admin's to change)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from server.access import in_scope, require_in_scope, roles, scope_root
from server.branches import operations
from server.branches.forms import BranchForm, MoveBranchForm, RenameBranchForm
from server.branches.util import head_office, visible_branches
from server.database import commit, rollback
from server.errors import OperationError
from server.extensions import db
from server.models import Branch, BranchKind, Role, User

bp = Blueprint("branches", __name__, url_prefix="/branches")


def _manageable(branch_id: int) -> Branch:
    branch = require_in_scope(current_user, db.session.get(Branch, branch_id))
    root = scope_root(current_user)
    if root is not None and branch.id == root.id:
        abort(403)
    return branch


def _parent_choices(exclude: Branch | None = None) -> list[tuple[int, str]]:
    return [
        (b.id, "\u3000" * b.depth + f"{b.name} ({b.code})")
        for b in visible_branches(current_user)
        if exclude is None or not exclude.contains(b)
    ]


def _apply_error(form, exc: OperationError) -> None:
    field = getattr(form, exc.field or "", None) or form.name
    field.errors = [*field.errors, exc.message]


@bp.route("/")
@roles(Role.ADMIN, Role.INVIGILATOR)
def index():
    branches = visible_branches(current_user)
    counts = dict(
        db.session.execute(
            sa.select(User.branch_id, sa.func.count()).where(User.active).group_by(User.branch_id)
        ).all()
    )
    root = scope_root(current_user)
    return render_template(
        "branches/index.html",
        branches=branches,
        counts=counts,
        scope_root=root,
        no_head_office=head_office() is None,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles(Role.ADMIN, Role.INVIGILATOR)
def create():
    form = BranchForm()
    form.kind.choices = [(k.value, k.label) for k in BranchKind]
    form.parent_id.choices = [(0, "—"), *_parent_choices()]
    if form.validate_on_submit():
        parent = db.session.get(Branch, form.parent_id.data) if form.parent_id.data else None
        if parent is not None:
            require_in_scope(current_user, parent)
        elif current_user.role != Role.ADMIN:
            abort(403)
        try:
            branch = operations.create_branch(form.code.data, form.name.data, form.kind.data, parent)
        except OperationError as exc:
            rollback()
            _apply_error(form, exc)
        else:
            commit()
            flash(_("Created %(name)s.", name=branch.name), "success")
            return redirect(url_for("branches.index"))
    return render_template("branches/new.html", form=form)


@bp.route("/<int:branch_id>/edit", methods=["GET", "POST"])
@roles(Role.ADMIN, Role.INVIGILATOR)
def edit(branch_id: int):
    branch = _manageable(branch_id)
    form = RenameBranchForm(obj=branch)
    move_form = MoveBranchForm(parent_id=branch.parent_id)
    move_form.parent_id.choices = _parent_choices(exclude=branch)
    if form.validate_on_submit():
        try:
            operations.rename_branch(branch, form.code.data, form.name.data)
        except OperationError as exc:
            rollback()
            _apply_error(form, exc)
        else:
            commit()
            flash(_("Saved %(name)s.", name=branch.name), "success")
            return redirect(url_for("branches.index"))
    return render_template("branches/edit.html", branch=branch, form=form, move_form=move_form)


@bp.route("/<int:branch_id>/move", methods=["POST"])
@roles(Role.ADMIN, Role.INVIGILATOR)
def move(branch_id: int):
    branch = _manageable(branch_id)
    move_form = MoveBranchForm()
    move_form.parent_id.choices = _parent_choices(exclude=branch)
    if move_form.validate_on_submit():
        new_parent = db.session.get(Branch, move_form.parent_id.data)
        if new_parent is None or not in_scope(current_user, new_parent):
            abort(404)
        try:
            operations.move_branch(branch, new_parent)
        except OperationError as exc:
            rollback()
            _apply_error(move_form, exc)
        else:
            commit()
            flash(_("Moved %(name)s.", name=branch.name), "success")
            return redirect(url_for("branches.index"))
    form = RenameBranchForm(obj=branch)
    return render_template("branches/edit.html", branch=branch, form=form, move_form=move_form), 400
