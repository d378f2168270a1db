"""Who may use each route.  Every view states its rule with one of the decorators below; a
before_request hook enforces it before the view runs, and refuses any endpoint without a rule.

Branch scope (an invigilator sees only their own subtree) is the second check, in ``scope``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from server.errors import json_error
from server.models import Branch, Role, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccessRule:
    public: bool = False
    roles: frozenset[str] | None = None  # None: any signed-in user

    def describe(self) -> str:
        if self.public:
            return "public"
        return "signed in" if self.roles is None else "roles: " + ", ".join(sorted(self.roles))


PUBLIC = AccessRule(public=True)
SIGNED_IN = AccessRule()
# Endpoints Flask itself registers.
BUILTIN_RULES = {"static": PUBLIC}
# While a user must change their password, only these endpoints are open to them.
PASSWORD_CHANGE_ENDPOINTS = {"auth.change_password", "auth.logout", "auth.set_language"}
TICKET_KEY = "exam_ticket"  # in the login session of a sign-in by exam ticket (server.tickets)


def _with_rule(rule: AccessRule):
    def decorate(view):
        view.access_rule = rule
        return view

    return decorate


public = _with_rule(PUBLIC)
signed_in = _with_rule(SIGNED_IN)


def roles(*names: Role) -> callable:
    return _with_rule(AccessRule(roles=frozenset(Role(n).value for n in names)))


def rule_for(app: Flask, endpoint: str) -> AccessRule | None:
    if endpoint in BUILTIN_RULES:
        return BUILTIN_RULES[endpoint]
    return getattr(app.view_functions.get(endpoint), "access_rule", None)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _enforce():
    if request.endpoint is None:  # no route matched: Flask answers 404/405 itself
        return None
    rule = rule_for(current_app, request.endpoint)
    if rule is None:
        log.error("endpoint %s has no access rule; refusing", request.endpoint)
        abort(403)
    if rule.public:
        return None
    if not current_user.is_authenticated:
        if is_api_request():
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if session.get(TICKET_KEY) is not None:  # an exam ticket opens its own exam only
        return _enforce_ticket_scope(session[TICKET_KEY])
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        if is_api_request():
            return password_change_required()
        return redirect(url_for("auth.change_password"))
    if rule.roles is not None and current_user.role not in rule.roles:
        abort(403)
    return None


def _enforce_ticket_scope(scope):
    from server.tickets.util import may_reach, scope_stands  # server.tickets imports this module's users

    refusal = scope_stands(scope, current_user.id)
    if refusal is not None:
        logout_user()
        session.clear()
        flash(ticket_refusal_message(refusal), "error")
        return redirect(url_for("tickets.sign_in"))
    if request.endpoint == "home.index":
        return redirect(url_for("live_pages.exam", session_id=scope["session"]))
    if not may_reach(scope, request.endpoint, request.view_args):
        abort(403)
    return None


def ticket_refusal_message(refusal: str) -> str:
    """What a trainee is told when an exam ticket does not (or no longer) sign them in."""
    if refusal == "ended":
        return _("This exam has ended: its exam tickets no longer sign in. Sign in with your password to see "
                 "your results.")
    if refusal == "removed":
        return _("You have been removed from this exam. Ask your invigilator.")
    return _("Employee number or exam ticket code is not correct (or the ticket was replaced). Check the "
             "ticket, or ask your invigilator for a new one.")


def password_change_required():
    """The API's answer to an account that must first replace its one-time password (on the
    web pages, where it can)."""
    return json_error(403, "password_change_required",
                      _("Sign in on the web page and choose your own password first."))


def init_app(app: Flask) -> None:
    app.before_request(_enforce)


# --- branch scope -------------------------------------------------------------------------------


def scope_root(user: User) -> Branch | None:
    """The branch whose subtree ``user`` manages; None means the whole organisation (admins)."""
    return None if user.role == Role.ADMIN else user.branch


def in_scope(user: User, branch: Branch) -> bool:
    root = scope_root(user)
    return root is None or root.contains(branch)


def within_scope(query, user: User):
    """``query`` (already joined to Branch) limited to ``user``'s subtree."""
    root = scope_root(user)
    return query if root is None else query.where(Branch.path.startswith(root.path))


def may_manage(user: User, branch: Branch) -> bool:
    """Staff whose subtree holds ``branch`` (papers, sessions and banks belong to a branch)."""
    return user.role in (Role.ADMIN, Role.INVIGILATOR) and in_scope(user, branch)


def require_in_scope(user: User, branch: Branch | None) -> Branch:
    """Return ``branch`` if ``user`` may manage it; otherwise answer 404 (its existence stays hidden)."""
    if branch is None or not in_scope(user, branch):
        abort(404)
    return branch
