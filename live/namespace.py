"""The /live namespace (protocol: docs/protocol.md).  Every handler runs in fixed phases: load
the sender and the arguments, check access, act (through controls / the writer), commit once,
answer.  Emits registered while acting go out after the commit (live.emit)."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app, request
from flask import session as connection
from flask_socketio import Namespace, join_room, leave_room
from limits import parse
from socketio.exceptions import ConnectionRefusedError as HandshakeRefused

from live import controls, dashboard, emit, payloads, ticker
from live import principal as principals
from live.acceptance import Refused
from live.clock import iso, now
from live.controls import positive_int
from live.limits import MAX_CONNECTIONS_PER_USER
from live.runtime import runtime_for
from live.version import PROTOCOL_VERSION
from live.writer import AnswerJob, FocusJob, PresenceJob, commit_answers, write_focus, write_presence, writer_for
from server.database import commit, rollback
from server.exams.models import LiveSession, Participant, SessionQuestion, SessionStatus
from server.exams.util import may_manage_session
from server.extensions import db, limiter
from server.models import Role, User

log = logging.getLogger(__name__)
ENTERED = "live_entered"  # session ids this connection entered as a trainee
PARTICIPATING = "live_participant"  # {session id: participant id} of this connection
JOIN_FAILURES = parse("10/minute")
# Flask-SocketIO keeps each connection's Flask session in its environ under this key (5.x; the
# version is pinned in requirements.in, and tests/live fail if the fast path below is not taken).
SAVED_SESSION = "saved_session"


def error(code: str, message: str = "") -> dict:
    return {"ok": False, "error": {"code": code, "message": message or code}}


def _session_of_question(app, question_id: int) -> int | None:
    """Which session a frozen question belongs to: it never changes, so it is looked up once per
    process (and forgotten when the session ends), and an answer needs no query before it joins
    the group commit."""
    known = runtime_for(app).question_sessions
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
    sender, session_id = principals.principal(), positive_int(data, "session_id")
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
        user, refusal = principals.authenticate_connection(auth)
        if refusal is not None:
            # python-socketio's own exception: its argument is the connect_error's message (the
            # built-in one would send only "Connection refused by server").
            raise HandshakeRefused(refusal)
        open_already = sum(1 for _ in self.socketio.server.manager.get_participants(
            self.namespace, emit.user_room(user.id)))
        if open_already >= MAX_CONNECTIONS_PER_USER:
            raise HandshakeRefused("too_many_connections")
        principals.remember(user)
        runtime_for(current_app._get_current_object()).identities.learn(
            user.id, user.session_version, user.must_change_password)
        join_room(emit.user_room(user.id))
        ticker.ensure_running(current_app._get_current_object())

    def on_disconnect(self, reason=None):
        runtime = runtime_for(current_app._get_current_object())
        runtime.limits.forget(request.sid)
        sender = principals.principal()
        entered = connection.get(ENTERED, [])
        if sender is None or not entered:
            return
        runtime.presence.released(request.sid, entered)
        moment = now()
        participating = connection.get(PARTICIPATING, {})
        for session_id in entered:
            _record_presence(PresenceJob(session_id, participating[str(session_id)], moment, connected=False))

    def on_whoami(self, _data=None):
        sender = principals.principal()
        if sender is None:
            return error("unauthorized")
        return {"ok": True, "employee_no": sender.employee_no, "role": sender.role, "server_time": iso(now()),
                "protocol": PROTOCOL_VERSION}

    # -- trainees -----------------------------------------------------------------------------

    def on_enter(self, data):
        """{"session_id": N} or {"code": "K7Q2XP"} -> {"ok": true, "state": {...}}"""
        sender = principals.principal()
        if sender is None:
            return error("unauthorized")
        if not _join_allowed(sender.user_id):
            return error("rate_limited", "too many failed attempts; wait a minute")
        session = None
        if positive_int(data, "session_id"):
            session = db.session.get(LiveSession, data["session_id"])
        elif isinstance(data, dict) and isinstance(data.get("code"), str):
            code = data["code"].strip().upper()[:12]
            session = db.session.scalar(sa.select(LiveSession).where(LiveSession.join_code == code))
        if session is not None and sender.ticket_session not in (None, session.id):
            return error("out_of_scope", "your exam ticket opens another exam only")
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
        if session.status != SessionStatus.ENDED:  # after the end, looking is not sitting (缺考 stays)
            _record_presence(PresenceJob(session.id, participant.id, moment, connected=True))
            runtime_for(current_app._get_current_object()).presence.held(request.sid, session.id, participant.id)
        return {"ok": True, "state": state}

    def on_sync(self, data):
        session, participant = _entered(data)
        if session is None:
            return error("not_entered")
        return {"ok": True, "state": payloads.trainee_state(session, participant, now())}

    def trigger_event(self, event, *args):
        """Every event but connecting and leaving carries at most one payload and stays within the
        connection's budget (live.limits); either failing is answered at once, before any work.
        Then answers skip Flask's request context (Flask-SocketIO pushes one per event: a Request
        object, URL matching, teardown).  The answer is the event thousands send in the same
        second, and it needs only the connection's session, which Flask-SocketIO keeps in the
        connection's environ (SAVED_SESSION), and the group commit, which has an application
        context of its own.  Every other event, answers when group commit is off, and answers on
        a connection without that key go through Flask-SocketIO (runtime.answer_paths counts both)."""
        if event in ("connect", "disconnect"):
            return super().trigger_event(event, *args)
        environ = self.socketio.server.get_environ(args[0], namespace=self.namespace) or {}
        # Before any work, in this order: one payload, the connection's budget, and whether its
        # sign-in still stands (live.principal.Identities: a dictionary look-up, and one query
        # for all of this process's accounts at most every LIVE_IDENTITY_SECONDS).
        app = environ.get("flask.app")
        if len(args) > 2:
            return error("bad_request", "send one payload")
        if len(args) == 1:  # no payload: the handlers see None (and refuse what needs one)
            args = (args[0], None)
        if app is not None and not runtime_for(app).limits.allow(args[0], event, app.config):
            return error("too_fast", "too many events from this connection; wait a few seconds")
        kept = environ.get(SAVED_SESSION)
        sender = principals.principal(kept) if kept is not None else None
        if app is not None and sender is not None and not runtime_for(app).identities.stands(app, sender):
            # Answered, then closed: the page learns why, and nothing more is done for it.
            self.socketio.server.start_background_task(
                self.socketio.server.disconnect, args[0], namespace=self.namespace)
            return error("signed_out", "your sign-in has ended (signed out, password or account changed)")
        if event == "answer" and app is not None and kept is not None \
                and app.config.get("LIVE_GROUP_COMMIT", True):
            runtime_for(app).answer_paths["fast"] += 1
            try:
                return answer(app, kept, args[1])
            except Exception:
                log.exception("answer failed")
                return error("server_error", "not saved, send again")
        return super().trigger_event(event, *args)

    def on_answer(self, data):
        """The same as the path in trigger_event, inside Flask's request context."""
        app = current_app._get_current_object()
        runtime_for(app).answer_paths["request"] += 1
        db.session.remove()  # hold no connection while waiting for the group commit
        return answer(app, connection, data)

    def on_focus_lost(self, data):
        """The page lost focus or was hidden (切屏).  Counted with the next group commit; past the
        paper's limit the attempt is submitted."""
        session, participant = _entered(data)
        if session is None:
            return error("not_entered")
        job = FocusJob(session.id, participant.id, now())
        app = current_app._get_current_object()
        db.session.remove()  # hold no connection while waiting for the group commit
        if app.config.get("LIVE_GROUP_COMMIT", True):
            return writer_for(app).submit(job)
        reply = write_focus([job])[0]
        commit()
        return reply

    def on_submit(self, data):
        """{"session_id"}: the trainee hands in a timed paper (交卷).  Later answers get
        `finished`; the dashboards' row says so.  Handing in twice is harmless."""
        session, participant = _entered(data)
        if session is None:
            return error("not_entered")
        if participant.removed:
            return error("removed")
        if session.paced:
            return error("not_timed")
        if session.status not in (SessionStatus.RUNNING, SessionStatus.PAUSED):
            return error("not_running")
        if participant.finished_at is None:
            participant.finished_at = now()
            dashboard.roster_changed(session, [participant.id])
        reply = {"ok": True, "answered": participant.answered, "total": len(participant.question_order or ())}
        commit()
        return reply

    # -- invigilators -------------------------------------------------------------------------

    def _staff_session(self, data) -> tuple[User | None, LiveSession | None]:
        sender, session_id = principals.principal(), positive_int(data, "session_id")
        if sender is None or sender.role not in (Role.ADMIN, Role.INVIGILATOR) or session_id is None \
                or sender.ticket_session is not None:
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
        return {"ok": True, "state": dashboard.dashboard_state(session, now())}

    def on_unwatch(self, data):
        _user, session = self._staff_session(data)
        if session is not None:
            leave_room(emit.staff_room(session.id))
        return {"ok": True}

    def on_control(self, data):
        """{"session_id", "action": one of controls.ACTIONS, ...}: act, commit once, answer."""
        user, session = self._staff_session(data)
        if session is None:
            return error("forbidden")
        action, moment = data.get("action"), now()
        handler = controls.ACTIONS.get(action) if isinstance(action, str) else None
        if handler is None:
            return error("unknown_action")
        try:
            handler(session, data, moment)
            # Only the status: the dashboard learns the rest from events; building the whole
            # roster here would delay the question reaching thousands of trainees.
            status = dashboard.status_payload(session, moment)
            commit()
        except Refused as refused:
            rollback()
            return error(refused.code, refused.message)
        log.info("session %s: %s by %s", session.id, action, user.employee_no)
        return {"ok": True, "status": status}


def answer(app, kept: dict, data) -> dict:
    """{"question_id", "choice", "seq"} -> acknowledged only once the answer is on disk.
    ``kept``: the connection's session (who sent it, which participation)."""
    received = now(app)
    sender = principals.principal(kept)
    question_id, seq = positive_int(data, "question_id"), positive_int(data, "seq")
    choice = data.get("choice") if isinstance(data, dict) else None
    final = data.get("final", True) if isinstance(data, dict) else True
    if sender is None:
        return error("unauthorized")
    if question_id is None or seq is None or not isinstance(choice, str) or len(choice) > 8 \
            or not isinstance(final, bool):
        return error("bad_request", "question_id, choice and seq are required; final is true or false")
    session_id = _session_of_question(app, question_id)
    participant_id = kept.get(PARTICIPATING, {}).get(str(session_id))
    if session_id is None or participant_id is None:
        return error("not_open")
    job = AnswerJob(session_id, participant_id, question_id, choice, seq, received, final)
    if app.config.get("LIVE_GROUP_COMMIT", True):
        return writer_for(app).submit(job)
    with app.app_context():
        acks, _totals = commit_answers([job])
        return acks[0]


def _record_presence(job: PresenceJob) -> None:
    """Joins and leaves go with the next group commit (the dashboards hear after it)."""
    app = current_app._get_current_object()
    if app.config.get("LIVE_GROUP_COMMIT", True):
        writer_for(app).submit_nowait(job)
        return
    write_presence([job])
    dashboard.roster_changed(db.session.get(LiveSession, job.session_id), [job.participant_id])
    commit()
