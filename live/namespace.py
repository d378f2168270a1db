"""The /live namespace (protocol: docs/protocol.md).  Every handler runs in fixed phases:
load the sender and the arguments, check access, act (through engine/writer), answer."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app
from flask import session as connection
from flask_socketio import Namespace, join_room, leave_room
from limits import parse

from live import emit, engine, payloads
from live import principal as principals
from live.clock import iso, now
from live.writer import AnswerJob, PresenceJob, writer_for
from server.exams.models import LiveSession, Participant, SessionQuestion
from server.exams.util import may_manage_session
from server.extensions import db, limiter
from server.models import User

log = logging.getLogger(__name__)
ENTERED = "live_entered"  # session ids this connection entered as a trainee
PARTICIPATING = "live_participant"  # {session id: participant id} of this connection
JOIN_FAILURES = parse("10/minute")


def error(code: str, message: str = "") -> dict:
    return {"ok": False, "error": {"code": code, "message": message or code}}


def _int(data, key) -> int | None:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _session_of_question(app, question_id: int) -> int | None:
    """Which session a frozen question belongs to: it never changes, so it is looked up once per
    process, and an answer needs no query before it joins the group commit."""
    known = app.extensions.setdefault("examhall_question_sessions", {})
    if question_id not in known:
        with app.app_context():  # its own session, released at once
            session_id = db.session.scalar(
                sa.select(SessionQuestion.session_id).where(SessionQuestion.id == question_id))
        if session_id is None:
            return None
        known[question_id] = session_id
    return known[question_id]


def _entered(data) -> tuple[LiveSession | None, Participant | None]:
    """The session named in ``data`` and the sender's participation, if this connection entered it."""
    sender, session_id = principals.principal(), _int(data, "session_id")
    if sender is None or session_id not in connection.get(ENTERED, []):
        return None, None
    participant = db.session.scalar(sa.select(Participant).where(
        Participant.session_id == session_id, Participant.user_id == sender.user_id))
    return db.session.get(LiveSession, session_id), participant


def _join_allowed(user_id: int) -> bool:
    """Failed join attempts are limited per user (a code is short: no guessing by brute force)."""
    return limiter.limiter.test(JOIN_FAILURES, "live-join", str(user_id))


def _join_failed(user_id: int) -> None:
    limiter.limiter.hit(JOIN_FAILURES, "live-join", str(user_id))


class LiveNamespace(Namespace):
    # -- connection ---------------------------------------------------------------------------

    def on_connect(self, auth=None):
        user = principals.authenticate_connection(auth)
        if user is None:
            raise ConnectionRefusedError("unauthorized")
        principals.remember(user)
        join_room(emit.user_room(user.id))
        _ensure_background(current_app._get_current_object())

    def on_disconnect(self, reason=None):
        sender = principals.principal()
        entered = connection.get(ENTERED, [])
        if sender is None or not entered:
            return
        moment = now()
        participating = connection.get(PARTICIPATING, {})
        for session_id in entered:
            _record_presence(PresenceJob(session_id, participating[str(session_id)], moment, connected=False))

    def on_whoami(self, _data=None):
        sender = principals.principal()
        if sender is None:
            return error("unauthorized")
        return {"ok": True, "employee_no": sender.employee_no, "role": sender.role, "server_time": iso(now())}

    # -- trainees -----------------------------------------------------------------------------

    def on_enter(self, data):
        """{"session_id": N} or {"code": "K7Q2XP"} -> {"ok": true, "state": {...}}"""
        sender = principals.principal()
        if sender is None:
            return error("unauthorized")
        if not _join_allowed(sender.user_id):
            return error("rate_limited", "too many failed attempts; wait a minute")
        session = None
        if _int(data, "session_id"):
            session = db.session.get(LiveSession, data["session_id"])
        elif isinstance(data, dict) and isinstance(data.get("code"), str):
            code = data["code"].strip().upper()[:12]
            session = db.session.scalar(sa.select(LiveSession).where(LiveSession.join_code == code))
        participant = session and db.session.scalar(sa.select(Participant).where(
            Participant.session_id == session.id, Participant.user_id == sender.user_id))
        if participant is None:
            _join_failed(sender.user_id)
            return error("not_on_roster", "no such session, or you are not on its roster")
        if participant.removed:
            return error("removed")
        moment = now()
        join_room(emit.trainees_room(session.id))
        connection[ENTERED] = sorted({*connection.get(ENTERED, []), session.id})
        connection[PARTICIPATING] = {**connection.get(PARTICIPATING, {}), str(session.id): participant.id}
        state = payloads.trainee_state(session, participant, moment)
        _record_presence(PresenceJob(session.id, participant.id, moment, connected=True))
        return {"ok": True, "state": state}

    def on_sync(self, data):
        session, participant = _entered(data)
        if session is None:
            return error("not_entered")
        return {"ok": True, "state": payloads.trainee_state(session, participant, now())}

    def trigger_event(self, event, *args):
        """Answers skip Flask's request context (Flask-SocketIO pushes one per event: a Request
        object, URL matching, teardown).  The answer is the event thousands send in the same
        second, and it needs only the connection's session, which Flask-SocketIO keeps in the
        connection's environ ("saved_session"), and the group commit, which has an application
        context of its own.  Every other event, answers when group commit is off, and answers on
        a connection without that key (should Flask-SocketIO rename it) go through Flask-SocketIO."""
        if event == "answer" and len(args) == 2:
            environ = self.socketio.server.get_environ(args[0], namespace=self.namespace) or {}
            app, kept = environ.get("flask.app"), environ.get("saved_session")
            if app is not None and kept is not None and app.config.get("LIVE_GROUP_COMMIT", True):
                try:
                    return answer(app, kept, args[1])
                except Exception:
                    log.exception("answer failed")
                    return error("server_error", "not saved, send again")
        return super().trigger_event(event, *args)

    def on_answer(self, data):
        """The same as the path in trigger_event, inside Flask's request context."""
        db.session.remove()  # hold no connection while waiting for the group commit
        return answer(current_app._get_current_object(), connection, data)

    def on_focus_lost(self, data):
        """The page lost focus or was hidden (切屏).  Past the paper's limit the attempt is submitted."""
        session, participant = _entered(data)
        if session is None:
            return error("not_entered")
        if session.status not in ("running", "paused") or participant.finished_at is not None:
            return {"ok": True, "tab_switches": participant.tab_switches}
        participant.tab_switches += 1
        submitted = bool(session.tab_switch_limit and participant.tab_switches >= session.tab_switch_limit)
        if submitted:
            participant.finished_at = now()
        db.session.commit()
        emit.to_staff(session, "alert", {"participant_id": participant.id, "kind": "tab_switch",
                                         "tab_switches": participant.tab_switches, "submitted": submitted})
        return {"ok": True, "tab_switches": participant.tab_switches, "limit": session.tab_switch_limit,
                "submitted": submitted}

    # -- invigilators -------------------------------------------------------------------------

    def _staff_session(self, data) -> tuple[User | None, LiveSession | None]:
        sender, session_id = principals.principal(), _int(data, "session_id")
        if sender is None or sender.role not in ("admin", "invigilator") or session_id is None:
            return None, None
        user = db.session.get(User, sender.user_id)
        session = db.session.get(LiveSession, session_id)
        if session is None or user is None or not user.active or not may_manage_session(user, session):
            return None, None
        return user, session

    def on_watch(self, data):
        _user, session = self._staff_session(data)
        if session is None:
            return error("forbidden")
        join_room(emit.staff_room(session.id))
        return {"ok": True, "state": engine.dashboard_state(session, now())}

    def on_unwatch(self, data):
        _user, session = self._staff_session(data)
        if session is not None:
            leave_room(emit.staff_room(session.id))
        return {"ok": True}

    def on_control(self, data):
        """{"session_id", "action": start|next|close|pause|resume|extend|end|remove|announce, ...}"""
        user, session = self._staff_session(data)
        if session is None:
            return error("forbidden")
        action, moment = data.get("action"), now()
        from server.documents.operations import remember_base_url

        remember_base_url()  # for documents issued when a timed paper ends in the background
        try:
            if action == "start":
                engine.start(session, moment)
            elif action == "next":
                engine.open_next(session, moment)
            elif action == "close":
                engine.close_question(session, moment)
            elif action == "pause":
                engine.pause(session, moment)
            elif action == "resume":
                engine.resume(session, moment)
            elif action == "extend":
                target = None
                if _int(data, "participant_id"):
                    target = db.session.get(Participant, data["participant_id"])
                    if target is None or target.session_id != session.id:
                        return error("not_found")
                engine.extend(session, moment, _int(data, "seconds") or 0, target)
            elif action == "end":
                engine.end(session, moment)
            elif action == "remove":
                target = db.session.get(Participant, _int(data, "participant_id") or 0)
                if target is None or target.session_id != session.id:
                    return error("not_found")
                engine.remove(session, target, moment)
            elif action == "announce":
                engine.announce(session, data.get("text") if isinstance(data.get("text"), str) else "", moment)
            else:
                return error("unknown_action")
        except engine.Refused as refused:
            db.session.rollback()
            return error(refused.code, refused.message)
        log.info("session %s: %s by %s", session.id, action, user.employee_no)
        # Only the status: the dashboard learns the rest from events; building the whole
        # roster here would delay the question reaching thousands of trainees.
        return {"ok": True, "status": engine.status_payload(session, moment)}


def answer(app, kept: dict, data) -> dict:
    """{"question_id", "choice", "seq"} -> acknowledged only once the answer is on disk.
    ``kept``: the connection's session (who sent it, which participation)."""
    received = now(app)
    sender = principals.principal(kept)
    question_id, seq = _int(data, "question_id"), _int(data, "seq")
    choice = data.get("choice") if isinstance(data, dict) else None
    if sender is None:
        return error("unauthorized")
    if question_id is None or seq is None or not isinstance(choice, str) or len(choice) > 8:
        return error("bad_request", "question_id, choice and seq are required")
    session_id = _session_of_question(app, question_id)
    participant_id = kept.get(PARTICIPATING, {}).get(str(session_id))
    if session_id is None or participant_id is None:
        return error("not_open")
    job = AnswerJob(session_id, participant_id, question_id, choice, seq, received)
    if app.config.get("LIVE_GROUP_COMMIT", True):
        return writer_for(app).submit(job)
    with app.app_context():
        return _apply_alone(job)


def _record_presence(job: PresenceJob) -> None:
    """Joins and leaves go with the next group commit (the dashboards hear after it)."""
    app = current_app._get_current_object()
    if app.config.get("LIVE_GROUP_COMMIT", True):
        writer_for(app).submit_nowait(job)
        return
    from live.writer import write_presence

    write_presence([job])
    db.session.commit()
    engine.roster_changed(db.session.get(LiveSession, job.session_id), [job.participant_id])


def _apply_alone(job: AnswerJob) -> dict:
    from live.writer import commit_answers

    acks, _totals = commit_answers([job])
    return acks[0]


def _ensure_background(app) -> None:
    """The deadline ticker: one greenlet per process, started with the first connection."""
    if app.config.get("LIVE_TICKER", True) and not app.extensions.get("examhall_ticker"):
        from server.extensions import socketio

        app.extensions["examhall_ticker"] = socketio.start_background_task(_tick_forever, app)


def _tick_forever(app) -> None:
    from server.extensions import socketio

    interval = float(app.config.get("LIVE_TICK_SECONDS", 0.25))
    while True:
        try:
            with app.app_context():
                engine.tick(now())
                db.session.remove()
        except Exception:
            log.exception("deadline ticker failed; continuing")
        socketio.sleep(interval)
