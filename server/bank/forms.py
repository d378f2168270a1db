from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

FORMAT_CHOICES = [SelectChoice("auto", _l("Detect automatically")),
                  SelectChoice("text", _l("Exam document (text)")), SelectChoice("gift", "GIFT"),
                  SelectChoice("aiken", "Aiken"), SelectChoice("xlsx", "Excel (.xlsx)"),
                  SelectChoice("csv", "CSV")]


class BankForm(FlaskForm):
    name = StringField(_l("Bank name"), validators=[DataRequired(), Length(max=100)])
    branch_id = SelectField(_l("Owner branch"), coerce=int, validate_choice=False)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])


class ImportUploadForm(FlaskForm):
    file = FileField(_l("Question file"), validators=[FileRequired()])
    format = SelectField(_l("Format"), choices=FORMAT_CHOICES, default="auto")


class ImportCommitForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    format = HiddenField()
    bank_id = SelectField(_l("Import into"), coerce=int, validate_choice=False)
    new_bank_name = StringField(_l("or a new bank named"), validators=[Optional(), Length(max=100)])
    accept_errors = BooleanField(_l("Import the readable questions and leave out those listed above"))


class QuestionForm(FlaskForm):
    type = SelectField(_l("Type"), choices=[SelectChoice("judge", _l("True/false")),
                                             SelectChoice("single", _l("Single choice")),
                                             SelectChoice("multi", _l("Multiple choice"))])
    stem = TextAreaField(_l("Question"), validators=[DataRequired(), Length(max=5000)])
    option_a = StringField("A")
    option_b = StringField("B")
    option_c = StringField("C")
    option_d = StringField("D")
    option_e = StringField("E")
    option_f = StringField("F")
    answer = StringField(_l("Answer (对/错, or letters such as ACD)"), validators=[DataRequired()])
    explanation = TextAreaField(_l("Explanation"), validators=[Optional(), Length(max=5000)])
    tags = StringField(_l("Tags (separated by commas)"), validators=[Optional(), Length(max=500)])
