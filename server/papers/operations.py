"""Writes to papers.  Each function validates, changes and flushes, and says what it changed;
the request commits.  A session copies every setting it uses when it is created, and freezes
the paper's questions when it starts: until then (a session in the lobby) the paper's questions,
rules and points are locked, so no session ever sees a paper other than the one it was made from."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from grading import MultiRule, QuestionType
from server.bank.models import Question, QuestionBank
from server.errors import OperationError
from server.extensions import db
from server.models import Branch, User
from server.papers.models import NamePrivacy, Paper, PaperQuestion, PaperRule, Selection, ShowKey
from server.papers.util import rule_pool
from server.vocabulary import SessionStatus


@dataclass
class PaperSettings:
    name: str
    selection: str = Selection.FIXED
    points_judge: str = "1"
    points_single: str = "2"
    points_multi: str = "2"
    multi_rule: str = "exact"
    rounding_step: str = "0.5"
    pass_percent: str = "60"  # noqa: S105 (a pass mark, not a password)
    paper_seconds: int | None = None
    question_seconds: int | None = None
    shuffle_questions: bool = False
    shuffle_options: bool = False
    show_key: str = "after_exam"
    speed_bonus_points: str | None = None
    speed_bonus_seconds: int | None = None
    tab_switch_limit: int | None = None
    show_ranks: bool = False
    name_privacy: str = NamePrivacy.MASKED


def _decimal(value, field: str, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, AttributeError):
        raise OperationError(_("Enter a number."), field=field) from None
    if not (low <= number <= high) or number != number.quantize(Decimal("0.01")):
        raise OperationError(_("Enter a number from %(low)s to %(high)s.", low=low, high=high), field=field)
    return number


def _apply(paper: Paper, settings: PaperSettings) -> None:
    name = (settings.name or "").strip()
    if not name or len(name) > 100:
        raise OperationError(_("Give the paper a name of 1 to 100 characters."), field="name")
    if settings.selection not in tuple(Selection):
        raise OperationError(_("Choose how questions are chosen."), field="selection")
    if settings.multi_rule not in tuple(MultiRule):
        raise OperationError(_("Choose a multiple-choice rule."), field="multi_rule")
    if settings.show_key not in tuple(ShowKey):
        raise OperationError(_("Choose when trainees see the key."), field="show_key")
    if settings.name_privacy not in tuple(NamePrivacy):
        raise OperationError(_("Choose how the projector shows names."), field="name_privacy")
    if paper.id is not None:
        points_change = any(getattr(paper, f"points_{t}") != _points(getattr(settings, f"points_{t}"))
                            for t in QuestionType)
        if settings.selection != paper.selection or points_change:
            _refuse_while_waiting(paper, f"points_{QuestionType.JUDGE}" if points_change else "selection")
    paper.name, paper.selection = name, settings.selection
    paper.multi_rule, paper.show_key = settings.multi_rule, settings.show_key
    for qtype in QuestionType:
        field = f"points_{qtype}"
        setattr(paper, field, _decimal(getattr(settings, field), field, Decimal("0.5"), Decimal(100)))
    paper.rounding_step = _decimal(settings.rounding_step, "rounding_step", Decimal("0.01"), Decimal(10))
    paper.pass_percent = _decimal(settings.pass_percent, "pass_percent", Decimal(0), Decimal(100))
    for field in ("paper_seconds", "question_seconds", "speed_bonus_seconds", "tab_switch_limit"):
        value = getattr(settings, field)
        if value is not None and (int(value) < 0 or int(value) > 7 * 24 * 3600):
            raise OperationError(_("Enter a number from %(low)s to %(high)s.", low=0, high=7 * 24 * 3600),
                                 field=field)
        setattr(paper, field, int(value) if value not in (None, "") else None)
    paper.shuffle_questions = bool(settings.shuffle_questions)
    paper.shuffle_options = bool(settings.shuffle_options)
    paper.show_ranks, paper.name_privacy = bool(settings.show_ranks), settings.name_privacy
    paper.speed_bonus_points = (_decimal(settings.speed_bonus_points, "speed_bonus_points", Decimal(0),
                                         Decimal(100)) if settings.speed_bonus_points else None)
    if paper.speed_bonus_points and not paper.speed_bonus_seconds:
        raise OperationError(_("Give the speed bonus a time window."), field="speed_bonus_seconds")


def _points(value) -> Decimal | None:
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, AttributeError):
        return None


def waiting_sessions(paper: Paper) -> list[str]:
    """Titles of the sessions made from ``paper`` that have not started (their questions are
    frozen from the paper when they start)."""
    return [session.title for session in paper.sessions if session.status == SessionStatus.LOBBY]


def _refuse_while_waiting(paper: Paper, field: str) -> None:
    waiting = waiting_sessions(paper)
    if waiting:
        raise OperationError(_("Sessions made from this paper have not started yet (%(titles)s): they would "
                               "start with the changed questions. Start or end them first, or make a new paper.",
                               titles="、".join(waiting[:5])), field=field, code="paper_in_use")


def create_paper(actor: User, branch: Branch, settings: PaperSettings) -> Paper:
    """Changes: adds a paper owned by ``branch`` (no questions yet); flushes."""
    paper = Paper(branch=branch, created_by_id=actor.id)
    _apply(paper, settings)
    db.session.add(paper)
    db.session.flush()
    return paper


def update_settings(paper: Paper, settings: PaperSettings) -> None:
    """Changes: the paper's settings; flushes.  Sessions already created keep the settings they
    copied; how questions are chosen and their points are locked while a session waits to start."""
    _apply(paper, settings)
    db.session.flush()


def set_questions(paper: Paper, question_ids: list[int], points: dict[int, str] | None = None) -> None:
    """Changes: the fixed paper's question list, in the given order (current versions only),
    with optional points for single questions (else the paper's points for the type)."""
    _refuse_while_waiting(paper, "questions")
    points = points or {}
    seen, questions = set(), []
    for question_id in question_ids:
        question = db.session.get(Question, question_id)
        if question is None or not question.is_current or question_id in seen:
            raise OperationError(_("Question %(id)s cannot be added.", id=question_id), field="questions")
        seen.add(question_id)
        questions.append(question)
    own = {q: _decimal(v, "questions", Decimal("0.5"), Decimal(100)) for q, v in points.items() if q in seen}
    paper.questions = [PaperQuestion(question_id=q.id, position=i, points=own.get(q.id))
                       for i, q in enumerate(questions, start=1)]
    db.session.flush()


def set_rules(paper: Paper, rules: list[tuple[str, int, QuestionBank, str | None]]) -> None:
    """Changes: the draw rules (type, count, bank, tag); each must have enough questions."""
    _refuse_while_waiting(paper, "rules")
    built = []
    for position, (qtype, count, bank, tag) in enumerate(rules, start=1):
        if qtype not in tuple(QuestionType) or count < 1:
            raise OperationError(_("Each rule needs a type and a count of at least 1."), field="rules")
        rule = PaperRule(position=position, type=qtype, count=count, bank_id=bank.id, tag=tag or None)
        available = len(rule_pool(rule))
        if available < count:
            raise OperationError(_("%(bank)s has only %(n)d questions for rule %(position)d.",
                                   bank=bank.name, n=available, position=position), field="rules")
        built.append(rule)
    paper.rules = built
    db.session.flush()
