"""The start page after login, and a health check for load balancers."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, render_template, send_from_directory
from flask_login import current_user

from pdfs.fonts import cjk_font
from server.access import public, signed_in
from server.exams.util import open_participations
from server.extensions import db
from server.models import Role
from server.users.util import users_query

bp = Blueprint("home", __name__)


@bp.route("/")
@signed_in
def index():
    counts = {}
    if current_user.role != Role.TRAINEE:
        for role in Role:
            query = users_query(current_user, role=role.value, active=True)
            counts[role.value] = db.session.scalar(
                sa.select(sa.func.count()).select_from(query.subquery())
            )
    warning = cjk_font().warning if current_user.role == Role.ADMIN else None  # PDFs without Chinese glyphs
    return render_template("home.html", counts=counts, open_exams=open_participations(current_user),
                           font_warning_text=warning)


@bp.route("/favicon.ico")
@public
def favicon():
    """Browsers ask for /favicon.ico before reading any page: the icon, not a 404 in every log."""
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml",
                               max_age=7 * 24 * 3600)


@bp.route("/healthz")
@public
def health():
    db.session.execute(sa.text("select 1"))
    watch = current_app.extensions.get("loop_watch")  # the gevent server's (wsgi.py), not the tests' app
    return jsonify(status="ok", loop=watch.report()) if watch else jsonify(status="ok")
