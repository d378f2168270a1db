"""Exam ticket pages: the trainee's sign-in by ticket, and the invigilator's printable tickets,
QR codes and regeneration."""
from __future__ import annotations

import io

import segno
import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from server.access import public, roles, ticket_refusal_message
from server.auth import operations as auth_operations
from server.auth.controllers import start_session
from server.auth.forms import EmptyForm
from server.auth.limits import login_limits
from server.database import commit
from server.exams.models import Participant
from server.exams.util import managed_session
from server.extensions import db
from server.models import Role, User
from server.tickets import codes, operations
from server.tickets.forms import TicketForm
from server.tickets.models import ExamTicket
from server.tickets.util import TICKET_KEY, scope_of

bp = Blueprint("tickets", __name__)
STAFF = (Role.ADMIN, Role.INVIGILATOR)


@bp.app_context_processor
def _ticket_scope() -> dict:
    # A function, not a value: pages pass their LiveSession as "session", hiding Flask's.
    return {"signed_in_by_ticket": lambda: session.get(TICKET_KEY) is not None}


def _base() -> str:
    return current_app.config.get("EXAMHALL_BASE_URL") or request.host_url.rstrip("/")


def ticket_url(employee_no: str, code: str) -> str:
    """What a ticket's QR code opens: the sign-in page with both fields filled in."""
    return f"{_base()}{url_for('tickets.sign_in', employee_no=employee_no, code=codes.display(code))}"


@bp.route("/ticket", methods=["GET", "POST"])
@public
@login_limits
def sign_in():
    form = TicketForm(formdata=request.form if request.method == "POST" else request.args, meta={"csrf": True})
    if request.method == "POST" and form.validate():
        check = operations.find(form.employee_no.data, form.code.data)
        if check.ticket is not None:
            user = check.ticket.participant.user
            start_session(user)
            session[TICKET_KEY] = scope_of(check.ticket)
            auth_operations.record_login(user)
            commit()
            return redirect(url_for("live_pages.exam", session_id=check.ticket.session_id))
        flash(ticket_refusal_message(check.refusal), "error")
    return render_template("tickets/sign_in.html", form=form, bits=codes.BITS)


def _rows(session_id: int):
    return db.session.execute(
        sa.select(ExamTicket, User).join(Participant, Participant.id == ExamTicket.participant_id)
        .join(User, User.id == Participant.user_id)
        .where(ExamTicket.session_id == session_id, Participant.removed.is_(False))
        .order_by(User.employee_no)).all()


@bp.route("/sessions/<int:session_id>/tickets")
@roles(*STAFF)
def print_tickets(session_id: int):
    live_session = managed_session(current_user, session_id)
    tickets = [{"ticket": ticket, "user": user, "code": codes.display(operations.code_of(ticket))}
               for ticket, user in _rows(session_id)]
    missing = db.session.scalar(sa.select(sa.func.count(Participant.id)).where(
        Participant.session_id == session_id, Participant.removed.is_(False),
        ~Participant.id.in_(sa.select(ExamTicket.participant_id))))
    return render_template("tickets/print.html", session=live_session, tickets=tickets, missing=missing,
                           form=EmptyForm(),
                           sign_in_url=_base() + url_for("tickets.sign_in"))


@bp.route("/sessions/<int:session_id>/tickets", methods=["POST"])
@roles(*STAFF)
def issue(session_id: int):
    live_session = managed_session(current_user, session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    added = operations.issue_tickets(live_session)
    commit()
    flash(_("%(count)d exam tickets issued.", count=added), "success")
    return redirect(url_for("tickets.print_tickets", session_id=session_id))


def _ticket(session_id: int, ticket_id: int) -> ExamTicket:
    managed_session(current_user, session_id)
    ticket = db.session.get(ExamTicket, ticket_id)
    if ticket is None or ticket.session_id != session_id:
        abort(404)
    return ticket


@bp.route("/sessions/<int:session_id>/tickets/<int:ticket_id>/regenerate", methods=["POST"])
@roles(*STAFF)
def regenerate(session_id: int, ticket_id: int):
    ticket = _ticket(session_id, ticket_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = ticket.participant.user
    operations.regenerate(ticket.participant)
    # A replaced ticket may be in someone else's hands: every sign-in of the trainee ends.
    auth_operations.sign_out_everywhere(user)
    commit()
    flash(_("A new exam ticket was made for %(name)s (%(employee_no)s); the old one no longer works.",
            name=user.name, employee_no=user.employee_no), "success")
    return redirect(url_for("tickets.print_tickets", session_id=session_id) + f"#ticket-{ticket.id}")


@bp.route("/sessions/<int:session_id>/tickets/<int:ticket_id>/qr.svg")
@roles(*STAFF)
def qr(session_id: int, ticket_id: int):
    ticket = _ticket(session_id, ticket_id)
    data = io.BytesIO()
    segno.make(ticket_url(ticket.participant.user.employee_no, operations.code_of(ticket)), error="m").save(
        data, kind="svg", scale=4, border=2)
    data.seek(0)
    response = send_file(data, mimetype="image/svg+xml", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
