"""The clock: every LIVE_TICK_SECONDS, close questions and end timed papers whose deadlines
(plus grace and the most extra time any trainee was given) have passed, and paced questions
everyone present has answered.  One greenlet per process; each session's changes are their own
transaction, committed here.  One or two queries per running session, none of them a scan of the
roster while a question is open.  With several processes it also beats, and writes the drops of
a process that stopped beating (live.presence)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from live import controls, dashboard
from live.acceptance import grace
from live.clock import now as clock_now
from live.runtime import runtime_for
from live.writer import write_dropped
from server.database import commit, rollback
from server.exams.models import LiveSession, Participant, SessionStatus
from server.extensions import db, socketio

log = logging.getLogger(__name__)


def _tick_session(session: LiveSession, now: datetime, allowance: timedelta) -> None:
    deadline = session.deadline  # none between a paced paper's questions
    if deadline is None:
        return
    latest = 0
    if now > deadline + allowance:  # only then can someone's extra time matter
        latest = db.session.scalar(sa.select(sa.func.max(Participant.extra_seconds)).where(
            Participant.session_id == session.id, Participant.removed.is_(False))) or 0
    if now > deadline + timedelta(seconds=latest) + allowance:
        if session.paced:
            controls.close_question(session, now)
        else:
            controls.end(session, now)
    elif session.paced:
        controls.close_if_all_answered(session, now)  # e.g. the last one still to answer has gone


def write_drops(runtime, now: datetime) -> None:
    """Beat; then write the drops of any process that stopped beating (live.presence), each
    session in its own transaction, and tell its dashboards."""
    for dead in runtime.presence.beat(now):
        for session_id, participant_ids in dead.held.items():
            dropped = write_dropped(participant_ids, dead.last_beat)
            if dropped:
                dashboard.roster_changed(db.session.get(LiveSession, session_id), dropped)
            commit()
        runtime.presence.forget(dead)
        log.warning("a server process stopped beating at %s: its trainees who did not come back are marked "
                    "disconnected", dead.last_beat.isoformat())


def tick(now: datetime) -> None:
    """One turn of the clock: this process's heartbeat, then every running session, each
    committed on its own (one session's failure does not hold up the others); then forget
    sessions other processes ended."""
    runtime = runtime_for(current_app._get_current_object())
    try:
        write_drops(runtime, now)
    except Exception:
        rollback()
        log.exception("heartbeat failed")
    allowance = grace()
    running = list(db.session.scalars(sa.select(LiveSession).where(LiveSession.status == SessionStatus.RUNNING)))
    for session in running:
        try:
            _tick_session(session, now, allowance)
            commit()
        except Exception:
            rollback()
            log.exception("session %s: tick failed", session.id)
    held = runtime.sessions()
    if held:
        runtime.forget_ended(db.session.scalars(sa.select(LiveSession.id).where(
            LiveSession.id.in_(held), LiveSession.status == SessionStatus.ENDED)))


def ensure_running(app) -> None:
    """Start this process's ticker with the first connection (LIVE_TICKER=False: tests move the
    clock themselves)."""
    runtime = runtime_for(app)
    if app.config.get("LIVE_TICKER", True) and runtime.ticker is None:
        runtime.ticker = socketio.start_background_task(_tick_forever, app)


def _tick_forever(app) -> None:
    interval = float(app.config.get("LIVE_TICK_SECONDS", 0.25))
    while True:
        try:
            with app.app_context():
                tick(clock_now())
                db.session.remove()
        except Exception:
            log.exception("deadline ticker failed; continuing")
        socketio.sleep(interval)
