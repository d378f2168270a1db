"""Pages for papers: list, create, settings, questions (fixed list or draw rules)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from server.access import roles
from server.bank.models import Question, QuestionBank
from server.bank.util import may_use_bank, questions_query, visible_banks
from server.database import commit, rollback
from server.errors import OperationError
from server.extensions import db
from server.models import Role
from server.papers import operations
from server.papers.forms import PaperForm
from server.papers.models import Paper, Selection
from server.papers.util import may_manage_paper, visible_papers

bp = Blueprint("papers", __name__, url_prefix="/papers")
STAFF = (Role.ADMIN, Role.INVIGILATOR)


def _paper(paper_id: int) -> Paper:
    paper = db.session.get(Paper, paper_id)
    if paper is None or not may_manage_paper(current_user, paper):
        abort(404)
    return paper


def _settings(form: PaperForm) -> operations.PaperSettings:
    return operations.PaperSettings(
        name=form.name.data, selection=form.selection.data, points_judge=str(form.points_judge.data),
        points_single=str(form.points_single.data), points_multi=str(form.points_multi.data),
        multi_rule=form.multi_rule.data, pass_percent=str(form.pass_percent.data),
        question_seconds=form.question_seconds.data,
        paper_seconds=form.paper_seconds.data * 60 if form.paper_seconds.data else None,
        shuffle_questions=form.shuffle_questions.data, shuffle_options=form.shuffle_options.data,
        show_key=form.show_key.data, tab_switch_limit=form.tab_switch_limit.data,
        show_ranks=form.show_ranks.data, name_privacy=form.name_privacy.data,
        speed_bonus_points=str(form.speed_bonus_points.data) if form.speed_bonus_points.data else None,
        speed_bonus_seconds=form.speed_bonus_seconds.data)


def _form_error(form, exc: OperationError) -> None:
    getattr(form, exc.field if exc.field in form else "name").errors.append(exc.message)


@bp.route("/")
@roles(*STAFF)
def index():
    return render_template("papers/index.html", papers=visible_papers(current_user))


@bp.route("/new", methods=["GET", "POST"])
@roles(*STAFF)
def create():
    form = PaperForm()
    if form.validate_on_submit():
        try:
            paper = operations.create_paper(current_user, current_user.branch, _settings(form))
        except OperationError as exc:
            rollback()
            _form_error(form, exc)
        else:
            commit()
            return redirect(url_for("papers.show", paper_id=paper.id))
    return render_template("papers/form.html", form=form, paper=None)


@bp.route("/<int:paper_id>", methods=["GET"])
@roles(*STAFF)
def show(paper_id: int):
    paper = _paper(paper_id)
    banks = [b for b in visible_banks(current_user) if may_use_bank(current_user, b)]
    bank_id = request.args.get("bank", type=int) or (banks[0].id if banks else None)
    bank = next((b for b in banks if b.id == bank_id), None)
    candidates = []
    if bank and paper.selection == Selection.FIXED:
        # Tags are read for every candidate (the tag filter): one query for all, not one each.
        candidates = list(db.session.scalars(questions_query(bank).options(selectinload(Question.tag_objects))))
    return render_template("papers/show.html", paper=paper, banks=banks, bank=bank, candidates=candidates,
                           chosen={pq.question_id for pq in paper.questions},
                           tags=sorted({tag for q in candidates for tag in q.tags}))


@bp.route("/<int:paper_id>/settings", methods=["GET", "POST"])
@roles(*STAFF)
def settings(paper_id: int):
    paper = _paper(paper_id)
    form = PaperForm(obj=paper)
    if request.method == "GET" and paper.paper_seconds:
        form.paper_seconds.data = paper.paper_seconds // 60
    if form.validate_on_submit():
        try:
            operations.update_settings(paper, _settings(form))
        except OperationError as exc:
            rollback()
            _form_error(form, exc)
        else:
            commit()
            flash(_("Saved."), "success")
            return redirect(url_for("papers.show", paper_id=paper.id))
    return render_template("papers/form.html", form=form, paper=paper)


@bp.route("/<int:paper_id>/questions", methods=["POST"])
@roles(*STAFF)
def set_questions(paper_id: int):
    paper = _paper(paper_id)
    dropped = set(request.form.getlist("drop"))
    on_paper = [pq.question_id for pq in paper.questions]
    # The page sends the listed questions in the order the invigilator arranged them; any it
    # did not send keep their place after those.
    ordered = [int(i) for i in dict.fromkeys(request.form.getlist("order")) if i.isdigit() and int(i) in on_paper]
    kept = [i for i in ordered + [i for i in on_paper if i not in ordered] if str(i) not in dropped]
    added = [int(i) for i in request.form.getlist("add") if i.isdigit() and int(i) not in kept]
    for question_id in added:
        question = db.session.get(Question, question_id)
        if question is None or not may_use_bank(current_user, question.bank):
            abort(404)
    points = {int(k.removeprefix("points_")): v.strip() for k, v in request.form.items()
              if k.startswith("points_") and k.removeprefix("points_").isdigit() and v.strip()}
    try:
        operations.set_questions(paper, kept + added, points)
    except OperationError as exc:
        rollback()
        flash(exc.message, "error")
    else:
        commit()
    return redirect(url_for("papers.show", paper_id=paper.id, bank=request.form.get("bank")))


@bp.route("/<int:paper_id>/rules", methods=["POST"])
@roles(*STAFF)
def set_rules(paper_id: int):
    paper = _paper(paper_id)
    rules = []
    for index in range(6):
        qtype = request.form.get(f"type_{index}", "")
        count = request.form.get(f"count_{index}", "")
        bank_id = request.form.get(f"bank_{index}", type=int)
        if not qtype or not count:
            continue
        bank = db.session.get(QuestionBank, bank_id) if bank_id else None
        if bank is None or not may_use_bank(current_user, bank) or not count.isdigit():
            flash(_("Each rule needs a type and a count of at least 1."), "error")
            return redirect(url_for("papers.show", paper_id=paper.id))
        rules.append((qtype, int(count), bank, request.form.get(f"tag_{index}", "").strip() or None))
    try:
        operations.set_rules(paper, rules)
    except OperationError as exc:
        rollback()
        flash(exc.message, "error")
    else:
        commit()
        flash(_("Saved."), "success")
    return redirect(url_for("papers.show", paper_id=paper.id))
