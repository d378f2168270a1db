"""Pages for the live exam: joining by code, the trainee's exam page, the invigilator's
dashboard and the projector view.  They are shells; the live parts speak Socket.IO
(static/js/exam.js, static/js/dashboard.js; protocol in docs/protocol.md)."""
from __future__ import annotations

import io

import segno
import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from server.access import roles, signed_in
from server.exams.models import LiveSession, Participant, SessionStatus
from server.exams.results import session_results
from server.exams.util import managed_session, outline, public_name
from server.extensions import db, limiter
from server.models import Role, User

bp = Blueprint("live_pages", __name__)
STAFF = (Role.ADMIN, Role.INVIGILATOR)


def _join_failed(response) -> bool:
    return response.status_code != 302


def join_url(session: LiveSession) -> str:
    base = current_app.config.get("EXAMHALL_BASE_URL") or request.host_url.rstrip("/")
    return f"{base}{url_for('live_pages.join', code=session.join_code)}"


@bp.route("/join", methods=["GET", "POST"])
@signed_in
@limiter.limit("10 per minute", key_func=lambda: f"join:{current_user.get_id()}", methods=["POST"],
               deduct_when=_join_failed)
def join():
    code = (request.values.get("code") or "").strip().upper()[:12]
    if request.method == "POST":
        session = db.session.scalar(sa.select(LiveSession).where(LiveSession.join_code == code)) if code else None
        participant = session and db.session.scalar(sa.select(Participant).where(
            Participant.session_id == session.id, Participant.user_id == current_user.id))
        if participant and not participant.removed:
            return redirect(url_for("live_pages.exam", session_id=session.id))
        # The same answer for a wrong code and for a session one is not on: codes cannot be probed.
        flash(_("No exam with this code has you on its roster. Check the code with your invigilator."), "error")
    return render_template("live/join.html", code=code), 200


@bp.route("/exam/<int:session_id>")
@signed_in
def exam(session_id: int):
    participant = db.session.scalar(sa.select(Participant).where(
        Participant.session_id == session_id, Participant.user_id == current_user.id))
    if participant is None:
        abort(404)
    return render_template("live/exam.html", session=participant.session,
                           outline=outline(participant.session, participant))


def _staff_session(session_id: int) -> LiveSession:
    return managed_session(current_user, session_id)


@bp.route("/sessions/<int:session_id>/live")
@roles(*STAFF)
def dashboard(session_id: int):
    session = _staff_session(session_id)
    return render_template("live/dashboard.html", session=session, join_link=join_url(session))


@bp.route("/sessions/<int:session_id>/projector")
@roles(*STAFF)
def projector(session_id: int):
    session = _staff_session(session_id)
    # The projector is a public screen: names as the session's privacy setting says (masked by default).
    people = db.session.execute(sa.select(Participant.id, User.name, User.employee_no)
                                .join(User, User.id == Participant.user_id)
                                .where(Participant.session_id == session.id, Participant.removed.is_(False)))
    names = {str(pid): public_name(name, number, session.name_privacy) for pid, name, number in people}
    final = None
    if session.status == SessionStatus.ENDED:
        results = session_results(session)
        final = {"pass_rate": results.pass_rate, "sitting": len(results.sitting), "passed": sum(
            r.passed for r in results.sitting), "top": [
            (r.rank, public_name(r.name, r.employee_no, session.name_privacy), r.total)
            for r in results.sitting if r.rank is not None][:10]}
    return render_template("live/projector.html", session=session, join_link=join_url(session), names=names,
                           final=final, outline=outline(session))


@bp.route("/sessions/<int:session_id>/qr.svg")
@roles(*STAFF)
def qr(session_id: int):
    session = _staff_session(session_id)
    data = io.BytesIO()
    segno.make(join_url(session), error="m").save(data, kind="svg", scale=8, border=2)
    data.seek(0)
    return send_file(data, mimetype="image/svg+xml", max_age=0)
