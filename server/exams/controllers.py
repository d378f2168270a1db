"""Pages for sessions: create one from a paper, and after it: results, a participant's sheet,
item analysis, regrade, exports.  The live exam itself runs over Socket.IO (live/)."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from grading import Void
from server.access import require_in_scope, roles, signed_in
from server.branches.util import visible_branches
from server.database import commit, rollback
from server.errors import OperationError
from server.exams import exports, operations
from server.exams.models import LiveSession, Participant, SessionStatus
from server.exams.results import (
    item_analysis,
    participant_row,
    participant_sheet,
    regrade_preview,
    session_results,
)
from server.exams.util import (
    managed_session,
    participations,
    roster_from_branch,
    roster_from_numbers,
    visible_sessions,
)
from server.extensions import db
from server.headers import no_store
from server.models import Branch, Role
from server.papers.models import Paper, ShowKey
from server.papers.util import may_manage_paper, visible_papers
from server.tables import UploadError
from server.users.roster import employee_numbers_in_file, pasted_employee_numbers

bp = Blueprint("exams", __name__)
STAFF = (Role.ADMIN, Role.INVIGILATOR)


def _session(session_id: int) -> LiveSession:
    return managed_session(current_user, session_id)


@bp.route("/sessions/")
@roles(*STAFF)
def index():
    return render_template("exams/index.html", sessions=visible_sessions(current_user))


@bp.route("/sessions/new", methods=["GET", "POST"])
@roles(*STAFF)
def create():
    papers = [p for p in visible_papers(current_user) if may_manage_paper(current_user, p)]
    branches = visible_branches(current_user)
    if request.method == "POST":
        paper = db.session.get(Paper, request.form.get("paper_id", type=int) or 0)
        branch = db.session.get(Branch, request.form.get("branch_id", type=int) or 0)
        if paper is None or not may_manage_paper(current_user, paper):
            abort(404)
        try:
            numbers = _listed_numbers()
        except UploadError as error:
            flash(str(error), "error")
            return render_template("exams/new.html", papers=papers, branches=branches,
                                   selected=paper.id), 400
        if numbers:
            roster, unknown = roster_from_numbers(current_user, numbers)
            if unknown:
                flash(_("These employee numbers are not active trainees you manage: %(numbers)s",
                        numbers="、".join(unknown[:20]) + ("…" if len(unknown) > 20 else "")), "error")
                return render_template("exams/new.html", papers=papers, branches=branches,
                                       selected=paper.id), 400
        else:
            roster = roster_from_branch(require_in_scope(current_user, branch))
        try:
            session = operations.create_session(current_user, paper, request.form.get("title", ""),
                                                request.form.get("pacing", "paced"), roster)
        except OperationError as exc:
            rollback()
            flash(exc.message, "error")
        else:
            commit()
            return redirect(url_for("exams.show", session_id=session.id))
    return render_template("exams/new.html", papers=papers, branches=branches,
                           selected=request.args.get("paper", type=int))


def _listed_numbers() -> list[str]:
    """Employee numbers pasted into the form, and those in the 工号 column of an uploaded XLSX/CSV
    (read as bulk registration reads it).  Raises UploadError for a file that cannot be used."""
    numbers = pasted_employee_numbers(request.form.get("employee_numbers", ""))
    upload = request.files.get("roster_file")
    if upload and upload.filename:
        numbers += employee_numbers_in_file(upload.read())
    return numbers


@bp.route("/sessions/<int:session_id>")
@roles(*STAFF)
def show(session_id: int):
    session = _session(session_id)
    participants = db.session.scalars(db.select(Participant).where(Participant.session_id == session.id)
                                      .join(Participant.user).order_by(db.text("employee_no"))).all()
    return render_template("exams/show.html", session=session, participants=participants)


@bp.route("/sessions/<int:session_id>/results")
@roles(*STAFF)
@no_store
def results(session_id: int):
    session = _session(session_id)
    sort = request.args.get("sort", "rank")
    return render_template("exams/results.html", session=session, results=session_results(session, sort), sort=sort)


@bp.route("/sessions/<int:session_id>/results.<fmt>")
@roles(*STAFF)
@no_store
def export_results(session_id: int, fmt: str):
    session = _session(session_id)
    if fmt not in exports.RESULT_FORMATS:
        abort(404)
    data, mimetype, name = exports.results_file(session_results(session), fmt)
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name, mimetype=mimetype)


@bp.route("/sessions/<int:session_id>/participants/<int:participant_id>")
@roles(*STAFF)
@no_store
def participant(session_id: int, participant_id: int):
    session = _session(session_id)
    member = db.session.get(Participant, participant_id)
    if member is None or member.session_id != session.id:
        abort(404)
    row = participant_row(session, member.id)
    if row is None:
        abort(404, _("This person was removed from the session's roster: there is no result and no sheet."))
    return render_template("exams/sheet.html", session=session, row=row, participant=member,
                           lines=participant_sheet(member), show_key=True, staff_view=True)


@bp.route("/sessions/<int:session_id>/analysis")
@roles(*STAFF)
@no_store
def analysis(session_id: int):
    session = _session(session_id)
    questions = {q.id: q for q in session.questions}
    return render_template("exams/analysis.html", session=session, items=item_analysis(session), questions=questions)


def _regrade_input(session: LiveSession) -> tuple[dict[int, str], dict[int, Void]]:
    """The keys as typed (checked by the operation) and the voids chosen, question id -> value."""
    typed, voids = {}, {}
    for question in session.questions:
        key = (request.form.get(f"key_{question.id}") or "").strip()
        if key:
            typed[question.id] = key
        void = request.form.get(f"void_{question.id}") or ""
        if void in tuple(Void):
            voids[question.id] = Void(void)
    return typed, voids


@bp.route("/sessions/<int:session_id>/regrade", methods=["GET", "POST"])
@roles(*STAFF)
@no_store
def regrade(session_id: int):
    """Dry run, then apply: the regrade, the documents it supersedes and the reissue job are one
    transaction (documents listen to exams.signals.session_regraded)."""
    session = _session(session_id)
    lines, typed, voids, error = None, {}, {}, None
    if request.method == "POST":
        typed, voids = _regrade_input(session)
        try:
            if request.form.get("action") == "apply":
                regraded = operations.apply_regrade(current_user, session, typed, voids,
                                                    request.form.get("reason", ""))
                commit()
                flash(_("Regrade applied: %(n)d results changed.", n=len(regraded.changed)), "success")
                return redirect(url_for("exams.results", session_id=session.id))
            lines = regrade_preview(session, operations.checked_keys(session, typed), voids)
        except OperationError as exc:
            rollback()
            flash(exc.message, "error")
            error = exc
    status = 400 if error else 200
    return render_template("exams/regrade.html", session=session, lines=lines, typed=typed, voids=voids,
                           error_field=error.field if error else None,
                           error_message=error.message if error else None), status


@bp.route("/my/results")
@signed_in
@no_store
def my_results():
    return render_template("exams/my_results.html", participations=participations(current_user))


@bp.route("/my/results/<int:participant_id>")
@signed_in
@no_store
def my_sheet(participant_id: int):
    member = db.session.get(Participant, participant_id)
    if member is None or member.user_id != current_user.id:
        abort(404)
    session = member.session
    if session.status != SessionStatus.ENDED:
        abort(404)  # nothing, not even the key, before the session ends
    row = participant_row(session, member.id)
    if row is None:
        abort(404, _("You were removed from this session's roster: there is no result and no sheet."))
    return render_template("exams/sheet.html", session=session, row=row, participant=member,
                           lines=participant_sheet(member), show_key=session.show_key != ShowKey.NEVER,
                           staff_view=False)


RESULT_LABELS = {"passed": _l("Passed"), "failed": _l("Failed"), "absent": _l("Absent")}
STATUS_LABELS = {"lobby": _l("Lobby"), "running": _l("Running"), "paused": _l("Paused"), "ended": _l("Ended")}
FLAG_LABELS = {"negative_discrimination": _l("Negative discrimination"), "nearly_all_right": _l("Nearly all right"),
               "nearly_all_wrong": _l("Nearly all wrong"), "key_suspect": _l("Check the key")}


@bp.app_template_global()
def result_label(result: str) -> str:
    """Passed / failed / absent (缺考) as people read it."""
    return str(RESULT_LABELS.get(result, result))


@bp.app_template_global()
def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


@bp.app_template_global()
def flag_label(flag: str) -> str:
    return str(FLAG_LABELS.get(flag, flag))
