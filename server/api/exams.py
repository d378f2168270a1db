"""The exam workflow over the API (bearer token; staff only, except a trainee's own documents):
papers, sessions and their controls, results and documents.  Each view loads its input, checks
access as the pages do (branch scope; another branch's object is 404), calls the operation the
pages call, commits once, and answers through the schema that documents it."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields

from live import controls
from live.acceptance import Refused
from live.clock import iso, now
from server.access import roles, signed_in, within_scope
from server.api import schemas
from server.api.paging import PageQuery, page_of_list, page_of_query, page_schema
from server.api.spec import load, operation
from server.bank.models import Question, QuestionBank
from server.bank.util import may_use_bank
from server.database import commit, rollback
from server.documents import operations as documents
from server.documents.controllers import document_pdf
from server.documents.util import session_documents
from server.errors import OperationError, json_error
from server.exams import operations as exams
from server.exams.live_pages import join_url
from server.exams.models import LiveSession, Participant
from server.exams.results import participant_row, participant_sheet, session_results
from server.exams.util import managed_session, roster_from_numbers
from server.extensions import csrf, db
from server.models import Role
from server.papers import operations as papers
from server.papers.models import Paper, Selection
from server.papers.util import may_manage_paper

bp = Blueprint("exam_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
STAFF = (Role.ADMIN, Role.INVIGILATOR)

PaperPage = page_schema(schemas.PaperOut, "PaperPage")
SessionPage = page_schema(schemas.SessionOut, "SessionPage")
ResultPage = page_schema(schemas.ResultOut, "ResultPage",
                         {"summary": fields.Nested(schemas.SummaryOut, required=True)})


class SessionListQuery(PageQuery, schemas.SessionQuery):
    pass


class DocumentList(Schema):
    """A session's documents and their issuing progress"""

    documents = fields.List(fields.Nested(schemas.DocumentOut), required=True)
    progress = fields.Nested(schemas.ProgressOut, required=True)


@bp.errorhandler(OperationError)
def _refused_input(exc: OperationError):
    rollback()
    return json_error(400, exc.code, exc.message, exc.field)


@bp.errorhandler(Refused)
def _refused_control(exc: Refused):
    rollback()
    return json_error(409, exc.code, _("This control cannot be used now (%(code)s).", code=exc.code))


def _answer(schema, data, status: int = 200):
    return jsonify(schema().dump(data)), status


def _dec(value) -> str | None:
    return None if value is None else str(value)


# --- papers ---------------------------------------------------------------------------------------


def _paper_json(paper: Paper) -> dict:
    return {"id": paper.id, "name": paper.name, "branch": paper.branch.code, "selection": paper.selection,
            "points_judge": _dec(paper.points_judge), "points_single": _dec(paper.points_single),
            "points_multi": _dec(paper.points_multi), "multi_rule": paper.multi_rule,
            "rounding_step": _dec(paper.rounding_step), "pass_percent": _dec(paper.pass_percent),
            "paper_seconds": paper.paper_seconds, "question_seconds": paper.question_seconds,
            "shuffle_questions": paper.shuffle_questions, "shuffle_options": paper.shuffle_options,
            "show_key": paper.show_key, "speed_bonus_points": _dec(paper.speed_bonus_points),
            "speed_bonus_seconds": paper.speed_bonus_seconds, "tab_switch_limit": paper.tab_switch_limit,
            "show_ranks": paper.show_ranks, "name_privacy": paper.name_privacy,
            "question_ids": [q.question_id for q in sorted(paper.questions, key=lambda q: q.position)],
            "rules": [{"type": r.type, "count": r.count, "bank_id": r.bank_id, "tag": r.tag}
                      for r in sorted(paper.rules, key=lambda r: r.position)],
            "created_at": iso(paper.created_at)}


def _managed_paper(paper_id: int) -> Paper:
    paper = db.session.get(Paper, paper_id)
    if paper is None or not may_manage_paper(current_user, paper):
        abort(404)
    return paper


@bp.route("/papers")
@roles(*STAFF)
@operation("List the papers the caller manages", tag="papers", query=PageQuery, responses={200: PaperPage})
def list_papers():
    args = load(PageQuery, request.args, query=True)
    query = within_scope(sa.select(Paper).join(Paper.branch).order_by(Paper.created_at.desc(), Paper.id.desc()),
                         current_user)
    rows, page = page_of_query(query, args)
    return _answer(PaperPage, {"items": [_paper_json(p) for p in rows], **page})


@bp.route("/papers", methods=["POST"])
@roles(*STAFF)
@operation("Create a paper at the caller's branch", tag="papers", body=schemas.PaperIn,
           responses={201: schemas.PaperOut},
           description="Fixed: `question_ids` from banks the caller may use, in order. "
                       "Drawn per trainee: `rules` (type, count, bank_id, tag).")
def create_paper():
    data = load(schemas.PaperIn, request.get_json(silent=True))
    question_ids, rules = data.pop("question_ids", None), data.pop("rules", None)
    settings = papers.PaperSettings(selection=Selection.FIXED if rules is None else Selection.DRAW,
                                    **{k: v for k, v in data.items()})
    paper = papers.create_paper(current_user, current_user.branch, settings)
    if rules is None:
        for question_id in question_ids:
            question = db.session.get(Question, question_id)
            if question is None or not may_use_bank(current_user, question.bank):
                raise OperationError(_("Question %(id)s cannot be added.", id=question_id), field="question_ids")
        papers.set_questions(paper, question_ids)
    else:
        built = []
        for index, rule in enumerate(rules):
            bank = db.session.get(QuestionBank, rule["bank_id"])
            if bank is None or not may_use_bank(current_user, bank):
                raise OperationError(_("There is no such bank."), field=f"rules.{index}.bank_id")
            built.append((rule["type"], rule["count"], bank, rule["tag"]))
        papers.set_rules(paper, built)
    commit()
    return _answer(schemas.PaperOut, _paper_json(paper), 201)


@bp.route("/papers/<int:paper_id>")
@roles(*STAFF)
@operation("Get a paper", tag="papers", responses={200: schemas.PaperOut})
def get_paper(paper_id: int):
    return _answer(schemas.PaperOut, _paper_json(_managed_paper(paper_id)))


# --- sessions ---------------------------------------------------------------------------------------


def _session_json(session: LiveSession) -> dict:
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Participant).where(
        Participant.session_id == session.id, Participant.removed.is_(False)))
    return {"id": session.id, "title": session.title, "paper_id": session.paper_id, "branch": session.branch.code,
            "pacing": session.pacing, "status": session.status, "join_code": session.join_code,
            "join_url": join_url(session), "participants": count, "created_at": iso(session.created_at),
            "started_at": iso(session.started_at), "ended_at": iso(session.ended_at)}


@bp.route("/sessions")
@roles(*STAFF)
@operation("List the sessions in the caller's scope, newest first", tag="sessions", query=SessionListQuery,
           responses={200: SessionPage})
def list_sessions():
    args = load(SessionListQuery, request.args, query=True)
    query = sa.select(LiveSession).join(LiveSession.branch).order_by(LiveSession.created_at.desc(),
                                                                     LiveSession.id.desc())
    if "status" in args:
        query = query.where(LiveSession.status == args["status"])
    if "created_from" in args:
        query = query.where(LiveSession.created_at >= datetime.combine(args["created_from"], time.min))
    if "created_to" in args:
        query = query.where(LiveSession.created_at < datetime.combine(args["created_to"] + timedelta(days=1),
                                                                      time.min))
    rows, page = page_of_query(within_scope(query, current_user), args)
    return _answer(SessionPage, {"items": [_session_json(s) for s in rows], **page})


@bp.route("/sessions", methods=["POST"])
@roles(*STAFF)
@operation("Create a session of a paper for a roster of employee numbers", tag="sessions",
           body=schemas.SessionIn, responses={201: schemas.SessionOut})
def create_session():
    data = load(schemas.SessionIn, request.get_json(silent=True))
    paper = db.session.get(Paper, data["paper_id"])
    if paper is None or not may_manage_paper(current_user, paper):
        raise OperationError(_("There is no such paper."), field="paper_id")
    roster, unknown = roster_from_numbers(current_user, data["employee_numbers"])
    if unknown:
        raise OperationError(_("These employee numbers are not active trainees you manage: %(numbers)s",
                               numbers="、".join(unknown[:20]) + ("…" if len(unknown) > 20 else "")),
                             field="employee_numbers", code="unknown_trainees")
    session = exams.create_session(current_user, paper, data["title"], data["pacing"], roster)
    commit()
    return _answer(schemas.SessionOut, _session_json(session), 201)


@bp.route("/sessions/<int:session_id>")
@roles(*STAFF)
@operation("Get a session, with its join code", tag="sessions", responses={200: schemas.SessionOut})
def get_session(session_id: int):
    return _answer(schemas.SessionOut, _session_json(managed_session(current_user, session_id)))


@bp.route("/sessions/<int:session_id>/controls", methods=["POST"])
@roles(*STAFF)
@operation("Use a dashboard control: start, next, close, pause, resume, extend, end, remove, announce",
           tag="sessions", body=schemas.ControlIn, responses={200: schemas.ControlOut},
           description="The same state machine as the live dashboard's `control` event; a control that "
                       "does not apply now answers 409 with the protocol's code (e.g. `not_in_lobby`).")
def control(session_id: int):
    session = managed_session(current_user, session_id)
    data = load(schemas.ControlIn, request.get_json(silent=True))
    controls.ACTIONS[data["action"]](session, data, now())
    commit()
    return _answer(schemas.ControlOut, {"ok": True, "session": _session_json(session)})


# --- results ---------------------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/results")
@roles(*STAFF)
@operation("A session's results, by rank", tag="results", query=PageQuery, responses={200: ResultPage})
def results(session_id: int):
    session = managed_session(current_user, session_id)
    args = load(PageQuery, request.args, query=True)
    table = session_results(session)
    rows, page = page_of_list(table.rows, args)
    summary = {"threshold": _dec(table.threshold), "pass_rate": table.pass_rate, "mean": _dec(table.mean),
               "highest": _dec(table.highest), "lowest": _dec(table.lowest), "absent": table.absent}
    return _answer(ResultPage, {"items": [_result_json(r) for r in rows], "summary": summary, **page})


def _result_json(row) -> dict:
    return {"participant_id": row.participant_id, "employee_no": row.employee_no, "name": row.name,
            "branch": row.branch, "result": row.result, "total": _dec(row.total), "max_total": _dec(row.max_total),
            "bonus": _dec(row.bonus), "rank": row.rank, "answered": row.answered, "seconds": row.seconds}


@bp.route("/sessions/<int:session_id>/participants/<int:participant_id>")
@roles(*STAFF)
@operation("One participant's result with every answer and the key", tag="results",
           responses={200: schemas.ParticipantResultOut})
def participant_result(session_id: int, participant_id: int):
    session = managed_session(current_user, session_id)
    member = db.session.get(Participant, participant_id)
    row = participant_row(session, member.id) if member is not None and member.session_id == session.id else None
    if row is None:
        abort(404)
    lines = [{"position": line.position, "question_id": line.question.question_id, "type": line.question.type,
              "stem": line.question.stem, "options": line.question.options, "key": line.question.answer,
              "choice": line.choice, "outcome": line.outcome, "points": _dec(line.points),
              "max_points": _dec(line.question.points), "bonus": _dec(line.bonus), "void": line.question.void}
             for line in participant_sheet(member)]
    return _answer(schemas.ParticipantResultOut, {"session_id": session.id, "result": _result_json(row),
                                                  "answers": lines})


# --- documents ---------------------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/documents")
@roles(*STAFF)
@operation("A session's issued documents and the issuing progress", tag="documents",
           responses={200: DocumentList})
def session_document_list(session_id: int):
    session = managed_session(current_user, session_id)
    items = [{"id": d.id, "kind": d.kind, "number": d.number, "participant_id": d.participant_id,
              "version": d.version, "sha256": d.sha256, "size": d.size, "issued_at": iso(d.issued_at),
              "revoked": d.revoked, "download_url": url_for("exam_api.download_document", document_id=d.id)}
             for d in session_documents(session.id)]
    return _answer(DocumentList, {"documents": items, "progress": documents.progress(session)})


@bp.route("/documents/<int:document_id>.pdf")
@signed_in
@operation("Download a document (staff in scope, or the trainee it was issued to)", tag="documents",
           responses={200: "application/pdf"})
def download_document(document_id: int):
    return document_pdf(document_id)
