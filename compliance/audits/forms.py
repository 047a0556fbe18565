"""Forms of the internal-audit pages (shape only; services rule)."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from compliance.audits.models import FindingKind
from compliance.quality.forms import RISK_CHOICES
from compliance.users.forms import MultiCheckboxField


class AuditPlanForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[DataRequired(), Length(max=300)],
        description="e.g. Document control and records",
    )
    planned_on = DateField("Planned date", validators=[DataRequired()])
    auditor_id = SelectField("Auditor", coerce=int, validators=[DataRequired()])
    auditee_id = SelectField("Auditee (answers for the area)", coerce=int, default=0)
    clauses = StringField(
        "Clauses covered",
        validators=[DataRequired(), Length(max=500)],
        description="Space-separated, e.g. 7.2 7.7 8.3",
    )
    method_ids = MultiCheckboxField("Methods covered", coerce=int)
    reason = StringField("Reason for the change", validators=[Optional(), Length(max=500)])


class FindingForm(FlaskForm):
    kind = SelectField("Kind", choices=[SelectChoice(k.value, k.label) for k in FindingKind])
    clause_number = StringField("Clause", validators=[DataRequired(), Length(max=20)])
    description = TextAreaField("Finding", validators=[DataRequired(), Length(max=4000)])
    evidence = TextAreaField("Objective evidence", validators=[Optional(), Length(max=4000)])


class CompleteForm(FlaskForm):
    performed_on = DateField("Audit performed on", validators=[DataRequired()])
    summary = TextAreaField("Conclusion", validators=[DataRequired(), Length(max=4000)])


class RaiseForm(FlaskForm):
    risk = SelectField("Risk", choices=RISK_CHOICES, default="medium")
