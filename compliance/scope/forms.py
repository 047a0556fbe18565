"""Forms of the scope pages (shape only; services rule)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from compliance.scope.models import MethodStatus, ValidationKind


class MethodForm(FlaskForm):
    code = StringField(
        "Method code",
        validators=[DataRequired(), Length(max=40)],
        description="As on the scope certificate, e.g. AS6171/2.",
    )
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    technique = StringField("Technique", validators=[Optional(), Length(max=120)])
    items_tested = StringField(
        "Items tested",
        validators=[Optional(), Length(max=300)],
        description="e.g. EEE parts: integrated circuits, discretes, passives",
    )
    procedure_id = SelectField("Governing procedure", coerce=int, default=0)
    pt_interval_months = IntegerField(
        "PT/ILC interval (months)",
        validators=[Optional(), NumberRange(1, 120)],
        description="Leave empty when no PT is planned for the method.",
    )
    in_scope_since = DateField("On the scope since", validators=[Optional()])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=4000)])
    version = HiddenField()
    reason = StringField("Reason for the change", validators=[Optional(), Length(max=500)])


class StatusForm(FlaskForm):
    status = SelectField("Status", choices=[SelectChoice(s.value, s.label) for s in MethodStatus])
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])


class EquipmentRequirementForm(FlaskForm):
    asset_id = StringField(
        "Asset id", validators=[Optional(), Length(max=40)], description="One specific item."
    )
    equipment_type = StringField(
        "or equipment type",
        validators=[Optional(), Length(max=120)],
        description="Any items of this type, e.g. XRF analyser.",
    )
    min_count = IntegerField(
        "Minimum count", default=1, validators=[Optional(), NumberRange(1, 99)]
    )
    note = StringField("Note", validators=[Optional(), Length(max=300)])


class ValidationForm(FlaskForm):
    kind = SelectField("Record", choices=[SelectChoice(k.value, k.label) for k in ValidationKind])
    performed_on = DateField("Performed on", validators=[DataRequired()])
    summary = TextAreaField(
        "What was done and the outcome", validators=[DataRequired(), Length(max=4000)]
    )
    report_document_id = SelectField("Report (controlled document)", coerce=int, default=0)
    file = FileField("Report file (PDF, PNG or JPEG)")
