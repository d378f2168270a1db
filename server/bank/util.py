"""Queries over banks and questions, limited to what the asking user may see."""
from __future__ import annotations

import sqlalchemy as sa

from server.access import in_scope, may_manage, scope_root
from server.bank.models import Question, QuestionBank, Tag, question_tag
from server.extensions import db
from server.models import Branch, Role, User


def may_use_bank(user: User, bank: QuestionBank) -> bool:
    """Admins use every bank; invigilators those of their subtree and those shared from above."""
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.INVIGILATOR:
        return False
    return in_scope(user, bank.branch) or bank.branch.contains(user.branch)


def may_manage_bank(user: User, bank: QuestionBank) -> bool:
    return may_manage(user, bank.branch)


def visible_banks(user: User) -> list[QuestionBank]:
    query = sa.select(QuestionBank).join(QuestionBank.branch).order_by(QuestionBank.name)
    root = scope_root(user)
    if root is not None:
        ancestors = [int(i) for i in user.branch.path.strip("/").split("/") if i]
        query = query.where(sa.or_(Branch.path.startswith(root.path), Branch.id.in_(ancestors)))
    return list(db.session.scalars(query))


def bank_by_name(name: str, branch: Branch) -> QuestionBank | None:
    """``branch``'s own bank called ``name`` (names are unique per branch)."""
    return db.session.scalar(sa.select(QuestionBank).where(QuestionBank.name == name.strip(),
                                                           QuestionBank.branch_id == branch.id))


def questions_query(bank: QuestionBank | None, *, banks: list[QuestionBank] | None = None,
                    qtype: str | None = None, tag: str | None = None, search: str | None = None,
                    include_retired: bool = False) -> sa.Select:
    """Current versions, newest source order first within a bank."""
    query = sa.select(Question).where(Question.is_current.is_(True))
    if bank is not None:
        query = query.where(Question.bank_id == bank.id)
    elif banks is not None:
        query = query.where(Question.bank_id.in_([b.id for b in banks]))
    if not include_retired:
        query = query.where(Question.retired.is_(False))
    if qtype in ("judge", "single", "multi"):
        query = query.where(Question.type == qtype)
    if tag:
        query = query.where(Question.id.in_(
            sa.select(question_tag.c.question_id).join(Tag).where(Tag.name == tag)))
    if search:
        query = query.where(Question.stem.ilike(f"%{search.strip()}%"))
    return query.order_by(Question.bank_id, Question.id)


def fingerprints_in(bank: QuestionBank) -> set[str]:
    return set(db.session.scalars(
        sa.select(Question.fingerprint).where(Question.bank_id == bank.id, Question.is_current.is_(True))))


def tags_in_use() -> list[str]:
    return list(db.session.scalars(sa.select(Tag.name).order_by(Tag.name)))


def type_counts(bank: QuestionBank) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(Question.type, sa.func.count()).where(
            Question.bank_id == bank.id, Question.is_current.is_(True), Question.retired.is_(False)
        ).group_by(Question.type)).all()
    return {"judge": 0, "single": 0, "multi": 0, **dict(rows)}


def bank_for(user: User, bank_id: int, manage: bool = False) -> QuestionBank:
    """The bank ``user`` may use (404 otherwise, never saying whether it exists), and, with
    ``manage``, change (403: it was shared from a branch above)."""
    from flask import abort

    bank = db.session.get(QuestionBank, bank_id)
    if bank is None or not may_use_bank(user, bank):
        abort(404)
    if manage and not may_manage_bank(user, bank):
        abort(403)
    return bank


def question_for(user: User, question_id: int, manage: bool = False) -> Question:
    """A question of a bank ``user`` may use (and, with ``manage``, change): as bank_for."""
    from flask import abort

    question = db.session.get(Question, question_id)
    if question is None:
        abort(404)
    bank_for(user, question.bank_id, manage)
    return question
