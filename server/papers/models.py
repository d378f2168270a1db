"""Papers and their questions or draw rules."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grading import MultiRule, QuestionType
from server.bank.models import Question, QuestionBank
from server.extensions import db
from server.models import Branch, utcnow
from server.types import Points, one_of

if TYPE_CHECKING:
    from server.exams.models import LiveSession


class Selection(StrEnum):
    """How a paper's questions are chosen."""

    FIXED = "fixed"  # the same listed questions for everyone
    DRAW = "draw"  # drawn per trainee by rules (type, count, bank, tag)


class ShowKey(StrEnum):
    """When trainees see the key."""

    NEVER = "never"
    AFTER_QUESTION = "after_question"
    AFTER_EXAM = "after_exam"


class NamePrivacy(StrEnum):
    """How public screens (the projector) name trainees: the room may include people who
    should not learn a colleague's full name and score together."""

    FULL = "full"  # 张三丰
    MASKED = "masked"  # 张*丰
    NUMBER = "number"  # the employee number only


class Paper(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    selection: Mapped[str] = mapped_column(sa.String(8), default=Selection.FIXED)
    points_judge: Mapped[Decimal] = mapped_column(Points, default=Decimal(1))
    points_single: Mapped[Decimal] = mapped_column(Points, default=Decimal(2))
    points_multi: Mapped[Decimal] = mapped_column(Points, default=Decimal(2))
    multi_rule: Mapped[str] = mapped_column(sa.String(8), default=MultiRule.EXACT)
    rounding_step: Mapped[Decimal] = mapped_column(Points, default=Decimal("0.5"))
    pass_percent: Mapped[Decimal] = mapped_column(Points, default=Decimal(60))
    paper_seconds: Mapped[int | None]  # whole paper (timed mode)
    question_seconds: Mapped[int | None]  # each question (paced mode)
    shuffle_questions: Mapped[bool] = mapped_column(default=False)
    shuffle_options: Mapped[bool] = mapped_column(default=False)
    # When trainees see the key: never, after each question closes, or after the exam.
    show_key: Mapped[str] = mapped_column(sa.String(16), default=ShowKey.AFTER_EXAM)
    speed_bonus_points: Mapped[Decimal | None] = mapped_column(Points)
    speed_bonus_seconds: Mapped[int | None]
    tab_switch_limit: Mapped[int | None]
    show_ranks: Mapped[bool] = mapped_column(default=False)  # trainees see their own rank
    name_privacy: Mapped[str] = mapped_column(sa.String(8), default=NamePrivacy.MASKED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    branch: Mapped[Branch] = relationship()
    questions: Mapped[list[PaperQuestion]] = relationship(
        back_populates="paper", order_by="PaperQuestion.position", cascade="all, delete-orphan")
    rules: Mapped[list[PaperRule]] = relationship(
        back_populates="paper", order_by="PaperRule.position", cascade="all, delete-orphan")
    # Sessions made from the paper (server/exams owns them; this side only reads).
    sessions: Mapped[list[LiveSession]] = relationship(back_populates="paper", viewonly=True)

    __table_args__ = (
        one_of("selection", Selection, "selection_known"),
        one_of("multi_rule", MultiRule, "rule_known"),
        one_of("show_key", ShowKey, "show_key_known"),
        one_of("name_privacy", NamePrivacy, "name_privacy_known"),
    )

    def points_for(self, qtype: str) -> Decimal:
        return {QuestionType.JUDGE: self.points_judge, QuestionType.SINGLE: self.points_single,
                QuestionType.MULTI: self.points_multi}[qtype]

    def total_points(self) -> Decimal:
        """The most a trainee can score: each listed question's own points or its type's, or
        each draw rule's count times its type's points."""
        if self.selection == Selection.FIXED:
            return sum((pq.points if pq.points is not None else self.points_for(pq.question.type)
                        for pq in self.questions), Decimal(0))
        return sum((rule.count * self.points_for(rule.type) for rule in self.rules), Decimal(0))


class PaperQuestion(db.Model):
    """One question of a fixed paper (a specific version), with optional own points."""

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(sa.ForeignKey("paper.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id"))
    position: Mapped[int]
    points: Mapped[Decimal | None] = mapped_column(Points)

    paper: Mapped[Paper] = relationship(back_populates="questions")
    question: Mapped[Question] = relationship()


class PaperRule(db.Model):
    """Draw ``count`` current, unretired questions of ``type`` from a bank (and tag)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(sa.ForeignKey("paper.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    type: Mapped[str] = mapped_column(sa.String(8))
    count: Mapped[int]
    bank_id: Mapped[int] = mapped_column(sa.ForeignKey("question_bank.id"))
    tag: Mapped[str | None] = mapped_column(sa.String(50))

    paper: Mapped[Paper] = relationship(back_populates="rules")
    bank: Mapped[QuestionBank] = relationship()
