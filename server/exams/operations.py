"""Writes to exam sessions: creating one, freezing its questions, recording answers, ending it,
regrading it.  Each function validates, changes and flushes, and says what it changed; none
commits: the request or the live event handler commits once (server.database.commit)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from grading import (
    Decision,
    KeyProblem,
    QuestionType,
    Recording,
    StoredAnswer,
    Void,
    check_key,
    decide_answer,
    max_total,
    passed,
)
from server.bank.models import Question
from server.errors import OperationError
from server.exams import signals
from server.exams.audit import audit
from server.exams.models import (
    Answer,
    LiveSession,
    Pacing,
    Participant,
    SessionQuestion,
    SessionStatus,
    is_absent,
)
from server.exams.results import forget_results, regrade_preview
from server.exams.scoring import counted_max, policy_for, snapshot
from server.extensions import db
from server.models import User, utcnow
from server.papers import draw
from server.papers.models import Paper, Selection
from server.papers.util import rule_pool

JOIN_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _join_code() -> str:
    while True:
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(6))
        if not db.session.scalar(sa.select(LiveSession.id).where(LiveSession.join_code == code)):
            return code


def create_session(actor: User, paper: Paper, title: str, pacing: str, roster: list[User]) -> LiveSession:
    """Changes: adds a session in the lobby with ``roster`` as participants.  Every paper
    setting the session will use is copied into it now; it never reads them from the paper again."""
    if pacing not in tuple(Pacing):
        raise OperationError(_("Choose paced or timed."), field="pacing")
    if not (paper.questions or paper.rules):
        raise OperationError(_("The paper has no questions."), field="paper_id")
    title = (title or paper.name).strip()[:120]
    session = LiveSession(
        paper=paper, title=title, branch_id=actor.branch_id, created_by_id=actor.id, pacing=pacing,
        join_code=_join_code(), seed=secrets.randbits(48), multi_rule=paper.multi_rule,
        rounding_step=paper.rounding_step, pass_percent=paper.pass_percent,
        speed_bonus_points=paper.speed_bonus_points, speed_bonus_seconds=paper.speed_bonus_seconds,
        show_key=paper.show_key, selection=paper.selection, shuffle_questions=paper.shuffle_questions,
        shuffle_options=paper.shuffle_options, question_seconds=paper.question_seconds or 30,
        paper_seconds=paper.paper_seconds or 1800, tab_switch_limit=paper.tab_switch_limit,
        show_ranks=paper.show_ranks, name_privacy=paper.name_privacy)
    db.session.add(session)
    db.session.flush()
    for user in {u.id: u for u in roster}.values():
        db.session.add(Participant(session_id=session.id, user_id=user.id, branch_id=user.branch_id))
    db.session.flush()
    signals.session_created.send(session)
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
    and shuffles each participant's paper deterministically from the session seed (with the
    session's own copy of the paper's settings), records the draw on the participant, and sets
    the session's maximum.  The paper's question list and rules cannot change meanwhile: a paper
    with a session that has not ended refuses edits (papers.operations)."""
    if session.questions:
        return
    paper = session.paper
    participants = list(db.session.scalars(sa.select(Participant).where(Participant.session_id == session.id)))
    frozen: dict[int, SessionQuestion] = {}
    orders: dict[int, list[int]] = {}
    if session.selection == Selection.FIXED:
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
    by_id = {q.id: q for q in frozen.values()}
    for participant in participants:
        order = [frozen[q].id for q in orders[participant.id]]
        if session.shuffle_questions:
            draw.rng_for(session.seed, participant.user_id, "order").shuffle(order)
        participant.question_order = order
        if session.shuffle_options:
            rng = draw.rng_for(session.seed, participant.user_id, "options")
            participant.option_orders = {str(i): draw.option_order(sorted(by_id[i].options), rng)
                                         for i in order if by_id[i].options}
    first = participants[0].question_order if participants else [q.id for q in frozen.values()]
    session.max_total = counted_max(list(frozen.values()), first)
    db.session.flush()


@dataclass(frozen=True)
class Recorded:
    """What happened to an answer (a grading.Recording), with the points now counted for the
    question and the participant's total."""

    status: Recording
    points: Decimal = Decimal(0)
    outcome: str = ""
    total: Decimal = Decimal(0)


def stored_answer(answer) -> StoredAnswer | None:
    """An Answer (or a row with its fields) as grading's decision reads it."""
    if answer is None:
        return None
    return StoredAnswer(answer.choice, answer.seq, answer.points, answer.bonus, answer.outcome)


def seconds_into(session: LiveSession, now: datetime) -> float | None:
    """Seconds from the opening of what the trainee answers (the question, or the paper)."""
    opened = session.question_opened_at if session.pacing == Pacing.PACED else session.started_at
    return (now - opened).total_seconds() if opened else None


def store_decision(answer, participant, decision: Decision, seq: int, seconds: float | None,
                   received_at: datetime, final: bool) -> None:
    """Changes ``answer`` and ``participant`` as a saved decision says: the graded answer, the
    participant's count of answered questions, total and bonus.  Both adapters use it: the ORM
    objects of record_answer and the live writer's plain rows (attributes alike)."""
    grade = decision.grade
    answer.choice, answer.seq, answer.seconds, answer.received_at = decision.choice, seq, seconds, received_at
    answer.points, answer.bonus, answer.outcome, answer.final = grade.points, grade.bonus, grade.outcome.value, final
    if decision.first:
        participant.answered += 1
    participant.total += decision.delta
    participant.bonus = (participant.bonus or Decimal(0)) + decision.bonus_delta


def record_answer(session: LiveSession, participant: Participant, question: SessionQuestion,
                  display_choice: str, seq: int, now: datetime | None = None, final: bool = True) -> Recorded:
    """Changes: stores the answer if its sequence number is the highest seen for this question,
    graded, and moves the participant's total by the difference (grading.decide_answer).  Reads
    the stored answer itself; the live writer has its own adapter for its batch rows."""
    now = now or utcnow()
    existing = db.session.scalar(sa.select(Answer).where(
        Answer.participant_id == participant.id, Answer.session_question_id == question.id))
    order = (participant.option_orders or {}).get(str(question.id))
    seconds = seconds_into(session, now)
    decision = decide_answer(snapshot(question), draw.to_canonical(order, display_choice or ""), seq,
                             seconds, stored_answer(existing), policy_for(session),
                             assigned=question.id in participant.question_order)
    if decision.status is not Recording.SAVED:
        if existing is None:
            return Recorded(decision.status, total=participant.total)
        return Recorded(decision.status, existing.points, existing.outcome, participant.total)
    if existing is None:
        existing = Answer(participant_id=participant.id, session_question_id=question.id)
        db.session.add(existing)
    store_decision(existing, participant, decision, seq, seconds, now, final)
    participant.last_seq = max(participant.last_seq, seq)
    db.session.flush()
    return Recorded(decision.status, decision.grade.points, decision.grade.outcome.value, participant.total)


def end_session(session: LiveSession, now: datetime | None = None) -> None:
    """Changes: ends the session and records pass/fail for every participant who sat it; an
    absentee (缺考: never entered) gets neither (passed stays None); tells whoever listens
    (documents) that it ended.  Plain rows
    and one executemany, the maximum worked out once per distinct paper: ending 10,000 trainees
    holds the write lock for milliseconds, not seconds."""
    session.status = SessionStatus.ENDED
    session.ended_at = session.ended_at or now or utcnow()
    session.question_open = False
    db.session.flush()
    snapshots = [snapshot(q) for q in session.questions]
    maxima: dict[tuple[int, ...], Decimal] = {}
    rows = db.session.execute(sa.select(Participant.id, Participant.total, Participant.question_order,
                                        Participant.joined_at, Participant.answered).where(
        Participant.session_id == session.id)).all()
    updates = []
    for participant_id, total, order, joined_at, answered in rows:
        key = tuple(order or ())
        if key not in maxima:
            maxima[key] = max_total(snapshots, list(key))
        result = None if is_absent(joined_at, answered) else passed(total, maxima[key], session.pass_percent)
        updates.append({"pid": participant_id, "ok": result})
    table = Participant.__table__
    if updates:
        db.session.execute(table.update().where(table.c.id == sa.bindparam("pid")).values(
            passed=sa.bindparam("ok"), finished_at=sa.func.coalesce(table.c.finished_at, session.ended_at)),
            updates)
    db.session.expire_all()  # participants loaded before read what was just written
    forget_results(session)
    signals.session_ended.send(session)


KEY_PROBLEMS = {
    KeyProblem.NOT_TRUE_FALSE: lambda: _("A true/false key is 对 or 错."),
    KeyProblem.NOT_LETTERS: lambda: _("Write the key as option letters, e.g. ACD."),
    KeyProblem.NOT_AN_OPTION: lambda: _("The key names a letter this question has no option for."),
    KeyProblem.SINGLE_WITH_MANY: lambda: _("A single-choice question has exactly one answer letter."),
}


def checked_keys(session: LiveSession, typed: dict[int, str]) -> dict[int, str]:
    """Keys as staff typed them (question id -> text), in stored form; OperationError naming
    the first field at fault (``key_<id>``) when a key is not valid for its question."""
    questions = {q.id: q for q in session.questions}
    keys = {}
    for question_id, text in typed.items():
        question = questions.get(question_id)
        if question is None:
            raise OperationError(_("There is no such question in this session."), field=f"key_{question_id}")
        options = tuple(question.options) if question.type != QuestionType.JUDGE else ()
        key, problem = check_key(question.type, options, text)
        if problem is not None:
            raise OperationError(_("Question %(position)d: %(problem)s", position=question.position,
                                   problem=KEY_PROBLEMS[problem]()), field=f"key_{question_id}")
        keys[question_id] = key
    return keys


@dataclass(frozen=True)
class Regraded:
    """What a regrade did: whether any key or void changed (``applied``), and the results
    that changed with it (``changed``: the preview's lines)."""

    applied: bool
    changed: list


def apply_regrade(actor: User, session: LiveSession, keys: dict[int, str], voids: dict[int, Void],
                  reason: str) -> Regraded:
    """Changes: the session's keys and voids, every affected answer's points, each participant's
    total and pass/fail; adds an audit entry with who, why and every change; tells whoever
    listens (documents supersede and reissue) in the same transaction.  ``keys`` as typed: each
    is checked against its question.  Applying the same regrade again changes nothing."""
    if session.status != SessionStatus.ENDED:
        # Answers still arrive and are graded with the keys they meet: a regrade then would race
        # them (and an answer graded before it would keep the old key).
        raise OperationError(_("A session is regraded once it has ended."), field="reason", code="not_ended")
    if not (reason or "").strip():
        raise OperationError(_("Say why the session is regraded."), field="reason")
    keys = checked_keys(session, keys)
    questions = {q.id: q for q in session.questions}
    keys = {q: k for q, k in keys.items() if questions[q].answer != k}
    voids = {q: Void(v) for q, v in voids.items() if q in questions and questions[q].void != Void(v)}
    if not keys and not voids:
        return Regraded(applied=False, changed=[])
    lines = regrade_preview(session, keys, voids)
    for question_id, key in keys.items():
        questions[question_id].answer = key
    for question_id, void in voids.items():
        questions[question_id].void = void.value
    answers = {a.id: a for a in db.session.scalars(sa.select(Answer).where(
        Answer.id.in_([answer_id for line in lines for answer_id in line.new_points])))}
    for line in lines:
        for answer_id, (points, bonus, outcome) in line.new_points.items():
            answer = answers[answer_id]
            answer.points, answer.bonus, answer.outcome = points, bonus, outcome
        line.participant.total, line.participant.bonus = line.new_total, line.new_bonus
        line.participant.passed = line.new_passed
    session.max_total = counted_max(list(questions.values()), lines[0].participant.question_order) \
        if lines else session.max_total
    changed = [line for line in lines if line.changed]
    audit(actor, "regrade", session, reason.strip(),
          keys={str(q): k for q, k in keys.items()}, voids={str(q): v.value for q, v in voids.items()},
          changes=[{"participant": line.participant.id, "employee_no": line.employee_no,
                    "old_total": str(line.old_total), "new_total": str(line.new_total),
                    "old_passed": line.old_passed, "new_passed": line.new_passed} for line in changed])
    db.session.flush()
    forget_results(session)
    signals.session_regraded.send(session, actor=actor, changed_participant_ids={line.participant.id
                                                                                 for line in changed})
    return Regraded(applied=True, changed=changed)
