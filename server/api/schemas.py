"""What the exam workflow's API takes and answers, as marshmallow schemas: they validate input
(server.api.spec.load) and describe every response in the OpenAPI document.  Decimals travel as
strings ("2.50"), times as ISO 8601 UTC ("2026-12-04T09:00:00.000Z")."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from grading import MultiRule, QuestionType
from server.papers.models import NamePrivacy, Selection, ShowKey
from server.types import MAX_ROW_ID
from server.vocabulary import Pacing, SessionStatus

Decimal = fields.String  # "2.50": exact, as stored
When = fields.String  # ISO 8601 UTC, or null


def row_id(**kwargs) -> fields.Integer:
    """An id of a row (question, bank, paper, participant)."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ROW_ID), **kwargs)


def _choice(enum) -> validate.OneOf:
    return validate.OneOf([member.value for member in enum])


# --- papers ---------------------------------------------------------------------------------------


class PaperSettingsIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    points_judge = Decimal(load_default="1")
    points_single = Decimal(load_default="2")
    points_multi = Decimal(load_default="2")
    multi_rule = fields.String(load_default=MultiRule.EXACT.value, validate=_choice(MultiRule))
    rounding_step = Decimal(load_default="0.5")
    pass_percent = Decimal(load_default="60")
    paper_seconds = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=86400))
    question_seconds = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=3600))
    shuffle_questions = fields.Boolean(load_default=False)
    shuffle_options = fields.Boolean(load_default=False)
    show_key = fields.String(load_default=ShowKey.AFTER_EXAM.value, validate=_choice(ShowKey))
    speed_bonus_points = Decimal(load_default=None, allow_none=True)
    speed_bonus_seconds = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=3600))
    tab_switch_limit = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=100))
    show_ranks = fields.Boolean(load_default=False)
    name_privacy = fields.String(load_default=NamePrivacy.MASKED.value, validate=_choice(NamePrivacy))


class DrawRuleIn(Schema):
    type = fields.String(required=True, validate=_choice(QuestionType))
    count = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    bank_id = row_id(required=True)
    tag = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))


class PaperIn(PaperSettingsIn):
    """A new paper: its settings and either ``question_ids`` (fixed) or ``rules`` (drawn per trainee)."""

    question_ids = fields.List(row_id(), validate=validate.Length(max=1000))
    rules = fields.List(fields.Nested(DrawRuleIn), validate=validate.Length(min=1, max=20))

    @validates_schema
    def one_selection(self, data, **_kwargs):
        if ("question_ids" in data) == ("rules" in data):
            raise ValidationError("give either question_ids or rules", "question_ids")


class DrawRuleOut(Schema):
    type = fields.String(required=True)
    count = fields.Integer(required=True)
    bank_id = fields.Integer(required=True)
    tag = fields.String(required=True, allow_none=True)


class PaperOut(Schema):
    """A paper"""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    branch = fields.String(required=True, metadata={"description": "branch code"})
    selection = fields.String(required=True, validate=_choice(Selection))
    points_judge = Decimal(required=True)
    points_single = Decimal(required=True)
    points_multi = Decimal(required=True)
    multi_rule = fields.String(required=True)
    rounding_step = Decimal(required=True)
    pass_percent = Decimal(required=True)
    paper_seconds = fields.Integer(required=True, allow_none=True)
    question_seconds = fields.Integer(required=True, allow_none=True)
    shuffle_questions = fields.Boolean(required=True)
    shuffle_options = fields.Boolean(required=True)
    show_key = fields.String(required=True)
    speed_bonus_points = Decimal(required=True, allow_none=True)
    speed_bonus_seconds = fields.Integer(required=True, allow_none=True)
    tab_switch_limit = fields.Integer(required=True, allow_none=True)
    show_ranks = fields.Boolean(required=True)
    name_privacy = fields.String(required=True)
    question_ids = fields.List(fields.Integer(), required=True)
    rules = fields.List(fields.Nested(DrawRuleOut), required=True)
    created_at = When(required=True)


# --- sessions ---------------------------------------------------------------------------------------


class SessionIn(Schema):
    paper_id = row_id(required=True)
    title = fields.String(load_default="", validate=validate.Length(max=120))
    pacing = fields.String(load_default=Pacing.PACED.value, validate=_choice(Pacing))
    employee_numbers = fields.List(fields.String(validate=validate.Length(min=1, max=40)), required=True,
                                   validate=validate.Length(min=1, max=20000),
                                   metadata={"description": "the roster: active trainees in the caller's scope"})


class SessionQuery(Schema):
    status = fields.String(validate=_choice(SessionStatus))
    created_from = fields.Date(metadata={"description": "created on or after this day (UTC)"})
    created_to = fields.Date(metadata={"description": "created on or before this day (UTC)"})


class ControlIn(Schema):
    """A control, as the dashboard sends it: ``action`` and what that action needs."""

    action = fields.String(required=True, validate=validate.OneOf(
        ["start", "next", "close", "pause", "resume", "extend", "end", "remove", "announce"]))
    seconds = fields.Integer(validate=validate.Range(min=1, max=3600), metadata={"description": "extend"})
    participant_id = row_id(metadata={"description": "extend, remove"})
    text = fields.String(validate=validate.Length(max=500), metadata={"description": "announce"})


class SessionOut(Schema):
    """A session"""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    paper_id = fields.Integer(required=True)
    branch = fields.String(required=True, metadata={"description": "branch code"})
    pacing = fields.String(required=True, validate=_choice(Pacing))
    status = fields.String(required=True, validate=_choice(SessionStatus))
    join_code = fields.String(required=True)
    join_url = fields.String(required=True)
    participants = fields.Integer(required=True)
    created_at = When(required=True)
    started_at = When(required=True, allow_none=True)
    ended_at = When(required=True, allow_none=True)


# --- results and documents ---------------------------------------------------------------------------


class ResultOut(Schema):
    participant_id = fields.Integer(required=True)
    employee_no = fields.String(required=True)
    name = fields.String(required=True)
    branch = fields.String(required=True)
    result = fields.String(required=True, validate=validate.OneOf(["passed", "failed", "absent"]))
    total = Decimal(required=True)
    max_total = Decimal(required=True)
    bonus = Decimal(required=True)
    rank = fields.Integer(required=True, allow_none=True)
    answered = fields.Integer(required=True)
    seconds = fields.Float(required=True, allow_none=True)


class SummaryOut(Schema):
    threshold = Decimal(required=True)
    pass_rate = fields.Float(required=True)
    mean = Decimal(required=True)
    highest = Decimal(required=True)
    lowest = Decimal(required=True)
    absent = fields.Integer(required=True)


class AnswerLineOut(Schema):
    position = fields.Integer(required=True)
    question_id = fields.Integer(required=True, metadata={"description": "the bank question"})
    type = fields.String(required=True)
    stem = fields.String(required=True)
    options = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    key = fields.String(required=True)
    choice = fields.String(required=True, metadata={"description": "empty: not answered"})
    outcome = fields.String(required=True)
    points = Decimal(required=True)
    max_points = Decimal(required=True)
    bonus = Decimal(required=True)
    void = fields.String(required=True, allow_none=True)


class ParticipantResultOut(Schema):
    """One participant's result with every answer"""

    session_id = fields.Integer(required=True)
    result = fields.Nested(ResultOut, required=True)
    answers = fields.List(fields.Nested(AnswerLineOut), required=True)


class DocumentOut(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["certificate", "trainee_sheet", "session_sheet"]))
    number = fields.String(required=True)
    participant_id = fields.Integer(required=True, allow_none=True)
    version = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True)
    issued_at = When(required=True)
    revoked = fields.Boolean(required=True)
    download_url = fields.String(required=True)


class ProgressOut(Schema):
    """Issuing progress of a session's documents"""

    state = fields.String(required=True, validate=validate.OneOf(["none", "queued", "running", "done", "failed"]))
    done = fields.Integer(required=True)
    total = fields.Integer(required=True)
    error = fields.String(required=True, allow_none=True)
    interrupted = fields.Boolean(required=True)


class ControlOut(Schema):
    """The session after the control"""

    ok = fields.Boolean(required=True)
    session = fields.Nested(SessionOut, required=True)
