"""People and branches over the API (bearer token; staff only): list, create, bulk roster upload
and (de)activation.  The same queries and operations as the People and Branches pages, with their
rules: an invigilator manages trainees in their own subtree, an admin everyone; another branch's
person or branch is 404."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields, validate

from server.access import in_scope, require_in_scope, roles
from server.api.paging import PageQuery, page_of_list, page_of_query, page_schema
from server.api.spec import ErrorBody, load, operation
from server.branches import operations as branches
from server.branches.util import branch_by_code, visible_branches
from server.database import commit, rollback
from server.errors import OperationError, json_error
from server.extensions import csrf, db
from server.models import Branch, BranchKind, Role, User
from server.users import operations as users
from server.users import roster
from server.users.util import users_query

bp = Blueprint("people_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
STAFF = (Role.ADMIN, Role.INVIGILATOR)


# --- schemas ------------------------------------------------------------------------------------


class BranchOut(Schema):
    """A branch"""

    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in BranchKind]))
    parent_id = fields.Integer(required=True, allow_none=True)
    depth = fields.Integer(required=True, metadata={"description": "0: the head office"})


class BranchIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in BranchKind]))
    parent_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1),
                               metadata={"description": "null only for the head office (admins)"})


class BranchQuery(PageQuery):
    q = fields.String(metadata={"description": "words in the code or the name"})


class PersonOut(Schema):
    """A person"""

    id = fields.Integer(required=True)
    employee_no = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    branch = fields.String(required=True, metadata={"description": "branch code"})
    active = fields.Boolean(required=True)
    must_change_password = fields.Boolean(required=True)


class PersonIn(Schema):
    employee_no = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    branch = fields.String(required=True, validate=validate.Length(min=1, max=40),
                           metadata={"description": "branch code, in the caller's scope"})
    role = fields.String(load_default=Role.TRAINEE.value, validate=validate.OneOf([r.value for r in Role]),
                         metadata={"description": "invigilators register trainees only"})


class PeopleQuery(PageQuery):
    branch = fields.String(metadata={"description": "branch code: people at or below it"})
    role = fields.String(validate=validate.OneOf([r.value for r in Role]))
    state = fields.String(load_default="active", validate=validate.OneOf(["active", "inactive", "all"]))
    q = fields.String(metadata={"description": "words in the employee number or the name"})


class NewAccountOut(Schema):
    """An account just created, with its one-time password (to be changed at first sign-in)"""

    person = fields.Nested(PersonOut, required=True)
    initial_password = fields.String(required=True)


class RosterIssueOut(Schema):
    row = fields.Integer(required=True, metadata={"description": "the spreadsheet's row number"})
    field = fields.String(required=True, allow_none=True, metadata={"description": "the column"})
    message = fields.String(required=True)


class RosterReport(Schema):
    """What the roster held; unless a dry run with no issue, the accounts created"""

    rows = fields.Integer(required=True)
    valid = fields.Boolean(required=True)
    issues = fields.List(fields.Nested(RosterIssueOut), required=True)
    accounts = fields.List(fields.Nested(NewAccountOut), required=True,
                           metadata={"description": "empty on a dry run or when any row has an issue"})
    error = fields.Nested(ErrorBody, metadata={"description": "the file could not be read (422)"})


BranchPage = page_schema(BranchOut, "BranchPage")
PersonPage = page_schema(PersonOut, "PersonPage")


@bp.errorhandler(OperationError)
def _refused(exc: OperationError):
    rollback()
    return json_error(400, exc.code, exc.message, exc.field)


def _branch_json(branch: Branch) -> dict:
    return {"id": branch.id, "code": branch.code, "name": branch.name, "kind": branch.kind,
            "parent_id": branch.parent_id, "depth": branch.depth}


def _person_json(user: User) -> dict:
    return {"id": user.id, "employee_no": user.employee_no, "name": user.name, "role": user.role,
            "branch": user.branch.code, "active": user.active, "must_change_password": user.must_change_password}


def _account_json(account: users.NewAccount) -> dict:
    return {"person": _person_json(account.user), "initial_password": account.initial_password}


def _branch_in_scope(code: str, field: str) -> Branch:
    """The branch of that code in the caller's scope; another branch reads as unknown."""
    branch = branch_by_code(branches.clean_code(code))
    if branch is None or not in_scope(current_user, branch):
        raise OperationError(_("Unknown branch code %(code)s.", code=code), field=field)
    return branch


# --- branches -----------------------------------------------------------------------------------


@bp.route("/branches")
@roles(*STAFF)
@operation("The branches in the caller's scope, in tree order", tag="people", query=BranchQuery,
           responses={200: BranchPage})
def list_branches():
    args = load(BranchQuery, request.args, query=True)
    found = visible_branches(current_user)
    if args.get("q"):
        words = args["q"].strip().lower()
        found = [b for b in found if words in b.code.lower() or words in b.name.lower()]
    rows, page = page_of_list(found, args)
    return jsonify(BranchPage().dump({"items": [_branch_json(b) for b in rows], **page}))


@bp.route("/branches", methods=["POST"])
@roles(*STAFF)
@operation("Create a branch below one in the caller's scope", tag="people", body=BranchIn,
           responses={201: BranchOut})
def create_branch():
    data = load(BranchIn, request.get_json(silent=True))
    parent = None
    if data["parent_id"] is not None:
        parent = db.session.get(Branch, data["parent_id"])
        if parent is None or not in_scope(current_user, parent):
            raise OperationError(_("There is no such branch."), field="parent_id")
    elif current_user.role != Role.ADMIN:
        abort(403)
    branch = branches.create_branch(data["code"], data["name"], data["kind"], parent)
    commit()
    return jsonify(BranchOut().dump(_branch_json(branch))), 201


# --- people -------------------------------------------------------------------------------------


@bp.route("/people")
@roles(*STAFF)
@operation("The people in the caller's scope, by branch and employee number", tag="people",
           query=PeopleQuery, responses={200: PersonPage, 400: "Error"})
def list_people():
    args = load(PeopleQuery, request.args, query=True)
    branch = _branch_in_scope(args["branch"], "branch") if "branch" in args else None
    query = users_query(current_user, branch=branch, role=args.get("role"),
                        active={"active": True, "inactive": False}.get(args["state"]), search=args.get("q"))
    rows, page = page_of_query(query, args)
    return jsonify(PersonPage().dump({"items": [_person_json(u) for u in rows], **page}))


@bp.route("/people", methods=["POST"])
@roles(*STAFF)
@operation("Register one person, with a one-time password", tag="people", body=PersonIn,
           responses={201: NewAccountOut})
def create_person():
    data = load(PersonIn, request.get_json(silent=True))
    branch = _branch_in_scope(data["branch"], "branch")
    account = users.create_user(current_user, data["employee_no"], data["name"], branch, data["role"])
    commit()
    return jsonify(NewAccountOut().dump(_account_json(account))), 201


@bp.route("/people/import", methods=["POST"])
@roles(*STAFF)
@operation("Register a roster file (.xlsx or .csv: 工号, 姓名, 机构代码, 角色), or check it with dry_run",
           tag="people", multipart={"file": "the roster", "dry_run": "1: check and report only"},
           responses={200: RosterReport, 201: RosterReport, 422: RosterReport},
           description="All rows or none: any issue answers 422 with every issue by row and column, "
                       "and nothing is registered. The same checks as People → 导入名单.")
def import_people():
    upload = request.files.get("file")
    if upload is None:
        return json_error(400, "missing_field", _("This field is required."), "file")
    checked = roster.parse_roster(upload.read())
    if checked.error is not None:
        error = checked.error
        return jsonify(RosterReport().dump({
            "rows": 0, "valid": False, "accounts": [],
            "issues": [{"row": error.row or error.line or 0, "field": error.column, "message": error.message}],
            "error": {"code": error.code, "message": error.message, "field": "file"}})), 422
    roster.check_roster(checked, current_user)
    report = {"rows": len(checked.rows), "valid": checked.valid, "accounts": [],
              "issues": [{"row": i.row, "field": i.field, "message": i.message} for i in checked.issues]}
    if not checked.rows:
        report["issues"] = [{"row": 0, "field": None, "message": _("The file has no rows.")}]
    if not checked.valid:
        return jsonify(RosterReport().dump(report)), 422
    if request.form.get("dry_run", "0") in ("1", "true", "yes"):
        return jsonify(RosterReport().dump(report))
    accounts = users.create_users([(r.employee_no, r.name, r.branch, r.role) for r in checked.rows])
    commit()
    report["accounts"] = [_account_json(a) for a in accounts]
    return jsonify(RosterReport().dump(report)), 201


def _set_active(user_id: int, active: bool):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    require_in_scope(current_user, user.branch)
    users.set_active(current_user, user, active)
    commit()
    return jsonify(PersonOut().dump(_person_json(user)))


@bp.route("/people/<int:user_id>/deactivate", methods=["POST"])
@roles(*STAFF)
@operation("Deactivate a person: no more sign-in; their sessions and tokens end", tag="people",
           responses={200: PersonOut, 400: "Error"})
def deactivate_person(user_id: int):
    return _set_active(user_id, False)


@bp.route("/people/<int:user_id>/activate", methods=["POST"])
@roles(*STAFF)
@operation("Let a deactivated person sign in again", tag="people",
           responses={200: PersonOut, 400: "Error"})
def activate_person(user_id: int):
    return _set_active(user_id, True)
