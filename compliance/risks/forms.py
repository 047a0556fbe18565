"""Forms of the risk register (shape only; services rule)."""

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from compliance.risks.models import RiskCategory, RiskKind


class RiskForm(FlaskForm):
    kind = SelectField("Kind", choices=[SelectChoice(k.value, k.value) for k in RiskKind])
    category = SelectField(
        "Category", choices=[SelectChoice(c.value, c.label) for c in RiskCategory]
    )
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(
        "Description (source, who or what is affected)", validators=[Optional(), Length(max=4000)]
    )
    likelihood = IntegerField(
        "Likelihood (1 rare … 5 almost certain)",
        default=3,
        validators=[DataRequired(), NumberRange(1, 5)],
    )
    impact = IntegerField(
        "Impact (1 negligible … 5 severe)",
        default=3,
        validators=[DataRequired(), NumberRange(1, 5)],
    )
    treatment = TextAreaField(
        "Treatment (actions taken or planned)", validators=[Optional(), Length(max=4000)]
    )
    owner_id = SelectField("Owner", coerce=int, validators=[DataRequired()])
    clauses = StringField(
        "Clauses",
        validators=[Optional(), Length(max=500)],
        description="Besides 8.5 (always) and 4.1 (impartiality), e.g. 6.2 7.7",
    )
    next_review_on = DateField("Next review", validators=[Optional()])
    reason = StringField("Reason for the change", validators=[Optional(), Length(max=500)])
