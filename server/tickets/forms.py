from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class TicketForm(FlaskForm):
    # "employee_no": the login throttling (server.auth.limits) counts failures by this field.
    employee_no = StringField(_l("Employee number"), validators=[DataRequired(), Length(max=32)])
    code = StringField(_l("Exam ticket code"), validators=[DataRequired(), Length(max=40)])
