"""Question banks, questions (versioned), and tags."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grading import QuestionType
from server.extensions import db
from server.models import Branch, User, utcnow
from server.types import one_of

question_tag = sa.Table(
    "question_tag",
    db.metadata,
    sa.Column("question_id", sa.ForeignKey("question.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class QuestionBank(db.Model):
    """A named set of questions, owned by a branch: its invigilators (and admins) manage it;
    staff of branches below may use it.  Names are unique within a branch (another branch's
    names are none of its business)."""

    __table_args__ = (sa.UniqueConstraint("branch_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    branch: Mapped[Branch] = relationship()
    created_by: Mapped[User | None] = relationship()


class Tag(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50), unique=True)


class Question(db.Model):
    """One version of a question.  A question an exam has used is never changed in place:
    editing it adds a new version (same ``family_id``) and the old one stops being current."""

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(sa.ForeignKey("question_bank.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[int | None] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(default=1)
    is_current: Mapped[bool] = mapped_column(default=True)
    type: Mapped[str] = mapped_column(sa.String(8))
    stem: Mapped[str] = mapped_column(sa.Text)
    options: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    answer: Mapped[str] = mapped_column(sa.String(8))
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    fingerprint: Mapped[str] = mapped_column(sa.String(64), index=True)
    retired: Mapped[bool] = mapped_column(default=False)
    # Set when an exam first uses this version; from then on edits make a new version.
    used_at: Mapped[datetime | None]
    source_file: Mapped[str] = mapped_column(sa.String(255), default="")
    source_number: Mapped[str] = mapped_column(sa.String(32), default="")
    source_line: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    bank: Mapped[QuestionBank] = relationship()
    tag_objects: Mapped[list[Tag]] = relationship(secondary=question_tag, order_by=Tag.name)

    __table_args__ = (
        one_of("type", QuestionType, "type_known"),
        sa.Index("ix_question_bank_current", "bank_id", "is_current", "retired"),
    )

    @property
    def tags(self) -> list[str]:
        return [t.name for t in self.tag_objects]
