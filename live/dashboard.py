"""What invigilators' dashboards are told: the roster's rows, counts, the open question's
distribution, standings and the session's status.  Bursts are gathered: counts at most every
LIVE_COUNTS_SECONDS, progress at most every LIVE_PROGRESS_SECONDS, so a dashboard costs O(1)
queries per interval, not per answer or per join; with several processes, one event per interval
for all of them (live.pending)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from grading import Leaderboard, QuestionType
from live import emit, payloads
from live.clock import iso
from live.clock import now as clock_now
from live.runtime import runtime_for
from server.database import commit, rollback
from server.exams.models import Answer, LiveSession, Participant, SessionQuestion, is_connected
from server.extensions import db, socketio
from server.models import Branch, User


def distribution(question: SessionQuestion) -> dict[str, int]:
    """How many picked each option (a multiple-choice answer counts for each letter in it),
    counted by the database: one row per distinct answer, not one per trainee."""
    counts = Counter()
    for choice, number in db.session.execute(sa.select(Answer.choice, sa.func.count()).where(
            Answer.session_question_id == question.id).group_by(Answer.choice)):
        for letter in choice:
            counts[letter] += number
    letters = sorted(question.options) if question.type != QuestionType.JUDGE else ["T", "F"]
    return {letter: counts.get(letter, 0) for letter in letters}


def connected_filter():
    return sa.and_(Participant.connected_at.is_not(None), sa.or_(
        Participant.disconnected_at.is_(None), Participant.disconnected_at < Participant.connected_at))


def in_play(session: LiveSession):
    """Participants still sitting the session (not removed, not finished)."""
    return sa.and_(Participant.session_id == session.id, Participant.removed.is_(False),
                   Participant.finished_at.is_(None))


def counts(session: LiveSession) -> dict:
    """Connected trainees, and how many of them answered the current question: one scan (a left
    join), counted by the database, not by loading the roster."""
    scope = sa.and_(in_play(session), connected_filter())
    if not session.current_question_id:
        connected = db.session.scalar(sa.select(sa.func.count()).select_from(Participant).where(scope))
        return {"connected": connected, "answered": 0}
    connected, answered = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(Answer.id)).select_from(Participant).outerjoin(
            Answer, sa.and_(Answer.participant_id == Participant.id, Answer.final.is_(True),
                            Answer.session_question_id == session.current_question_id)).where(scope)).one()
    return {"connected": connected, "answered": answered}


def all_answered(session: LiveSession, now: datetime) -> bool:
    """Paced: everyone present has answered the open question.  Present means connected, or
    dropped less than LIVE_RECONNECT_GRACE_SECONDS ago: a trainee whose network blinks is waited
    for that long, one who has gone never stalls the question (and the deadline holds anyway)."""
    if not session.current_question_id:
        return False
    recent = now - timedelta(seconds=float(current_app.config.get("LIVE_RECONNECT_GRACE_SECONDS", 10)))
    present = sa.and_(in_play(session), sa.or_(connected_filter(), Participant.disconnected_at >= recent))
    answered = sa.exists().where(Answer.participant_id == Participant.id, Answer.final.is_(True),
                                 Answer.session_question_id == session.current_question_id)
    # Two EXISTS: while the question is open the database stops at the first trainee still
    # to answer, instead of counting the whole roster every tick.
    anyone, waiting = db.session.execute(sa.select(
        sa.exists().where(present), sa.exists().where(present, ~answered))).one()
    return bool(anyone) and not waiting


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
            Answer.session_question_id == session.current_question_id, Answer.final.is_(True), *scope)))
    # Plain rows, not ORM objects: a burst's progress can carry thousands of them.
    rows = db.session.execute(
        sa.select(Participant.id, Participant.answered, Participant.total, Participant.tab_switches,
                  Participant.extra_seconds, Participant.removed, Participant.finished_at, Participant.connected_at,
                  Participant.disconnected_at, Participant.question_order, User.employee_no, User.name,
                  Branch.name.label("branch"))
        .join(User, User.id == Participant.user_id).join(Branch, Branch.id == Participant.branch_id)
        .where(*scope).order_by(Participant.id))
    return [{"participant_id": r.id, "employee_no": r.employee_no, "name": r.name, "branch": r.branch,
             "connected": is_connected(r.connected_at, r.disconnected_at),
             "answered_current": r.id in answered, "answered": r.answered, "total": str(r.total),
             "tab_switches": r.tab_switches, "removed": r.removed, "finished": r.finished_at is not None,
             "extra_seconds": r.extra_seconds, "questions": len(r.question_order or ())}
            for r in rows]


# --- standings ----------------------------------------------------------------------------------


def _cap(session: LiveSession) -> Decimal:
    bonus = (session.speed_bonus_points or Decimal(0)) * len(session.questions)
    return max(session.max_total + bonus, Decimal(1))


def board_for(session: LiveSession, reseed: bool = False) -> Leaderboard:
    """The session's leaderboard in this process (grading.Leaderboard): seeded from the database
    once, then updated for each graded answer in O(log buckets).  With several processes, the
    others' answers reach it when it is reseeded: when a dashboard (re)connects, a question is
    settled, and at each progress event sent for all processes."""
    boards = runtime_for(current_app._get_current_object()).boards
    board = boards.get(session.id)
    cap = _cap(session)
    if board is None or reseed or board.max_total != cap:
        board = Leaderboard(cap, step=session.rounding_step or Decimal("0.5"))
        # The live board ranks points and speed bonus together (the room's game); results rank
        # knowledge points only.
        for participant_id, total, bonus in db.session.execute(sa.select(
                Participant.id, Participant.total, Participant.bonus).where(
                Participant.session_id == session.id, Participant.removed.is_(False))):
            board.set_total(participant_id, total + bonus)
        boards[session.id] = board
    return board


def standings(board: Leaderboard, count: int = 10) -> dict:
    top = list(board.top(count))
    names = dict(db.session.execute(sa.select(Participant.id, User.name).join(User).where(
        Participant.id.in_([who for _rank, _total, who in top]))).all()) if top else {}
    return {"leaderboard": [{"rank": rank, "total": str(total), "participant_id": who, "name": names.get(who, "")}
                            for rank, total, who in top],
            "histogram": board.histogram(10)}


# --- events -------------------------------------------------------------------------------------


def status_payload(session: LiveSession, now: datetime) -> dict:
    return {"session_id": session.id, "status": session.status, "mode": session.pacing,
            "current_question_id": session.current_question_id, "question_open": session.question_open,
            "deadline": iso(session.deadline), "remaining": payloads.remaining(session.deadline, now, session),
            "server_time": iso(now)}


def status_changed(session: LiveSession, now: datetime) -> None:
    emit.to_staff(session, "status", status_payload(session, now))


def dashboard_state(session: LiveSession, now: datetime) -> dict:
    state = {"status": status_payload(session, now), "roster": roster_payload(session),
             "counts": counts(session), **standings(board_for(session, reseed=True)),
             "join_code": session.join_code, "title": session.title,
             "questions": [{"id": q.id, "position": q.position, "type": q.type, "stem": q.stem,
                            "options": q.options, "answer": q.answer} for q in session.questions]}
    if session.current_question_id:
        state["distribution"] = distribution(db.session.get(SessionQuestion, session.current_question_id))
    return state


def roster_changed(session: LiveSession, participant_ids: list[int]) -> None:
    """Tell dashboards about these participants only (a connect, a drop, a removal).  The
    counts follow shortly: when thousands connect at once, counting after each one would make
    joining cost O(N^2); counted at most every LIVE_COUNTS_SECONDS it stays O(N)."""
    emit.to_staff(session, "roster_changed", {"changed": roster_payload(session, participant_ids)})
    app = current_app._get_current_object()
    if runtime_for(app).pending.add("counts", session.id, ()):
        socketio.start_background_task(_counts_later, app, session.id)


def _counts_later(app, session_id: int) -> None:
    socketio.sleep(float(app.config.get("LIVE_COUNTS_SECONDS", 0.5)))
    with app.app_context():
        try:
            runtime_for(app).pending.take("counts", session_id)
            session = db.session.get(LiveSession, session_id)
            if session is not None:
                emit.to_staff(session, "counts", counts(session))
            commit()
        finally:
            db.session.remove()


def progress_changed(session: LiveSession, participant_ids: list[int],
                     then: Callable[[LiveSession, datetime, dict], None] | None = None) -> None:
    """Answers were saved: dashboards get the changed rows, counts, distribution and standings.
    During an answer burst that is many small batches; they are gathered (live.pending: across
    all processes) and sent at most every LIVE_PROGRESS_SECONDS (0: at once).  ``then(session,
    now, counts)`` runs after each progress event (the controls close a paced question everyone
    present has answered)."""
    app = current_app._get_current_object()
    delay = float(app.config.get("LIVE_PROGRESS_SECONDS", 0.5))
    if delay <= 0:
        _progress(session, set(participant_ids), then)
        return
    if runtime_for(app).pending.add("progress", session.id, participant_ids):
        socketio.start_background_task(_progress_later, app, session.id, delay, then)


def _progress_later(app, session_id: int, delay: float, then) -> None:
    socketio.sleep(delay)
    with app.app_context():
        pending = runtime_for(app).pending
        try:
            changed = pending.take("progress", session_id)
            session = db.session.get(LiveSession, session_id)
            if session is not None:
                # Sent for every process: the answers graded elsewhere are only in the database,
                # so the standings are read from there (one scan of the roster per interval).
                _progress(session, changed, then, reseed=pending.shared)
            commit()
        except Exception:
            rollback()
            raise
        finally:
            db.session.remove()


def question_settled(session: LiveSession) -> None:
    """The closing word on a question, once, from the process that closed it: counts,
    distribution and standings read from the database now: what a process had gathered or
    graded when it died (kill -9) is in the database, and this settles it for every dashboard."""
    _progress(session, set(), None, reseed=True)


def _progress(session: LiveSession, changed: set[int], then, reseed: bool = False) -> None:
    question = db.session.get(SessionQuestion, session.current_question_id) if session.current_question_id else None
    numbers = counts(session)
    emit.to_staff(session, "progress", {
        "question_id": session.current_question_id,
        "distribution": distribution(question) if question else {},
        "changed": roster_payload(session, sorted(changed)),  # only the rows that changed travel
        "counts": numbers, **standings(board_for(session, reseed=reseed))})
    if then is not None:
        then(session, clock_now(), numbers)
