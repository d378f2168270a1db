"""The live exam engine: what the invigilator's controls and the clock do to a session, and
whether an answer may be accepted.  State lives in the database (absolute deadlines), so any
process can act on a session and a restarted server resumes where it was."""
from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from live import emit, payloads
from live.clock import iso
from server.exams import operations
from server.exams.models import Answer, LiveSession, Participant, SessionQuestion, is_connected
from server.extensions import db
from server.models import Branch, User

log = logging.getLogger(__name__)


class Refused(Exception):
    """A control or an answer that is not allowed now; ``code`` is part of the protocol."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code
        self.message = message or code


def grace() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("LIVE_GRACE_SECONDS", 2)))


def _uniform(session: LiveSession) -> bool:
    """Whether every trainee sees the same question payloads (no shuffles)."""
    return not (session.paper.shuffle_options or session.paper.shuffle_questions or session.paper.mode == "draw")


def _send_question(session: LiveSession, question: SessionQuestion, now: datetime) -> None:
    """The opened question to every trainee.  Without shuffles it is one payload for the room
    (built from any one participant, without extra time); trainees who were given extra time
    then hear their own remaining time."""
    def build(participant: Participant, extra: int) -> dict:
        return {"question": payloads.question_for_trainee(question, participant),
                **payloads.timing(session.question_deadline_at, now, session, extra)}
    if not _uniform(session):
        emit.to_trainees(session, "question", lambda p: build(p, p.extra_seconds))
        return
    sample = db.session.scalar(sa.select(Participant).where(Participant.session_id == session.id).limit(1))
    if sample is None:
        return
    emit.to_trainees(session, "question", build(sample, 0))
    extended = db.session.execute(sa.select(Participant.user_id, Participant.extra_seconds).where(
        Participant.session_id == session.id, Participant.extra_seconds > 0, Participant.removed.is_(False)))
    for user_id, extra in extended:
        emit.to_user(user_id, "time_extended", payloads.timing(session.question_deadline_at, now, session, extra))


# --- controls -----------------------------------------------------------------------------------


def start(session: LiveSession, now: datetime) -> None:
    """Lobby -> running: freeze the questions; timed papers go out at once with their deadline."""
    if session.status != "lobby":
        raise Refused("not_in_lobby")
    operations.freeze(session)
    session.status, session.started_at = "running", now
    if session.mode == "timed":
        session.deadline_at = now + timedelta(seconds=session.paper_seconds or 1800)
    db.session.commit()
    if session.mode == "timed":
        emit.to_trainees(session, "state", lambda p: payloads.trainee_state(session, p, now))
    else:
        emit.to_trainees(session, "started", {"server_time": iso(now)})
    emit.to_staff(session, "status", status_payload(session, now))


def open_next(session: LiveSession, now: datetime) -> SessionQuestion:
    """Paced: open the next question for everyone, with its deadline."""
    if session.mode != "paced" or session.status != "running":
        raise Refused("not_running")
    if session.question_open:
        close_question(session, now)
    ordered = sorted(session.questions, key=lambda q: q.position)
    position = next((i for i, q in enumerate(ordered) if q.id == session.current_question_id), -1) + 1
    if position >= len(ordered):
        raise Refused("no_more_questions")
    question = ordered[position]
    session.current_question_id, session.question_open = question.id, True
    session.question_opened_at = now
    session.question_deadline_at = now + timedelta(seconds=session.question_seconds or 30)
    db.session.commit()
    _send_question(session, question, now)
    emit.to_staff(session, "status", status_payload(session, now))
    return question


def distribution(question: SessionQuestion) -> dict[str, int]:
    """How many picked each option (a multiple-choice answer counts for each letter in it),
    counted by the database: one row per distinct answer, not one per trainee."""
    counts = Counter()
    for choice, number in db.session.execute(sa.select(Answer.choice, sa.func.count()).where(
            Answer.session_question_id == question.id).group_by(Answer.choice)):
        for letter in choice:
            counts[letter] += number
    letters = sorted(question.options) if question.options else ["T", "F"]
    return {letter: counts.get(letter, 0) for letter in letters}


def close_question(session: LiveSession, now: datetime) -> bool:
    """Close the open question (idempotent across processes: only the one that flips the flag
    announces it).  Reveals the key and distribution when the paper says so."""
    question_id = session.current_question_id
    changed = db.session.execute(sa.update(LiveSession).where(
        LiveSession.id == session.id, LiveSession.question_open.is_(True),
        LiveSession.current_question_id == question_id).values(question_open=False)).rowcount
    db.session.commit()
    db.session.refresh(session)
    if not changed:
        return False
    log.info("session %s: question %s closed", session.id, question_id)
    question = db.session.get(SessionQuestion, question_id)
    counts = distribution(question)
    if session.show_key == "after_question":
        if _uniform(session):
            emit.to_trainees(session, "question_closed", payloads.revealed(question, None, counts))
        else:
            emit.to_trainees(session, "question_closed", lambda p: payloads.revealed(question, p, counts))
    else:
        emit.to_trainees(session, "question_closed", {"question_id": question.id})
    emit.to_staff(session, "question_closed", {"question_id": question.id, "key": question.answer,
                                               "distribution": counts})
    return True


def pause(session: LiveSession, now: datetime) -> None:
    if session.status != "running":
        raise Refused("not_running")
    deadline = session.question_deadline_at if session.mode == "paced" else session.deadline_at
    session.status, session.paused_at = "paused", now
    session.remaining_seconds = max(0.0, (deadline - now).total_seconds()) if deadline else None
    db.session.commit()
    emit.to_trainees(session, "paused", {"server_time": iso(now), "remaining": session.remaining_seconds})
    emit.to_staff(session, "status", status_payload(session, now))


def resume(session: LiveSession, now: datetime) -> None:
    if session.status != "paused":
        raise Refused("not_paused")
    if session.remaining_seconds is not None:
        deadline = now + timedelta(seconds=session.remaining_seconds)
        if session.mode == "paced":
            session.question_deadline_at = deadline
        else:
            session.deadline_at = deadline
    session.status, session.paused_at, session.remaining_seconds = "running", None, None
    db.session.commit()
    deadline = session.question_deadline_at if session.mode == "paced" else session.deadline_at
    emit.to_trainees(session, "resumed", payloads.timing(deadline, now, session))
    emit.to_staff(session, "status", status_payload(session, now))


def extend(session: LiveSession, now: datetime, seconds: int, participant: Participant | None = None) -> None:
    """Give everyone (or one trainee) more time on the current question (paced) or the paper (timed)."""
    if session.status not in ("running", "paused") or not 0 < seconds <= 3600:
        raise Refused("cannot_extend")
    if participant is not None:
        participant.extra_seconds += seconds
    elif session.status == "paused" and session.remaining_seconds is not None:
        session.remaining_seconds += seconds
    elif session.mode == "paced" and session.question_deadline_at:
        session.question_deadline_at += timedelta(seconds=seconds)
    elif session.deadline_at:
        session.deadline_at += timedelta(seconds=seconds)
    db.session.commit()
    deadline = session.question_deadline_at if session.mode == "paced" else session.deadline_at
    if participant is not None:
        emit.to_user(participant.user_id, "time_extended",
                     payloads.timing(deadline, now, session, participant.extra_seconds))
    else:
        emit.to_trainees(session, "time_extended", payloads.timing(deadline, now, session))
    emit.to_staff(session, "status", status_payload(session, now))


def end(session: LiveSession, now: datetime) -> None:
    """End the session: every attempt is submitted, pass/fail recorded, scores sent."""
    if session.status == "lobby":
        operations.freeze(session)
        db.session.commit()
    # Only the process that flips the status announces the end (several may see the deadline).
    changed = db.session.execute(sa.update(LiveSession).where(
        LiveSession.id == session.id, LiveSession.status != "ended").values(
        status="ended", ended_at=now, question_open=False)).rowcount
    db.session.commit()
    db.session.refresh(session)
    if not changed:
        return
    operations.end_session(session, now)
    emit.to_trainees(session, "ended", lambda p: {"score": {"total": str(p.total), "passed": p.passed}}
                     if session.show_key != "never" else {})
    emit.to_staff(session, "status", status_payload(session, now))
    from server.documents.operations import start_issuing

    try:
        start_issuing(session, "ended")  # certificates and score sheets, in a process of its own
    except Exception:  # the exam has ended either way; the documents page offers to issue again
        log.exception("session %s: could not start issuing its documents", session.id)
        db.session.rollback()


def remove(session: LiveSession, participant: Participant, now: datetime) -> None:
    participant.removed, participant.finished_at = True, now
    db.session.commit()
    emit.to_user(participant.user_id, "removed", {})
    roster_changed(session, [participant.id])


def announce(session: LiveSession, text: str, now: datetime) -> None:
    text = (text or "").strip()[:500]
    if not text:
        raise Refused("empty_announcement")
    emit.to_trainees(session, "announcement", {"text": text, "server_time": iso(now)})


# --- answers ------------------------------------------------------------------------------------


def check_answer(session: LiveSession, participant: Participant, question: SessionQuestion, now: datetime,
                 allowance: timedelta | None = None) -> None:
    """Raises Refused unless an answer to ``question`` may be accepted now (server time only).
    ``allowance``: grace(), when the caller has it at hand."""
    if participant.removed:
        raise Refused("removed")
    if participant.finished_at is not None or session.status == "ended":
        raise Refused("finished")
    if session.status == "paused":
        raise Refused("paused")
    if session.status != "running" or question.id not in participant.question_order:
        raise Refused("not_open")
    extra = timedelta(seconds=participant.extra_seconds) + (allowance if allowance is not None else grace())
    if session.mode == "paced":
        if question.id != session.current_question_id:
            raise Refused("not_open")
        if not session.question_open or now > session.question_deadline_at + extra:
            raise Refused("late")
    elif now > session.deadline_at + extra:
        raise Refused("late")


def seconds_into(session: LiveSession, now: datetime) -> float | None:
    opened = session.question_opened_at if session.mode == "paced" else session.started_at
    return (now - opened).total_seconds() if opened else None


def _connected_filter():
    return sa.and_(Participant.connected_at.is_not(None), sa.or_(
        Participant.disconnected_at.is_(None), Participant.disconnected_at < Participant.connected_at))


def _count_with_answers(session: LiveSession, who) -> tuple[int, int]:
    """How many participants match ``who``, and how many of them answered the current question:
    one scan (a left join), counted by the database, not by loading the roster."""
    scope = sa.and_(Participant.session_id == session.id, Participant.removed.is_(False),
                    Participant.finished_at.is_(None), who)
    if not session.current_question_id:
        return db.session.scalar(sa.select(sa.func.count()).select_from(Participant).where(scope)), 0
    people, answered = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(Answer.id)).select_from(Participant).outerjoin(
            Answer, sa.and_(Answer.participant_id == Participant.id,
                            Answer.session_question_id == session.current_question_id)).where(scope)).one()
    return people, answered


def counts(session: LiveSession) -> dict:
    """Connected trainees, and how many of them answered the current question."""
    connected, answered = _count_with_answers(session, _connected_filter())
    return {"connected": connected, "answered": answered}


def all_answered(session: LiveSession, now: datetime) -> bool:
    """Paced: everyone present has answered the open question.  Present means connected, or
    dropped less than LIVE_RECONNECT_GRACE_SECONDS ago: a trainee whose network blinks is waited
    for that long, one who has gone never stalls the question (and the deadline holds anyway)."""
    if not session.current_question_id:
        return False
    recent = now - timedelta(seconds=float(current_app.config.get("LIVE_RECONNECT_GRACE_SECONDS", 10)))
    present = sa.and_(Participant.session_id == session.id, Participant.removed.is_(False),
                      Participant.finished_at.is_(None),
                      sa.or_(_connected_filter(), Participant.disconnected_at >= recent))
    answered = sa.exists().where(Answer.participant_id == Participant.id,
                                 Answer.session_question_id == session.current_question_id)
    # Two EXISTS: while the question is open the database stops at the first trainee still
    # to answer, instead of counting the whole roster every tick.
    anyone, waiting = db.session.execute(sa.select(
        sa.exists().where(present), sa.exists().where(present, ~answered))).one()
    return bool(anyone) and not waiting


def close_if_all_answered(session: LiveSession, now: datetime, known: dict | None = None) -> None:
    """``known``: counts just taken; a connected trainee who has not answered settles it at once."""
    if known is not None and known["answered"] < known["connected"]:
        return
    if (session.mode == "paced" and session.status == "running" and session.question_open
            and current_app.config.get("LIVE_AUTO_CLOSE", True) and all_answered(session, now)):
        close_question(session, now)


# --- the clock ----------------------------------------------------------------------------------


def tick(now: datetime) -> None:
    """Close questions and end timed papers whose deadlines (plus grace and the most extra time
    any trainee was given) have passed, and paced questions everyone present has answered.  Runs
    every quarter second: one or two queries per running session, none of them a scan of the
    roster while a question is open."""
    running = db.session.scalars(sa.select(LiveSession).where(LiveSession.status == "running"))
    for session in list(running):
        paced = session.mode == "paced"
        deadline = (session.question_deadline_at if session.question_open else None) if paced else session.deadline_at
        if deadline is None:
            continue
        latest = 0
        if now > deadline + grace():  # only then can someone's extra time matter
            latest = db.session.scalar(sa.select(sa.func.max(Participant.extra_seconds)).where(
                Participant.session_id == session.id, Participant.removed.is_(False))) or 0
        if now > deadline + timedelta(seconds=latest) + grace():
            if paced:
                close_question(session, now)
            else:
                end(session, now)
        elif paced:
            close_if_all_answered(session, now)  # e.g. the last one still to answer has gone


# --- dashboard ----------------------------------------------------------------------------------


def roster_payload(session: LiveSession, only: list[int] | None = None) -> list[dict]:
    """Dashboard rows for the whole roster, or for the participants in ``only``."""
    scope = [Participant.session_id == session.id]
    if only is not None:
        if not only:
            return []
        scope.append(Participant.id.in_(only))
    answered = set()
    if session.current_question_id:
        answered = set(db.session.scalars(sa.select(Answer.participant_id).join(Participant).where(
            Answer.session_question_id == session.current_question_id, *scope)))
    # Plain rows, not ORM objects: a burst's progress can carry thousands of them.
    rows = db.session.execute(
        sa.select(Participant.id, Participant.answered, Participant.total, Participant.tab_switches,
                  Participant.removed, Participant.finished_at, Participant.connected_at,
                  Participant.disconnected_at, User.employee_no, User.name, Branch.name.label("branch"))
        .join(User, User.id == Participant.user_id).join(Branch, Branch.id == Participant.branch_id)
        .where(*scope).order_by(Participant.id))
    return [{"participant_id": r.id, "employee_no": r.employee_no, "name": r.name, "branch": r.branch,
             "connected": is_connected(r.connected_at, r.disconnected_at),
             "answered_current": r.id in answered, "answered": r.answered, "total": str(r.total),
             "tab_switches": r.tab_switches, "removed": r.removed, "finished": r.finished_at is not None}
            for r in rows]


def roster_changed(session: LiveSession, participant_ids: list[int]) -> None:
    """Tell dashboards about these participants only (a connect, a drop, a removal).  The
    counts follow shortly: when thousands connect at once, counting after each one would make
    joining cost O(N^2); counted at most every LIVE_COUNTS_SECONDS it stays O(N)."""
    emit.to_staff(session, "roster_changed", {"changed": roster_payload(session, participant_ids)})
    schedule_counts(session.id)


def schedule_counts(session_id: int) -> None:
    from server.extensions import socketio

    app = current_app._get_current_object()
    pending = app.extensions.setdefault("examhall_counts_pending", set())
    if session_id not in pending:
        pending.add(session_id)
        socketio.start_background_task(_emit_counts_later, app, session_id)


def _emit_counts_later(app, session_id: int) -> None:
    from server.extensions import socketio

    socketio.sleep(float(app.config.get("LIVE_COUNTS_SECONDS", 0.5)))
    with app.app_context():
        app.extensions["examhall_counts_pending"].discard(session_id)
        session = db.session.get(LiveSession, session_id)
        emit.to_staff(session, "counts", counts(session))
        db.session.remove()


def progress_changed(session: LiveSession, participant_ids: list[int]) -> None:
    """Answers were saved: dashboards get the changed rows, counts, distribution and standings.
    During an answer burst that is many small batches; they are gathered and sent at most every
    LIVE_PROGRESS_SECONDS (0: at once), so the dashboard costs O(1) queries per interval, not per batch."""
    from server.extensions import socketio

    app = current_app._get_current_object()
    delay = float(app.config.get("LIVE_PROGRESS_SECONDS", 0.5))
    if delay <= 0:
        _emit_progress(app, session, set(participant_ids))
        return
    pending = app.extensions.setdefault("examhall_progress_pending", {})
    if session.id in pending:
        pending[session.id].update(participant_ids)
        return
    pending[session.id] = set(participant_ids)
    socketio.start_background_task(_emit_progress_later, app, session.id, delay)


def _emit_progress_later(app, session_id: int, delay: float) -> None:
    from server.extensions import socketio

    socketio.sleep(delay)
    with app.app_context():
        changed = app.extensions["examhall_progress_pending"].pop(session_id, set())
        try:
            _emit_progress(app, db.session.get(LiveSession, session_id), changed)
        finally:
            db.session.remove()


def _emit_progress(app, session: LiveSession, changed: set[int]) -> None:
    """The progress event; then, paced, the open question closes if everyone present answered."""
    from live.clock import now
    from live.standings import board_for, standings

    question = db.session.get(SessionQuestion, session.current_question_id) if session.current_question_id else None
    numbers = counts(session)
    emit.to_staff(session, "progress", {
        "question_id": session.current_question_id,
        "distribution": distribution(question) if question else {},
        "changed": roster_payload(session, sorted(changed)),  # only the rows that changed travel
        "counts": numbers, **standings(board_for(app, session))})
    close_if_all_answered(session, now(), numbers)


def status_payload(session: LiveSession, now: datetime) -> dict:
    deadline = session.question_deadline_at if session.mode == "paced" else session.deadline_at
    return {"session_id": session.id, "status": session.status, "mode": session.mode,
            "current_question_id": session.current_question_id, "question_open": session.question_open,
            "deadline": iso(deadline), "remaining": payloads.remaining(deadline, now, session),
            "server_time": iso(now)}


def dashboard_state(session: LiveSession, now: datetime) -> dict:
    from flask import current_app

    from live.standings import board_for, standings

    state = {"status": status_payload(session, now), "roster": roster_payload(session),
             "counts": counts(session), **standings(board_for(current_app._get_current_object(), session, reseed=True)),
             "join_code": session.join_code, "title": session.title,
             "questions": [{"id": q.id, "position": q.position, "type": q.type, "stem": q.stem,
                            "options": q.options, "answer": q.answer} for q in session.questions]}
    if session.current_question_id:
        state["distribution"] = distribution(db.session.get(SessionQuestion, session.current_question_id))
    return state
