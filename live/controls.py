"""What the invigilator's controls and the clock do to a session: the state machine
(lobby -> running <-> paused -> ended; paced questions opened and closed one by one).

Each control changes the session and flushes; the caller commits (live.namespace for a control,
live.ticker for the clock) and the emits registered here go out after that commit.  State lives
in the database (absolute deadlines), so any process can act on a session and a restarted server
resumes where it was.  ``ACTIONS`` maps the protocol's control names to their handlers."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from live import dashboard, emit, payloads
from live.acceptance import Refused
from live.clock import iso
from live.limits import MAX_INT
from live.runtime import runtime_for
from server.database import after_commit
from server.exams import operations
from server.exams.models import (
    DEFAULT_PAPER_SECONDS,
    DEFAULT_QUESTION_SECONDS,
    LiveSession,
    Pacing,
    Participant,
    SessionQuestion,
    SessionStatus,
)
from server.exams.results import forget_results
from server.extensions import db
from server.papers.models import ShowKey

log = logging.getLogger(__name__)
MAX_EXTENSION_SECONDS = 3600


def _send_question(session: LiveSession, question: SessionQuestion, now: datetime) -> None:
    """The opened question to every trainee.  Without shuffles it is one payload for the room
    (built from any one participant, without extra time); trainees who were given extra time
    then hear their own remaining time."""
    def build(participant: Participant, extra: int) -> dict:
        return {"question": payloads.question_for_trainee(question, participant),
                **payloads.timing(session.question_deadline_at, now, session, extra)}
    if not session.uniform:
        emit.to_trainees(session, "question", lambda p: build(p, p.extra_seconds))
        return
    sample = db.session.scalar(sa.select(Participant).where(Participant.session_id == session.id).limit(1))
    if sample is None:
        return
    emit.to_trainees(session, "question", build(sample, 0))
    _own_extra_time(session, now)


def _own_extra_time(session: LiveSession, now: datetime) -> None:
    """After an event that tells the whole room the session's clock, each trainee who was given
    extra time hears their own remaining time (one query; usually a handful of trainees)."""
    extended = db.session.execute(sa.select(Participant.user_id, Participant.extra_seconds).where(
        Participant.session_id == session.id, Participant.extra_seconds > 0, Participant.removed.is_(False)))
    for user_id, extra in extended:
        emit.to_user(user_id, "time_extended", payloads.timing(session.deadline, now, session, extra))


def start(session: LiveSession, now: datetime) -> None:
    """Lobby -> running: freeze the questions; timed papers go out at once with their deadline."""
    if session.status != SessionStatus.LOBBY:
        raise Refused("not_in_lobby")
    operations.freeze(session)
    session.status, session.started_at = SessionStatus.RUNNING, now
    if session.pacing == Pacing.TIMED:
        session.deadline_at = now + timedelta(seconds=session.paper_seconds or DEFAULT_PAPER_SECONDS)
    db.session.flush()
    if session.pacing == Pacing.TIMED:
        emit.to_trainees(session, "state", lambda p: payloads.trainee_state(session, p, now))
    else:
        emit.to_trainees(session, "started", {"server_time": iso(now)})
    dashboard.status_changed(session, now)


def open_next(session: LiveSession, now: datetime) -> SessionQuestion | None:
    """Paced: close the open question, if any, and open the next one for everyone.  After the
    last question "next" only closes it (None); once it is closed there is nothing more."""
    if session.pacing != Pacing.PACED or session.status != SessionStatus.RUNNING:
        raise Refused("not_running")
    ordered = sorted(session.questions, key=lambda q: q.position)
    position = next((i for i, q in enumerate(ordered) if q.id == session.current_question_id), -1) + 1
    if position >= len(ordered) and not session.question_open:
        raise Refused("no_more_questions")
    previous = session.current_question_id
    if session.question_open and not close_question(session, now):
        return None  # another "next" (a double click, another process) closed it and moves on
    if position >= len(ordered):
        return None
    question = ordered[position]
    # Only from the question this control saw: two "next" at once open one question, once.
    opened = db.session.execute(sa.update(LiveSession).where(
        LiveSession.id == session.id, LiveSession.question_open.is_(False),
        LiveSession.current_question_id.is_(None) if previous is None
        else LiveSession.current_question_id == previous).values(
        current_question_id=question.id, question_open=True, question_opened_at=now,
        question_deadline_at=now + timedelta(seconds=session.question_seconds or DEFAULT_QUESTION_SECONDS))).rowcount
    db.session.refresh(session)
    if not opened:
        return None
    _send_question(session, question, now)
    dashboard.status_changed(session, now)
    return question


def close_question(session: LiveSession, now: datetime) -> bool:
    """Close the open question.  Idempotent across processes: only the transaction that flips
    the flag announces it.  Reveals the key and distribution when the paper says so."""
    question_id = session.current_question_id
    changed = db.session.execute(sa.update(LiveSession).where(
        LiveSession.id == session.id, LiveSession.question_open.is_(True),
        LiveSession.current_question_id == question_id).values(question_open=False)).rowcount
    if not changed:
        return False
    db.session.refresh(session)
    log.info("session %s: question %s closed", session.id, question_id)
    question = db.session.get(SessionQuestion, question_id)
    counts = dashboard.distribution(question)
    if session.show_key == ShowKey.AFTER_QUESTION:
        if session.uniform:
            emit.to_trainees(session, "question_closed", payloads.revealed(question, None, counts))
        else:
            emit.to_trainees(session, "question_closed", lambda p: payloads.revealed(question, p, counts))
        # Each trainee's own mark, points and running total: built for one, sent to one.
        emit.to_trainees(session, "question_result", payloads.question_results(question))
    else:
        emit.to_trainees(session, "question_closed", {"question_id": question.id})
    emit.to_staff(session, "question_closed", {"question_id": question.id, "key": question.answer,
                                               "distribution": counts})
    dashboard.question_settled(session)
    return True


def pause(session: LiveSession, now: datetime) -> None:
    if session.status != SessionStatus.RUNNING:
        raise Refused("not_running")
    deadline = session.deadline
    session.status, session.paused_at = SessionStatus.PAUSED, now
    session.remaining_seconds = max(0.0, (deadline - now).total_seconds()) if deadline else None
    db.session.flush()
    emit.to_trainees(session, "paused", {"server_time": iso(now), "remaining": session.remaining_seconds})
    _own_extra_time(session, now)
    dashboard.status_changed(session, now)


def resume(session: LiveSession, now: datetime) -> None:
    if session.status != SessionStatus.PAUSED:
        raise Refused("not_paused")
    if session.remaining_seconds is not None:
        deadline = now + timedelta(seconds=session.remaining_seconds)
        if session.paced:
            session.question_deadline_at = deadline
        else:
            session.deadline_at = deadline
    session.status, session.paused_at, session.remaining_seconds = SessionStatus.RUNNING, None, None
    db.session.flush()
    emit.to_trainees(session, "resumed", payloads.timing(session.deadline, now, session))
    _own_extra_time(session, now)
    dashboard.status_changed(session, now)


def extend(session: LiveSession, now: datetime, seconds: int, participant: Participant | None = None) -> None:
    """Give everyone more time on the current question (paced) or the paper (timed); or give one
    trainee extra time for the rest of the exam (each later question too, when paced: an
    accommodation, not a one-off), which their dashboard row shows."""
    if session.status not in (SessionStatus.RUNNING, SessionStatus.PAUSED) \
            or not 0 < seconds <= MAX_EXTENSION_SECONDS:
        raise Refused("cannot_extend")
    if participant is not None:
        participant.extra_seconds += seconds
    elif session.status == SessionStatus.PAUSED and session.remaining_seconds is not None:
        session.remaining_seconds += seconds
    elif session.paced and session.question_deadline_at:
        session.question_deadline_at += timedelta(seconds=seconds)
    elif session.deadline_at:
        session.deadline_at += timedelta(seconds=seconds)
    db.session.flush()
    if participant is not None:
        emit.to_user(participant.user_id, "time_extended",
                     payloads.timing(session.deadline, now, session, participant.extra_seconds))
        dashboard.roster_changed(session, [participant.id])
    else:
        emit.to_trainees(session, "time_extended", payloads.timing(session.deadline, now, session))
        _own_extra_time(session, now)
    dashboard.status_changed(session, now)


def end(session: LiveSession, now: datetime) -> None:
    """End the session: every attempt is submitted, pass/fail recorded, scores sent; documents
    are queued (exams.signals) and this process forgets the session once the end is committed."""
    if session.status == SessionStatus.LOBBY:
        operations.freeze(session)
    # Only the transaction that flips the status announces the end (several may see the deadline).
    changed = db.session.execute(sa.update(LiveSession).where(
        LiveSession.id == session.id, LiveSession.status != SessionStatus.ENDED).values(
        status=SessionStatus.ENDED, ended_at=now, question_open=False)).rowcount
    if not changed:
        return
    db.session.refresh(session)
    operations.end_session(session, now)
    emit.to_trainees(session, "ended", payloads.ended(session))
    dashboard.status_changed(session, now)
    runtime, session_id = runtime_for(current_app._get_current_object()), session.id
    after_commit(lambda: runtime.forget(session_id))


def remove(session: LiveSession, participant: Participant, now: datetime) -> None:
    """Take a trainee off the roster (they no longer count in results, even after the end)."""
    participant.removed, participant.finished_at = True, now
    forget_results(session)
    db.session.flush()
    emit.to_user(participant.user_id, "removed", {})
    dashboard.roster_changed(session, [participant.id])


def announce(session: LiveSession, text: str, now: datetime) -> None:
    text = (text or "").strip()[:500]
    if not text:
        raise Refused("empty_announcement")
    emit.to_trainees(session, "announcement", {"text": text, "server_time": iso(now)})


def close_if_all_answered(session: LiveSession, now: datetime, known: dict | None = None) -> None:
    """Paced: close the open question once everyone present has answered.  ``known``: counts
    just taken; a connected trainee who has not answered settles it at once."""
    if known is not None and known["answered"] < known["connected"]:
        return
    if (session.paced and session.status == SessionStatus.RUNNING and session.question_open
            and current_app.config.get("LIVE_AUTO_CLOSE", True) and dashboard.all_answered(session, now)):
        close_question(session, now)


# --- the protocol's control actions -------------------------------------------------------------


def positive_int(data, key: str) -> int | None:
    """``data[key]`` when it is a positive integer (not a bool) that fits the database's
    integer, else None: how every id, sequence number and count in a client's event is read."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_INT else None


def _target(session: LiveSession, data: dict) -> Participant:
    participant = db.session.get(Participant, positive_int(data, "participant_id") or 0)
    if participant is None or participant.session_id != session.id:
        raise Refused("not_found")
    return participant


def _extend(session: LiveSession, data: dict, now: datetime) -> None:
    """The whole room, or one trainee when ``participant_id`` is given (a bad one is refused,
    never taken for the whole room)."""
    target = _target(session, data) if data.get("participant_id") is not None else None
    extend(session, now, positive_int(data, "seconds") or 0, target)


def _announce(session: LiveSession, data: dict, now: datetime) -> None:
    announce(session, data.get("text") if isinstance(data.get("text"), str) else "", now)


ACTIONS: dict[str, Callable[[LiveSession, dict, datetime], object]] = {
    "start": lambda session, _data, now: start(session, now),
    "next": lambda session, _data, now: open_next(session, now),
    "close": lambda session, _data, now: close_question(session, now),
    "pause": lambda session, _data, now: pause(session, now),
    "resume": lambda session, _data, now: resume(session, now),
    "extend": _extend,
    "end": lambda session, _data, now: end(session, now),
    "remove": lambda session, data, now: remove(session, _target(session, data), now),
    "announce": _announce,
}
