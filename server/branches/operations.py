"""Writes to the branch tree.  Each function validates, changes and flushes, and says what it
changed; none commits (the request or the CLI command does, once)."""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from flask_babel import gettext as _

from server.branches.util import branch_by_code, head_office
from server.errors import OperationError
from server.extensions import db
from server.models import Branch, BranchKind

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def clean_code(code: str) -> str:
    """Codes are compared after NFKC (full-width ＡＢ１ becomes AB1) and trimming."""
    return unicodedata.normalize("NFKC", code or "").strip()


def _check_code(code: str, branch: Branch | None = None) -> str:
    code = clean_code(code)
    if not CODE_PATTERN.match(code):
        raise OperationError(
            _("Use 1 to 32 letters, digits, '-' or '_' for the code."), field="code"
        )
    existing = branch_by_code(code)
    if existing is not None and existing is not branch:
        # Codes are unique across the organisation; which branch holds it is not the asker's to know.
        raise OperationError(_("The code %(code)s is already in use; choose another.", code=code), field="code")
    return code


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise OperationError(_("Give a name of 1 to 100 characters."), field="name")
    return name


def _check_parent(kind: BranchKind, parent: Branch | None) -> None:
    if parent is None:
        if kind is not BranchKind.HEAD_OFFICE:
            raise OperationError(_("Only the head office has no parent."), field="parent")
        if head_office() is not None:
            raise OperationError(_("There is already a head office."), field="kind")
        return
    if kind.rank <= parent.kind_enum.rank:
        raise OperationError(
            _(
                "A %(kind)s cannot be placed under a %(parent)s.",
                kind=kind.label,
                parent=parent.kind_enum.label,
            ),
            field="parent",
        )


def create_branch(code: str, name: str, kind: str, parent: Branch | None) -> Branch:
    """Changes: adds one branch under ``parent`` (None only for the head office).  Does not commit."""
    try:
        kind_enum = BranchKind(kind)
    except ValueError:
        raise OperationError(_("Choose a level."), field="kind") from None
    code, name = _check_code(code), _check_name(name)
    _check_parent(kind_enum, parent)
    branch = Branch(code=code, name=name, kind=kind_enum.value, parent=parent)
    db.session.add(branch)
    db.session.flush()  # the id is part of the path
    branch.path = (parent.path if parent else "/") + f"{branch.id}/"
    db.session.flush()
    return branch


def rename_branch(branch: Branch, code: str, name: str) -> None:
    """Changes: the branch's code and name.  Does not commit."""
    branch.code, branch.name = _check_code(code, branch), _check_name(name)
    db.session.flush()


def move_branch(branch: Branch, new_parent: Branch) -> None:
    """Changes: the branch's parent, and the path of it and everything below it.  Does not commit."""
    if branch.parent_id is None:
        raise OperationError(_("The head office cannot be moved."), field="parent")
    if branch.contains(new_parent):
        raise OperationError(_("A branch cannot be moved below itself."), field="parent")
    _check_parent(branch.kind_enum, new_parent)
    old_prefix, new_prefix = branch.path, new_parent.path + f"{branch.id}/"
    db.session.execute(
        sa.update(Branch)
        .where(Branch.path.startswith(old_prefix))
        .values(path=sa.literal(new_prefix) + sa.func.substr(Branch.path, len(old_prefix) + 1)),
        execution_options={"synchronize_session": False},
    )
    branch.parent_id = new_parent.id
    db.session.flush()
    db.session.expire_all()  # the paths were changed in the database, not in the loaded objects
