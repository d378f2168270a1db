from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length


class BranchForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Level"), validate_choice=False)
    parent_id = SelectField(_l("Parent"), coerce=int, validate_choice=False)


class RenameBranchForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])


class MoveBranchForm(FlaskForm):
    parent_id = SelectField(_l("New parent"), coerce=int, validate_choice=False)
