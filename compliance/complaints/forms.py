"""Forms of the complaint pages (shape only; services rule)."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional


class ComplaintForm(FlaskForm):
    received_on = DateField("Received on", validators=[DataRequired()])
    complainant = StringField(
        "Complainant",
        validators=[DataRequired(), Length(max=200)],
        description="Customer or organisation, and the person",
    )
    contact = StringField("Contact", validators=[Optional(), Length(max=254)])
    method_id = SelectField("Method concerned", coerce=int, default=0)
    description = TextAreaField("The complaint", validators=[DataRequired(), Length(max=4000)])


class InvestigationForm(FlaskForm):
    investigation = TextAreaField(
        "What was looked at, and what it showed", validators=[DataRequired(), Length(max=4000)]
    )


class ResolveForm(FlaskForm):
    is_upheld = SelectField(
        "Verdict",
        choices=[
            SelectChoice("yes", "Upheld: the complaint was justified"),
            SelectChoice("no", "Not upheld"),
        ],
    )
    outcome = TextAreaField(
        "Outcome given to the complainant", validators=[DataRequired(), Length(max=4000)]
    )
    communicated_on = DateField("Communicated on", validators=[DataRequired()])
