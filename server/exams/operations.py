"""Writes to exam sessions: creating one, freezing its questions, recording answers, ending it,
regrading it.  Each function validates, changes, and says what it changed; record_answer leaves
the commit to its caller so that the live engine can commit answers in groups."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from grading import Outcome, Policy, QuestionSnapshot, Response, grade_answer, normalize_choice
from server.bank.models import Question
from server.errors import OperationError
from server.exams.models import Answer, AuditEntry, LiveSession, Participant, SessionQuestion
from server.exams.scoring import counted_max, policy_for, snapshot
from server.extensions import db
from server.models import User, utcnow
from server.papers import draw
from server.papers.models import Paper
from server.papers.util import rule_pool

JOIN_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _join_code() -> str:
    while True:
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(6))
        if not db.session.scalar(sa.select(LiveSession.id).where(LiveSession.join_code == code)):
            return code


def create_session(actor: User, paper: Paper, title: str, mode: str, roster: list[User]) -> LiveSession:
    """Changes: adds a session in the lobby with ``roster`` as participants; the paper's scoring
    settings are copied into it."""
    if mode not in ("paced", "timed"):
        raise OperationError(_("Choose paced or timed."), field="mode")
    if not (paper.questions or paper.rules):
        raise OperationError(_("The paper has no questions."), field="paper_id")
    title = (title or paper.name).strip()[:120]
    session = LiveSession(
        paper=paper, title=title, branch_id=actor.branch_id, created_by_id=actor.id, mode=mode,
        join_code=_join_code(), seed=secrets.randbits(48), multi_rule=paper.multi_rule,
        rounding_step=paper.rounding_step, pass_percent=paper.pass_percent,
        speed_bonus_points=paper.speed_bonus_points, speed_bonus_seconds=paper.speed_bonus_seconds,
        show_key=paper.show_key, question_seconds=paper.question_seconds or 30,
        paper_seconds=paper.paper_seconds or 1800, tab_switch_limit=paper.tab_switch_limit)
    db.session.add(session)
    db.session.flush()
    for user in {u.id: u for u in roster}.values():
        db.session.add(Participant(session_id=session.id, user_id=user.id, branch_id=user.branch_id))
    db.session.commit()
    return session


def _freeze_question(session: LiveSession, question: Question, position: int, points: Decimal) -> SessionQuestion:
    frozen = SessionQuestion(session=session, question_id=question.id, position=position,
                             type=question.type, stem=question.stem, options=dict(question.options),
                             answer=question.answer, original_answer=question.answer, points=points,
                             explanation=question.explanation)
    db.session.add(frozen)
    question.used_at = question.used_at or utcnow()
    return frozen


def freeze(session: LiveSession) -> None:
    """Changes: snapshots the session's questions (later bank edits never reach them), draws
    and shuffles each participant's paper deterministically from the session seed, records
    the draw on the participant, and sets the session's maximum.  Does not commit."""
    if session.questions:
        return
    paper = session.paper
    participants = list(db.session.scalars(sa.select(Participant).where(Participant.session_id == session.id)))
    frozen: dict[int, SessionQuestion] = {}
    orders: dict[int, list[int]] = {}
    if paper.mode == "fixed":
        for entry in paper.questions:
            points = entry.points or paper.points_for(entry.question.type)
            frozen[entry.question_id] = _freeze_question(session, entry.question, entry.position, points)
        base = [pq.question_id for pq in paper.questions]
        orders = {p.id: list(base) for p in participants}
    else:
        pools = [(rule, rule_pool(rule)) for rule in paper.rules]
        for participant in participants:
            rng = draw.rng_for(session.seed, participant.user_id, "draw")
            picked = []
            for rule, pool in pools:
                picked += draw.draw(pool, rule.count, rng)
            orders[participant.id] = picked
        drawn = sorted({q for order in orders.values() for q in order})
        for position, question_id in enumerate(drawn, start=1):
            question = db.session.get(Question, question_id)
            frozen[question_id] = _freeze_question(session, question, position, paper.points_for(question.type))
    db.session.flush()
    for participant in participants:
        order = [frozen[q].id for q in orders[participant.id]]
        if paper.shuffle_questions:
            draw.rng_for(session.seed, participant.user_id, "order").shuffle(order)
        participant.question_order = order
        if paper.shuffle_options:
            rng = draw.rng_for(session.seed, participant.user_id, "options")
            by_id = {q.id: q for q in frozen.values()}
            participant.option_orders = {str(i): draw.option_order(sorted(by_id[i].options), rng)
                                         for i in order if by_id[i].options}
    first = participants[0].question_order if participants else [q.id for q in frozen.values()]
    session.max_total = counted_max(list(frozen.values()), first)


@dataclass(frozen=True)
class Recorded:
    """What happened to an answer: "saved", "duplicate" (already had it), "stale" (a later
    answer was already saved) or "invalid"; with the points now counted for the question."""

    status: str
    points: Decimal = Decimal(0)
    outcome: str = ""
    total: Decimal = Decimal(0)


_LOOK_UP = object()


def record_answer(session: LiveSession, participant: Participant, question: SessionQuestion,
                  display_choice: str, seq: int, seconds: float | None = None,
                  now: datetime | None = None, existing=_LOOK_UP, prefetched: dict | None = None,
                  create=None, snap: QuestionSnapshot | None = None, policy: Policy | None = None) -> Recorded:
    """Changes: grades the answer and stores it if its sequence number is the highest seen for
    this question, adjusting the participant's total by the difference (constant work, no
    rescans).  The caller commits (the live engine commits answers in groups).  ``existing``
    is the stored answer when the caller has already loaded it (None: there is none); ``create``
    makes a new answer row when the caller writes rows itself (the live writer), instead of an
    ORM object added to the session.  ``participant`` and ``existing`` may be such rows too.
    ``snap`` and ``policy``: the question's snapshot and the session's policy, when the caller
    grades many answers to the same question."""
    snap = snap or snapshot(question)
    order = participant.option_orders.get(str(question.id)) if participant.option_orders else None
    choice = normalize_choice(snap, draw.to_canonical(order, display_choice or ""))
    if choice is None or question.id not in participant.question_order:
        return Recorded("invalid", total=participant.total)
    if existing is _LOOK_UP:
        existing = db.session.scalar(sa.select(Answer).where(
            Answer.participant_id == participant.id, Answer.session_question_id == question.id))
    if existing is not None and existing.seq >= seq:
        status = "duplicate" if existing.seq == seq and existing.choice == choice else "stale"
        return Recorded(status, existing.points, existing.outcome, participant.total)
    grade = grade_answer(snap, Response(question.id, choice, seconds), policy or policy_for(session))
    if question.void == "full_points":
        grade = type(grade)(question.points, Outcome.CORRECT, grade.bonus)
    counted = Decimal(0) if question.void == "remove" else grade.points + grade.bonus
    if existing is None:
        if create is not None:
            existing = create(participant.id, question.id)
        else:
            existing = Answer(participant_id=participant.id, session_question_id=question.id)
            db.session.add(existing)
        if prefetched is not None:
            prefetched[(participant.id, question.id)] = existing
        participant.answered += 1
        previous = Decimal(0)
    else:
        previous = Decimal(0) if question.void == "remove" else existing.points + existing.bonus
    existing.choice, existing.seq, existing.seconds = choice, seq, seconds
    existing.points, existing.bonus, existing.outcome = grade.points, grade.bonus, grade.outcome.value
    existing.received_at = now or utcnow()
    participant.total = participant.total - previous + counted
    return Recorded("saved", grade.points, grade.outcome.value, participant.total)


def end_session(session: LiveSession, now: datetime | None = None) -> None:
    """Changes: ends the session and records pass/fail for every participant."""
    from grading import passed

    session.status = "ended"
    session.ended_at = session.ended_at or now or utcnow()
    questions = list(session.questions)
    for participant in db.session.scalars(sa.select(Participant).where(Participant.session_id == session.id)):
        maximum = counted_max(questions, participant.question_order) if participant.question_order else Decimal(0)
        participant.passed = passed(participant.total, maximum, session.pass_percent)
        participant.finished_at = participant.finished_at or session.ended_at
    db.session.commit()


def audit(actor: User | None, action: str, session: LiveSession | None, reason: str = "",
          **details) -> AuditEntry:
    """Changes: adds an audit entry (committed with the caller's transaction)."""
    entry = AuditEntry(actor_id=actor.id if actor else None, action=action,
                       session_id=session.id if session else None, reason=reason, details=details)
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class Regraded:
    """What a regrade did: whether any key or void changed (``applied``), and the results
    that changed with it (``changed``: the preview's lines)."""

    applied: bool
    changed: list


def apply_regrade(actor: User, session: LiveSession, keys: dict[int, str], voids: dict, reason: str) -> Regraded:
    """Changes: the session's keys and voids, every affected answer's points, each participant's
    total and pass/fail; adds an audit entry with who, why and every change.  Applying the same
    regrade again changes nothing and records nothing."""
    from server.exams.results import regrade_preview

    if not (reason or "").strip():
        raise OperationError(_("Say why the session is regraded."), field="reason")
    questions = {q.id: q for q in session.questions}
    keys = {q: k for q, k in keys.items() if questions[q].answer != k}
    voids = {q: v for q, v in voids.items() if questions[q].void != v.value}
    if not keys and not voids:
        return Regraded(applied=False, changed=[])
    lines = regrade_preview(session, keys, voids)
    for question_id, key in keys.items():
        questions[question_id].answer = key
    for question_id, void in voids.items():
        questions[question_id].void = void.value
    for line in lines:
        for answer_id, (points, bonus, outcome) in line.new_points.items():
            answer = db.session.get(Answer, answer_id)
            answer.points, answer.bonus, answer.outcome = points, bonus, outcome
        line.participant.total = line.new_total
        if session.status == "ended":
            line.participant.passed = line.new_passed
    changed = [line for line in lines if line.changed]
    audit(actor, "regrade", session, reason.strip(),
          keys={str(q): k for q, k in keys.items()}, voids={str(q): v.value for q, v in voids.items()},
          changes=[{"participant": line.participant.id, "employee_no": line.participant.user.employee_no,
                    "old_total": str(line.old_total), "new_total": str(line.new_total),
                    "old_passed": line.old_passed, "new_passed": line.new_passed} for line in changed])
    db.session.commit()
    return Regraded(applied=True, changed=changed)
