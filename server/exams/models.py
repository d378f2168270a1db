"""Sessions, their frozen questions, participants, answers, regrades and the audit log."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grading import MultiRule, Outcome, QuestionType, Void
from server.extensions import db
from server.models import Branch, User, utcnow
from server.papers.models import NamePrivacy, Paper, Selection, ShowKey
from server.types import Points, one_of
from server.vocabulary import Pacing, SessionStatus

# The clock when the paper sets none: each paced question, and a whole timed paper.
DEFAULT_QUESTION_SECONDS = 30
DEFAULT_PAPER_SECONDS = 1800


class LiveSession(db.Model):
    """One sitting of a paper.  Every paper setting the session uses (scoring, shuffles, how
    questions are chosen, timings, when keys and ranks are shown, how the projector names people)
    is copied into it at creation: a session never reads its paper's settings again, and
    questions are frozen when it starts."""

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(sa.ForeignKey("paper.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    pacing: Mapped[str] = mapped_column(sa.String(8), default=Pacing.PACED)
    status: Mapped[str] = mapped_column(sa.String(8), default=SessionStatus.LOBBY)
    join_code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    multi_rule: Mapped[str] = mapped_column(sa.String(8))
    rounding_step: Mapped[Decimal] = mapped_column(Points)
    pass_percent: Mapped[Decimal] = mapped_column(Points)
    speed_bonus_points: Mapped[Decimal | None] = mapped_column(Points)
    speed_bonus_seconds: Mapped[int | None]
    show_key: Mapped[str] = mapped_column(sa.String(16))
    selection: Mapped[str] = mapped_column(sa.String(8), default=Selection.FIXED)
    shuffle_questions: Mapped[bool] = mapped_column(default=False)
    shuffle_options: Mapped[bool] = mapped_column(default=False)
    max_total: Mapped[Decimal] = mapped_column(Points, default=Decimal(0))
    # Moved on by whatever changes results (the end, a regrade): cached tables key on it.
    results_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    # The clock, all absolute server times (naive UTC).  Paced: the open question and its
    # deadline; timed: the paper's deadline.  While paused, remaining_seconds holds what was left.
    current_question_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("session_question.id", use_alter=True, name="fk_live_session_current_question",
                      ondelete="SET NULL"))
    question_open: Mapped[bool] = mapped_column(default=False)
    question_opened_at: Mapped[datetime | None]
    question_deadline_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    remaining_seconds: Mapped[float | None]
    question_seconds: Mapped[int | None]
    paper_seconds: Mapped[int | None]
    tab_switch_limit: Mapped[int | None]
    show_ranks: Mapped[bool] = mapped_column(default=False)
    name_privacy: Mapped[str] = mapped_column(sa.String(8), default=NamePrivacy.MASKED)

    paper: Mapped[Paper] = relationship(back_populates="sessions")
    branch: Mapped[Branch] = relationship()
    questions: Mapped[list[SessionQuestion]] = relationship(
        back_populates="session", order_by="SessionQuestion.position",
        foreign_keys="SessionQuestion.session_id")

    __table_args__ = (
        one_of("pacing", Pacing, "pacing_known"),
        one_of("status", SessionStatus, "status_known"),
        one_of("selection", Selection, "selection_known"),
        one_of("multi_rule", MultiRule, "rule_known"),
        one_of("show_key", ShowKey, "show_key_known"),
        one_of("name_privacy", NamePrivacy, "name_privacy_known"),
    )

    @property
    def paced(self) -> bool:
        return self.pacing == Pacing.PACED

    @property
    def uniform(self) -> bool:
        """Every trainee sees the same question payloads (no draw, no shuffles), from the
        session's own frozen settings."""
        return self.selection == Selection.FIXED and not (self.shuffle_questions or self.shuffle_options)

    @property
    def deadline(self) -> datetime | None:
        """The deadline that runs: the open question's (paced; none between questions, so no
        screen counts down for a question that has closed) or the paper's (timed)."""
        if self.paced:
            return self.question_deadline_at if self.question_open else None
        return self.deadline_at


class SessionQuestion(db.Model):
    """A question frozen when the session was set up: bank edits never reach it.  ``void`` is
    set by a regrade ("full_points" or "remove")."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id"))
    position: Mapped[int]
    type: Mapped[str] = mapped_column(sa.String(8))
    stem: Mapped[str] = mapped_column(sa.Text)
    options: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    answer: Mapped[str] = mapped_column(sa.String(8))
    original_answer: Mapped[str] = mapped_column(sa.String(8))
    points: Mapped[Decimal] = mapped_column(Points)
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    void: Mapped[str | None] = mapped_column(sa.String(12))

    session: Mapped[LiveSession] = relationship(back_populates="questions", foreign_keys=[session_id])

    __table_args__ = (
        sa.UniqueConstraint("session_id", "question_id", name="uq_session_question_source"),
        one_of("type", QuestionType, "type_known"),
        one_of("void", Void, "void_known"),
    )


def is_absent(joined_at: datetime | None, answered: int) -> bool:
    """缺考: on the roster but never entered the session (and so never answered).  An absentee
    has no rank and no pass or fail, counts in no statistic and is issued no document."""
    return joined_at is None and not answered


def sat_exam():
    """is_absent's complement as SQL, for queries over Participant (defined after it)."""
    return sa.or_(Participant.joined_at.is_not(None), Participant.answered > 0)


def is_connected(connected_at: datetime | None, disconnected_at: datetime | None) -> bool:
    """Connected now: connected at some time, and not disconnected since."""
    return connected_at is not None and (disconnected_at is None or disconnected_at < connected_at)


class Participant(db.Model):
    """A trainee on a session's roster.  ``total`` (knowledge points) and ``bonus`` (speed bonus)
    are kept up to date as each answer is graded; ``question_order`` and ``option_orders``
    record this participant's draw and shuffles."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"))
    question_order: Mapped[list] = mapped_column(sa.JSON, default=list)  # SessionQuestion ids
    option_orders: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # {sq id: "CADB"}
    total: Mapped[Decimal] = mapped_column(Points, default=Decimal(0))  # knowledge points: pass/fail, certificate
    bonus: Mapped[Decimal] = mapped_column(Points, default=Decimal(0))  # the speed bonus, kept apart
    answered: Mapped[int] = mapped_column(default=0)
    passed: Mapped[bool | None]
    joined_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    removed: Mapped[bool] = mapped_column(default=False)
    tab_switches: Mapped[int] = mapped_column(default=0)
    extra_seconds: Mapped[int] = mapped_column(default=0)
    last_seq: Mapped[int] = mapped_column(default=0)
    connected_at: Mapped[datetime | None]
    disconnected_at: Mapped[datetime | None]

    @property
    def connected(self) -> bool:
        return is_connected(self.connected_at, self.disconnected_at)

    session: Mapped[LiveSession] = relationship()
    user: Mapped[User] = relationship()
    branch: Mapped[Branch] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("session_id", "user_id", name="uq_participant_session_user"),
        sa.Index("ix_participant_session_total", "session_id", "total"),
    )


class Answer(db.Model):
    """The latest answer of a participant to a question: the one with the highest sequence
    number, whatever order answers arrived in."""

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participant.id", ondelete="CASCADE"))
    session_question_id: Mapped[int] = mapped_column(sa.ForeignKey("session_question.id", ondelete="CASCADE"),
                                                     index=True)
    choice: Mapped[str] = mapped_column(sa.String(8))
    seq: Mapped[int]
    points: Mapped[Decimal] = mapped_column(Points)
    bonus: Mapped[Decimal] = mapped_column(Points, default=Decimal(0))
    outcome: Mapped[str] = mapped_column(sa.String(12))
    seconds: Mapped[float | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Submitted (提交).  A multiple-choice answer is sent as the trainee ticks (a draft, graded as
    # it stands) and submitted with a button; only submitted answers count as "has answered".
    final: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (
        sa.UniqueConstraint("participant_id", "session_question_id", name="uq_answer_participant_question"),
        one_of("outcome", Outcome, "outcome_known"),
    )


class AuditEntry(db.Model):
    """Who did what and why, for actions an exam office must be able to account for."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(sa.String(40))
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("live_session.id", ondelete="SET NULL"),
                                                   index=True)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship()
