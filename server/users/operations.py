"""Writes to user accounts.  Each function validates, changes and flushes, and says what it
changed; none commits (the request or the CLI command does, once)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _

from server.access import in_scope
from server.auth import passwords
from server.auth.operations import end_all_sessions, find_user
from server.errors import OperationError
from server.extensions import db
from server.models import Branch, Role, User
from server.users.util import roles_assignable_by

EMPLOYEE_NO_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
NAME_MAX = 64


def clean_employee_no(value: str) -> str:
    """Employee numbers are compared after NFKC (full-width digits become ASCII) and trimming."""
    return unicodedata.normalize("NFKC", value or "").strip()


def employee_no_problem(value: str) -> str | None:
    if not value:
        return _("The employee number is missing.")
    if not EMPLOYEE_NO_PATTERN.match(value):
        return _("Use 1 to 32 letters, digits, '-' or '_' for the employee number.")
    return None


def name_problem(value: str) -> str | None:
    if not value:
        return _("The name is missing.")
    if len(value) > NAME_MAX:
        return _("The name is longer than %(n)d characters.", n=NAME_MAX)
    return None


@dataclass(frozen=True)
class NewAccount:
    """A user just created or reset, with the one-time password to hand over."""

    user: User
    initial_password: str


def check_may_assign(actor: User, role: str, branch: Branch) -> None:
    if role not in roles_assignable_by(actor):
        raise OperationError(_("You may not create accounts with this role."), field="role")
    if not in_scope(actor, branch):
        raise OperationError(_("This branch is outside the branches you manage."), field="branch_id")


def create_user(actor: User, employee_no: str, name: str, branch: Branch, role: str) -> NewAccount:
    """Changes: adds one user with a random one-time password they must change at first login.
    Does not commit."""
    employee_no, name = clean_employee_no(employee_no), (name or "").strip()
    problem = employee_no_problem(employee_no)
    if problem:
        raise OperationError(problem, field="employee_no")
    if find_user(employee_no) is not None:
        raise OperationError(
            _("The employee number %(no)s is already registered.", no=employee_no), field="employee_no"
        )
    problem = name_problem(name)
    if problem:
        raise OperationError(problem, field="name")
    check_may_assign(actor, role, branch)
    account = _new_account(employee_no, name, branch, Role(role))
    db.session.flush()
    return account


def _new_account(employee_no: str, name: str, branch: Branch, role: Role) -> NewAccount:
    password = passwords.generate_initial_password()
    user = User(
        employee_no=employee_no,
        name=name,
        branch=branch,
        role=role.value,
        password_hash=passwords.hash_initial_password(password),
        must_change_password=True,
    )
    db.session.add(user)
    return NewAccount(user, password)


def create_users(rows: list[tuple[str, str, Branch, Role]]) -> list[NewAccount]:
    """Changes: adds every (employee_no, name, branch, role); committed together, they are all or
    none.  The caller has validated the rows.  Does not commit."""
    accounts = [_new_account(*row) for row in rows]
    db.session.flush()
    return accounts


def check_may_manage(actor: User, user: User) -> None:
    if user.role not in roles_assignable_by(actor) or not in_scope(actor, user.branch):
        raise OperationError(_("You may not change this account."))


def set_active(actor: User, user: User, active: bool) -> None:
    """Changes: the user's active flag; deactivating also ends their sessions and tokens.
    Does not commit."""
    check_may_manage(actor, user)
    if user.id == actor.id:
        raise OperationError(_("You cannot deactivate your own account."))
    user.active = active
    if not active:
        end_all_sessions(user)
    db.session.flush()


def change_role(actor: User, user: User, role: str) -> None:
    """Changes: the user's role; ends their sessions (an open connection keeps the role it
    connected with, so it is signed out).  Does not commit."""
    check_may_manage(actor, user)
    if user.id == actor.id:
        raise OperationError(_("You cannot change your own role."), field="role")
    check_may_assign(actor, role, user.branch)
    if user.role != role:
        user.role = Role(role).value
        end_all_sessions(user)
    db.session.flush()


def reset_password(actor: User, user: User) -> NewAccount:
    """Changes: gives the user a new one-time password, ends their sessions and tokens.
    Does not commit."""
    check_may_manage(actor, user)
    password = passwords.generate_initial_password()
    user.password_hash = passwords.hash_initial_password(password)
    user.must_change_password = True
    end_all_sessions(user)
    db.session.flush()
    return NewAccount(user, password)
