"""Forms of the nonconformity pages (shape only; services rule)."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from compliance.capa.models import NCSource
from compliance.quality.forms import RISK_CHOICES

# Audit findings, PT results and complaints open their nonconformities from their own pages.
REPORTED_SOURCES = [
    SelectChoice(s.value, s.label.capitalize())
    for s in (NCSource.STAFF, NCSource.OOT, NCSource.REVIEW, NCSource.OTHER)
]


class ReportForm(FlaskForm):
    source = SelectField("Where it was found", choices=REPORTED_SOURCES, default="staff")
    description = TextAreaField("What went wrong", validators=[DataRequired(), Length(max=4000)])
    method_id = SelectField("Method concerned", coerce=int, default=0)
    clause_number = StringField(
        "Clause", validators=[Optional(), Length(max=20)], description="e.g. 7.10 or 6.4.9"
    )
    risk = SelectField("Risk", choices=RISK_CHOICES, default="medium")
    immediate_correction = TextAreaField(
        "What was done at once", validators=[Optional(), Length(max=4000)]
    )


class InvestigationForm(FlaskForm):
    description = TextAreaField("What went wrong", validators=[DataRequired(), Length(max=4000)])
    clause_number = StringField("Clause", validators=[Optional(), Length(max=20)])
    risk = SelectField("Risk", choices=RISK_CHOICES)
    immediate_correction = TextAreaField(
        "Immediate correction (containment, halted work, recalled reports)",
        validators=[Optional(), Length(max=4000)],
    )
    root_cause = TextAreaField("Root cause", validators=[Optional(), Length(max=4000)])
    reason = StringField("Reason for the change", validators=[Optional(), Length(max=500)])


class ActionForm(FlaskForm):
    description = TextAreaField("Corrective action", validators=[DataRequired(), Length(max=4000)])
    owner_id = SelectField("Owner", coerce=int, validators=[DataRequired()])
    due_on = DateField("Due", validators=[DataRequired()])


class CompleteActionForm(FlaskForm):
    note = TextAreaField("What was done", validators=[DataRequired(), Length(max=4000)])
    completed_on = DateField("Done on", validators=[Optional()])


class EffectivenessForm(FlaskForm):
    check = TextAreaField(
        "What was checked, and what it showed", validators=[DataRequired(), Length(max=4000)]
    )
    is_effective = SelectField(
        "Verdict",
        choices=[
            SelectChoice("yes", "Effective: the cause is removed"),
            SelectChoice("no", "Not effective: more action needed"),
        ],
    )
    checked_on = DateField("Checked on", validators=[Optional()])
