"""Writes to banks and questions.  Each function validates, changes and flushes, and says what it
changed; none commits: the request (or the CLI command) commits once, so an import and the bank
it creates are one transaction, all or nothing."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from server.bank.formats import ParsedQuestion, ParseIssue, ParseResult, QuestionType
from server.bank.formats.common import (
    LETTERS,
    check_choice,
    fingerprint,
    judge_value,
    letters_value,
    one_line_each,
)
from server.bank.models import Question, QuestionBank, Tag
from server.bank.util import bank_by_name, fingerprints_in
from server.errors import OperationError
from server.extensions import db
from server.models import Branch, User, utcnow


def create_bank(actor: User | None, name: str, branch: Branch, description: str = "") -> QuestionBank:
    """Changes: adds an empty bank owned by ``branch``.  Does not commit."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise OperationError(_("Give the bank a name of 1 to 100 characters."), field="name")
    if bank_by_name(name, branch) is not None:
        raise OperationError(_("%(branch)s already has a bank named %(name)s.", branch=branch.name, name=name),
                             field="name")
    bank = QuestionBank(name=name, branch=branch, description=description.strip(),
                        created_by_id=actor.id if actor else None)
    db.session.add(bank)
    db.session.flush()
    return bank


def _tags(names: list[str]) -> list[Tag]:
    cleaned = []
    for name in names:
        name = name.strip()[:50]
        if name and name not in cleaned:
            cleaned.append(name)
    if not cleaned:
        return []
    existing = {t.name: t for t in db.session.scalars(sa.select(Tag).where(Tag.name.in_(cleaned)))}
    for name in cleaned:
        if name not in existing:
            existing[name] = Tag(name=name)
            db.session.add(existing[name])
    return [existing[name] for name in cleaned]


@dataclass
class ImportOutcome:
    bank: QuestionBank
    added: int = 0
    already_in_bank: list[ParsedQuestion] = field(default_factory=list)
    repeated_in_file: list[ParseIssue] = field(default_factory=list)


def import_questions(bank: QuestionBank, result: ParseResult, source_file: str) -> ImportOutcome:
    """Changes: adds every parsed question that the bank does not hold yet (same normalized stem
    and options), each with its source file, number and line.  Does not commit."""
    outcome = ImportOutcome(bank)
    known = fingerprints_in(bank)
    first_in_file: dict[str, str] = {}
    new: list[ParsedQuestion] = []
    for parsed in result.questions:
        print_ = parsed.fingerprint
        if print_ in first_in_file:
            outcome.repeated_in_file.append(ParseIssue(parsed.line, parsed.number, "duplicate_in_file",
                                                       {"first": first_in_file[print_]}))
        elif print_ in known:
            first_in_file[print_] = parsed.number
            outcome.already_in_bank.append(parsed)
        else:
            first_in_file[print_] = parsed.number
            new.append(parsed)
    now = utcnow()
    rows = [{"bank_id": bank.id, "type": q.type.value, "stem": q.stem, "options": dict(q.options),
             "answer": q.answer, "explanation": q.explanation, "fingerprint": q.fingerprint,
             "source_file": source_file[:255], "source_number": q.number[:32], "source_line": q.line,
             "version": 1, "is_current": True, "retired": False, "created_at": now, "updated_at": now}
            for q in new]
    if rows:  # one multi-row insert: thousands of questions import in about a second
        db.session.execute(sa.insert(Question), rows)
        db.session.execute(sa.update(Question).where(Question.bank_id == bank.id,
                                                     Question.family_id.is_(None))
                           .values(family_id=Question.id))
    tagged = [q for q in new if q.tags]
    if tagged:
        ids = dict(db.session.execute(sa.select(Question.fingerprint, Question.id).where(
            Question.bank_id == bank.id, Question.is_current.is_(True),
            Question.fingerprint.in_([q.fingerprint for q in tagged]))).all())
        for parsed in tagged:
            db.session.get(Question, ids[parsed.fingerprint]).tag_objects = _tags(parsed.tags)
    db.session.flush()
    outcome.added = len(rows)
    return outcome


def import_into(actor: User | None, bank_name: str, owner: Branch, result: ParseResult,
                source_file: str) -> ImportOutcome:
    """Changes: creates the bank ``bank_name`` (owned by ``owner``) when it does not exist, then
    imports into it.  Does not commit."""
    bank = bank_by_name(bank_name, owner) or create_bank(actor, bank_name, owner)
    return import_questions(bank, result, source_file)


@dataclass(frozen=True)
class QuestionInput:
    type: str
    stem: str
    options: dict[str, str]
    answer: str
    explanation: str = ""
    tags: tuple[str, ...] = ()


def check_question(data: QuestionInput) -> tuple[QuestionType, dict[str, str], str]:
    """The type, options and answer in stored form, or OperationError naming the field."""
    try:
        qtype = QuestionType(data.type)
    except ValueError:
        raise OperationError(_("Choose a question type."), field="type") from None
    stem = one_line_each(data.stem or "")  # line breaks stay, as imports keep them
    if not stem:
        raise OperationError(_("The question has no text."), field="stem")
    if qtype is QuestionType.JUDGE:
        answer = judge_value(data.answer or "")
        if answer is None:
            raise OperationError(_("The answer of a true/false question is 对 or 错."), field="answer")
        return qtype, {}, answer
    options = {k: one_line_each(v) for k, v in data.options.items() if k in LETTERS and v and v.strip()}
    answer = letters_value(data.answer or "")
    if answer is None:
        raise OperationError(_("Write the answer as option letters, e.g. ACD."), field="answer")
    problem = check_choice("", 0, qtype, options, answer, data.answer)
    if problem and problem.code == "one_option":
        raise OperationError(_("Give at least two options."), field="option_b")
    if problem and problem.code == "key_not_in_options":
        raise OperationError(_("The answer %(key)s names an empty option.", key=answer), field="answer")
    if problem:
        raise OperationError(_("A single-choice question has exactly one answer letter."), field="answer")
    return qtype, options, answer


def add_question(bank: QuestionBank, data: QuestionInput, source_file: str = "") -> Question:
    """Changes: adds one question to ``bank``, checked as an edit is and stored as an import stores
    it (a question the bank already holds is refused, naming ``stem``).  Does not commit."""
    qtype, options, answer = check_question(data)
    parsed = ParsedQuestion(number="", type=qtype, stem=one_line_each(data.stem), options=options, answer=answer,
                            line=0, explanation=(data.explanation or "").strip(), tags=list(data.tags))
    outcome = import_questions(bank, ParseResult(questions=[parsed], issues=[]), source_file)
    if not outcome.added:
        raise OperationError(_("The bank already holds this question."), field="stem", code="duplicate")
    question = db.session.scalar(sa.select(Question).where(
        Question.bank_id == bank.id, Question.is_current.is_(True), Question.fingerprint == parsed.fingerprint))
    return question


def edit_question(question: Question, data: QuestionInput) -> Question:
    """Changes: the question's content and tags.  A version an exam has used stays as it was:
    a new current version is added instead.  Returns the version that now holds the edit.
    Does not commit."""
    qtype, options, answer = check_question(data)
    stem = one_line_each(data.stem)
    target = question
    if question.used_at is not None:
        question.is_current = False
        target = Question(bank_id=question.bank_id, family_id=question.family_id,
                          version=question.version + 1, source_file=question.source_file,
                          source_number=question.source_number, source_line=question.source_line)
        db.session.add(target)
    target.type, target.stem, target.options, target.answer = qtype.value, stem, options, answer
    target.explanation = (data.explanation or "").strip()
    target.fingerprint = fingerprint(stem, options)
    target.tag_objects = _tags(list(data.tags))
    target.updated_at = utcnow()
    db.session.flush()
    return target


def set_retired(question: Question, retired: bool) -> None:
    """Changes: whether the question may be drawn into new papers (existing exams keep it).
    Does not commit."""
    question.retired = retired
    db.session.flush()
