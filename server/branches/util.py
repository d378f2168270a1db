"""Queries over the branch tree."""
from __future__ import annotations

import sqlalchemy as sa

from server.access import scope_root
from server.extensions import db
from server.models import Branch, User


def branch_by_code(code: str) -> Branch | None:
    return db.session.scalar(sa.select(Branch).where(Branch.code == code))


def subtree_query(root: Branch | None) -> sa.Select:
    """All branches at or below ``root`` (None: all), in tree order."""
    query = sa.select(Branch).order_by(Branch.path)
    return query if root is None else query.where(Branch.path.startswith(root.path))


def visible_branches(user: User) -> list[Branch]:
    """The branches ``user`` may see and manage, ordered so that each follows its parent."""
    branches = list(db.session.scalars(subtree_query(scope_root(user))))
    return sort_as_tree(branches)


def sort_as_tree(branches: list[Branch]) -> list[Branch]:
    """Depth-first order, siblings by code: the order a tree is read in."""
    by_parent: dict[int | None, list[Branch]] = {}
    ids = {b.id for b in branches}
    for branch in branches:
        parent = branch.parent_id if branch.parent_id in ids else None
        by_parent.setdefault(parent, []).append(branch)
    ordered: list[Branch] = []

    def walk(parent_id):
        for child in sorted(by_parent.get(parent_id, []), key=lambda b: b.code):
            ordered.append(child)
            walk(child.id)

    walk(None)
    return ordered


def head_office() -> Branch | None:
    return db.session.scalar(sa.select(Branch).where(Branch.parent_id.is_(None)))
