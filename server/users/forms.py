from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length


class UserForm(FlaskForm):
    employee_no = StringField(_l("Employee number"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=64)])
    branch_id = SelectField(_l("Branch"), coerce=int, validate_choice=False)
    role = SelectField(_l("Role"), validate_choice=False)


class RosterUploadForm(FlaskForm):
    file = FileField(_l("Roster file (.xlsx or .csv)"), validators=[FileRequired()])


class RosterCommitForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
