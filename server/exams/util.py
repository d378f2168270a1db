"""Queries over sessions."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import abort

from grading.totals import pass_threshold
from server.access import in_scope, may_manage, within_scope
from server.exams.models import DEFAULT_PAPER_SECONDS, DEFAULT_QUESTION_SECONDS, LiveSession, Participant
from server.extensions import db
from server.models import Branch, Role, User
from server.papers.models import NamePrivacy, Selection


def mask_name(name: str) -> str:
    """A name as shown to the public (verification) and to the room (the projector): 张*, 张*丰."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def public_name(name: str, employee_no: str, privacy: str) -> str:
    """How a public screen (the projector) names a trainee, as the session's frozen setting says:
    the full name, masked (张*丰, the default) or the employee number alone."""
    if privacy == NamePrivacy.FULL:
        return name
    if privacy == NamePrivacy.NUMBER:
        return employee_no
    return mask_name(name)


def may_manage_session(user: User, session: LiveSession) -> bool:
    return may_manage(user, session.branch)


def managed_session(user: User, session_id: int) -> LiveSession:
    """The session if ``user`` may manage it; otherwise 404 (its existence stays hidden)."""
    session = db.session.get(LiveSession, session_id)
    if session is None or not may_manage_session(user, session):
        abort(404)
    return session


@dataclass(frozen=True)
class Outline:
    """What a trainee is told in the lobby: how many questions, the time, full marks and the pass mark."""

    questions: int
    full_marks: Decimal
    pass_percent: Decimal
    pass_mark: Decimal
    question_seconds: int | None
    paper_seconds: int | None


def outline(session: LiveSession, participant: Participant | None = None) -> Outline:
    """The session's outline from its paper (locked while the session has not ended), or from
    the participant's own frozen paper once it has started (a drawn paper's count is the same
    for everyone; its full marks too, since points go by type)."""
    paper = session.paper
    if participant is not None and participant.question_order:
        by_id = {q.id: q for q in session.questions}
        count = len(participant.question_order)
        full = sum((by_id[i].points for i in participant.question_order), Decimal(0))
    elif session.selection == Selection.FIXED:
        count = len(paper.questions)
        full = sum((entry.points or paper.points_for(entry.question.type) for entry in paper.questions), Decimal(0))
    else:
        count = sum(rule.count for rule in paper.rules)
        full = sum((rule.count * paper.points_for(rule.type) for rule in paper.rules), Decimal(0))
    return Outline(count, full, session.pass_percent, pass_threshold(full, session.pass_percent),
                   (session.question_seconds or DEFAULT_QUESTION_SECONDS) if session.paced else None,
                   None if session.paced else session.paper_seconds or DEFAULT_PAPER_SECONDS)


def visible_sessions(user: User) -> list[LiveSession]:
    query = sa.select(LiveSession).join(LiveSession.branch).order_by(LiveSession.created_at.desc())
    return list(db.session.scalars(within_scope(query, user)))


def roster_from_branch(branch: Branch) -> list[User]:
    """Active trainees at or below ``branch``."""
    return list(db.session.scalars(sa.select(User).join(User.branch).where(
        Branch.path.startswith(branch.path), User.role == Role.TRAINEE.value, User.active.is_(True))
        .order_by(User.employee_no)))


def participations(user: User) -> list[Participant]:
    return list(db.session.scalars(sa.select(Participant).join(Participant.session).where(
        Participant.user_id == user.id).order_by(LiveSession.created_at.desc())))


def open_participations(user: User) -> list[Participant]:
    """The user's sessions that have not ended (to rejoin from the start page)."""
    return list(db.session.scalars(sa.select(Participant).join(Participant.session).where(
        Participant.user_id == user.id, Participant.removed.is_(False), LiveSession.status != "ended")))


def roster_from_numbers(actor: User, numbers: list[str]) -> tuple[list[User], list[str]]:
    """Active trainees with these employee numbers in ``actor``'s scope, and the numbers that
    are not such trainees."""
    wanted = list(dict.fromkeys(n for n in numbers if n))
    found = {u.employee_no: u for u in db.session.scalars(sa.select(User).where(User.employee_no.in_(wanted)))}
    users, problems = [], []
    for number in wanted:
        user = found.get(number)
        if user is None or not user.active or user.role != Role.TRAINEE.value or not in_scope(actor, user.branch):
            problems.append(number)
        else:
            users.append(user)
    return users, problems
