"""Queries over papers."""
from __future__ import annotations

import sqlalchemy as sa

from server.access import may_manage, within_scope
from server.bank.models import Question, Tag, question_tag
from server.extensions import db
from server.models import User
from server.papers.models import Paper, PaperRule


def may_manage_paper(user: User, paper: Paper) -> bool:
    return may_manage(user, paper.branch)


def visible_papers(user: User) -> list[Paper]:
    query = sa.select(Paper).join(Paper.branch).order_by(Paper.created_at.desc())
    return list(db.session.scalars(within_scope(query, user)))


def rule_pool(rule: PaperRule) -> list[int]:
    """Ids of the questions a rule draws from: current, not retired, of its type, bank and tag."""
    query = sa.select(Question.id).where(
        Question.bank_id == rule.bank_id, Question.type == rule.type,
        Question.is_current.is_(True), Question.retired.is_(False))
    if rule.tag:
        query = query.where(Question.id.in_(
            sa.select(question_tag.c.question_id).join(Tag).where(Tag.name == rule.tag)))
    return list(db.session.scalars(query))
