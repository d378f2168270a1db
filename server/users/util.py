"""Queries over users, limited to what the asking user may see."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from server.access import within_scope
from server.extensions import db
from server.models import Branch, Role, User


def users_query(actor: User, *, branch: Branch | None = None, role: str | None = None,
                active: bool | None = None, search: str | None = None) -> sa.Select:
    """Users in ``actor``'s scope, optionally within ``branch``'s subtree, by role, state or text."""
    query = within_scope(sa.select(User).join(User.branch).order_by(Branch.path, User.employee_no), actor)
    if branch is not None:
        query = query.where(Branch.path.startswith(branch.path))
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    if active is not None:
        query = query.where(User.active.is_(active))
    if search:
        pattern = f"%{search.strip()}%"
        query = query.where(sa.or_(User.employee_no.ilike(pattern), User.name.ilike(pattern)))
    return query


def registered_branches(numbers: list[str]) -> dict[str, Branch]:
    """The employee numbers among ``numbers`` already registered, with the branch of each."""
    found: dict[str, Branch] = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        found.update((user.employee_no, user.branch) for user in db.session.scalars(
            sa.select(User).where(User.employee_no.in_(chunk)).options(joinedload(User.branch))))
    return found


def roles_assignable_by(actor: User) -> list[Role]:
    """Admins create anyone; invigilators register trainees only."""
    return list(Role) if actor.role == Role.ADMIN else [Role.TRAINEE]
