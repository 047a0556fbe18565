"""Forms of the PT pages (shape only; services rule)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, FloatField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from compliance.proficiency.models import PTResult


class PTEventForm(FlaskForm):
    method_id = SelectField("Method", coerce=int, validators=[DataRequired()])
    provider = StringField("Provider", validators=[DataRequired(), Length(max=200)])
    scheme = StringField("Scheme", validators=[Optional(), Length(max=200)])
    round = StringField("Round", validators=[DataRequired(), Length(max=60)])
    performed_on = DateField("Date (results issued)", validators=[DataRequired()])
    result = SelectField(
        "Result",
        choices=[
            SelectChoice("", "from the z-score"),
            *(SelectChoice(r.value, r.value) for r in PTResult),
        ],
        validators=[Optional()],
        description="Leave on 'from the z-score' to grade |z| ≤ 2, < 3, ≥ 3.",
    )
    z_score = FloatField("z-score", validators=[Optional(), NumberRange(-1000, 1000)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=4000)])
    report = FileField("Provider's report (PDF, PNG or JPEG)")


class IntervalForm(FlaskForm):
    pt_interval_months = IntegerField(
        "Interval (months)", validators=[Optional(), NumberRange(1, 120)]
    )
    reason = StringField("Reason", validators=[Optional(), Length(max=500)])
