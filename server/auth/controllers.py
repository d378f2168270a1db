"""Login, logout, password change and language choice (pages)."""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from server.access import public, signed_in
from server.auth import operations
from server.auth.forms import ChangePasswordForm, LoginForm
from server.auth.limits import login_limits
from server.database import commit, rollback
from server.errors import OperationError
from server.i18n import LANGUAGE_COOKIE, LANGUAGES

bp = Blueprint("auth", __name__)


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` if it is a path on this site, else ``fallback`` (no open redirects)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def start_session(user) -> None:
    """Log ``user`` in on a brand-new session: nothing from before login survives, and the
    session id changes, so a session fixed by someone else before login is worthless."""
    session.clear()
    session["sid"] = secrets.token_urlsafe(24)
    session.permanent = True
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@public
@login_limits
def login():
    form = LoginForm()
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("home.index"))
    if form.validate_on_submit():
        user = operations.authenticate(form.employee_no.data, form.password.data)
        if user is not None:
            start_session(user)
            operations.record_login(user)
            commit()
            return redirect(safe_next(request.args.get("next"), url_for("home.index")))
        flash(_("Employee number or password is not correct."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    # Ends the session on the server too: a copy of this cookie, and the user's other sessions
    # and open live connections, stop working (the cookie alone would stay valid for 12 hours).
    operations.sign_out_everywhere(current_user._get_current_object())
    commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            operations.change_password(current_user, form.current_password.data, form.new_password.data)
        except OperationError as exc:
            rollback()
            getattr(form, exc.field).errors.append(exc.message)
        else:
            commit()
            start_session(current_user._get_current_object())
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/language/<code>", methods=["POST"])
@public
def set_language(code: str):
    target = safe_next(request.form.get("next"), url_for("home.index"))
    response = redirect(target)
    if code in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    return response
