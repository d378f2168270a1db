"""The organisation and its people: branches, users and API tokens.

Models hold columns and small derived properties only; writes live in each feature's operations.py.
"""
from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.types import one_of


def utcnow() -> datetime:
    """Naive UTC: the one form of time stored, identical on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


class BranchKind(StrEnum):
    """Levels of the organisation, from the top.  A child is always at a lower level than its parent."""

    HEAD_OFFICE = "head_office"
    BRANCH = "branch"
    SUB_BRANCH = "sub_branch"
    OUTLET = "outlet"

    @property
    def rank(self) -> int:
        return list(BranchKind).index(self)

    @property
    def label(self) -> str:
        return str(BRANCH_KIND_LABELS[self])


BRANCH_KIND_LABELS = {
    BranchKind.HEAD_OFFICE: _l("Head office"),
    BranchKind.BRANCH: _l("Branch office"),
    BranchKind.SUB_BRANCH: _l("Sub-branch"),
    BranchKind.OUTLET: _l("Outlet"),
}


class Role(StrEnum):
    ADMIN = "admin"
    INVIGILATOR = "invigilator"
    TRAINEE = "trainee"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.INVIGILATOR: _l("Invigilator"),
    Role.TRAINEE: _l("Trainee"),
}


class Branch(db.Model):
    """One unit of the bank.  ``path`` lists the ids from the root, e.g. ``/1/4/9/``, so a subtree
    is one indexed prefix query on either database."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(16))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    path: Mapped[str] = mapped_column(sa.String(400), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Branch | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Branch]] = relationship(back_populates="parent", order_by="Branch.code")

    __table_args__ = (
        one_of("kind", BranchKind, "kind_known"),
        # Prefix LIKE on PostgreSQL uses an index only with the pattern operator class.
        sa.Index("ix_branch_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    @property
    def kind_enum(self) -> BranchKind:
        return BranchKind(self.kind)

    @property
    def depth(self) -> int:
        return self.path.strip("/").count("/")

    def contains(self, other: Branch) -> bool:
        """True when ``other`` is this branch or lies below it."""
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Branch {self.code}>"


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_no: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Bumped on password change, reset and deactivation: every older login session stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    branch: Mapped[Branch] = relationship()

    __table_args__ = (
        one_of("role", Role, "role_known"),
    )

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.employee_no}>"


class ApiToken(db.Model):
    """A bearer token for programmatic clients.  Only the SHA-256 of the token is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now

