from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

MULTI_RULES = [
    SelectChoice("exact", _l("Exact: full points only for exactly the key")),
    SelectChoice("partial", _l("Partial: share of correct options, 0 with any wrong")),
    SelectChoice("half", _l("Half: half points for a correct subset, 0 with any wrong")),
    SelectChoice("penalty", _l("Penalty: + per correct, − per wrong option, not below 0")),
]
SHOW_KEY = [
    SelectChoice("after_exam", _l("After the exam")),
    SelectChoice("after_question", _l("After each question closes")),
    SelectChoice("never", _l("Never")),
]
NAME_PRIVACY = [
    SelectChoice("masked", _l("Masked: 张*丰")),
    SelectChoice("full", _l("Full name: 张三丰")),
    SelectChoice("number", _l("Employee number only")),
]
SELECTIONS = [SelectChoice("fixed", _l("Fixed list of questions")), SelectChoice("draw", _l("Draw by rules"))]


class PaperForm(FlaskForm):
    name = StringField(_l("Paper name"), validators=[DataRequired(), Length(max=100)])
    selection = SelectField(_l("Questions"), choices=SELECTIONS)
    points_judge = DecimalField(_l("Points per true/false question"), places=2, default=1,
                                validators=[NumberRange(0.5, 100)])
    points_single = DecimalField(_l("Points per single-choice question"), places=2, default=2,
                                 validators=[NumberRange(0.5, 100)])
    points_multi = DecimalField(_l("Points per multiple-choice question"), places=2, default=2,
                                validators=[NumberRange(0.5, 100)])
    multi_rule = SelectField(_l("Multiple-choice scoring"), choices=MULTI_RULES)
    pass_percent = DecimalField(_l("Pass mark (percent of the maximum)"), places=2, default=60,
                                validators=[NumberRange(0, 100)])
    question_seconds = IntegerField(_l("Seconds per question (paced)"), default=30,
                                    validators=[Optional(), NumberRange(5, 3600)])
    paper_seconds = IntegerField(_l("Minutes for the whole paper (timed)"), default=30,
                                 validators=[Optional(), NumberRange(1, 600)])
    shuffle_questions = BooleanField(_l("Shuffle question order per trainee"))
    shuffle_options = BooleanField(_l("Shuffle option order per trainee"))
    show_key = SelectField(_l("Trainees see the key"), choices=SHOW_KEY)
    show_ranks = BooleanField(_l("Trainees see their rank among those present"))
    name_privacy = SelectField(_l("Names on the projector"), choices=NAME_PRIVACY, default="masked")
    speed_bonus_points = DecimalField(_l("Speed bonus: extra points for an immediate correct answer (blank: off)"),
                                      places=2, validators=[Optional(), NumberRange(0, 100)])
    speed_bonus_seconds = IntegerField(_l("Speed bonus falls to 0 after this many seconds"),
                                       validators=[Optional(), NumberRange(1, 3600)])
    tab_switch_limit = IntegerField(_l("Submit automatically after this many tab switches (blank: never)"),
                                    validators=[Optional(), NumberRange(1, 100)])
