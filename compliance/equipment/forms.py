"""Forms of the equipment pages (shape only: the services hold the rules)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from compliance.equipment.models import (
    CheckResult,
    EquipmentStatus,
    MaintenanceKind,
    ProviderStatus,
    Tolerance,
)
from compliance.users.forms import MultiCheckboxField

STATUS_CHOICES = [SelectChoice(s.value, s.label) for s in EquipmentStatus]
AS_FOUND_CHOICES = [SelectChoice(t.value, t.label) for t in (Tolerance.IN, Tolerance.OUT)]
AS_LEFT_CHOICES = [SelectChoice(t.value, t.label) for t in Tolerance]
IN_HOUSE_CHOICE = 0


class EquipmentForm(FlaskForm):
    asset_id = StringField(
        "Asset id",
        validators=[DataRequired(), Length(max=40)],
        description="The number on the item's label, e.g. EQ-XRF-01.",
    )
    description = StringField("Description", validators=[DataRequired(), Length(max=300)])
    equipment_type = StringField(
        "Type", validators=[Optional(), Length(max=120)], description="e.g. XRF analyser"
    )
    manufacturer = StringField("Manufacturer", validators=[Optional(), Length(max=120)])
    model = StringField("Model", validators=[Optional(), Length(max=120)])
    serial_number = StringField("Serial number", validators=[Optional(), Length(max=120)])
    firmware_version = StringField(
        "Firmware / software version", validators=[Optional(), Length(max=120)]
    )
    location = StringField("Location", validators=[Optional(), Length(max=120)])
    custodian_id = SelectField("Custodian", coerce=int)
    status = SelectField("Status", choices=STATUS_CHOICES)
    calibration_required = BooleanField("Needs calibration", default=True)
    calibration_interval_months = IntegerField(
        "Calibration interval (months)", validators=[Optional(), NumberRange(1, 120)]
    )
    check_interval_months = IntegerField(
        "Intermediate check interval (months)", validators=[Optional(), NumberRange(1, 120)]
    )
    methods = MultiCheckboxField("Methods it serves", coerce=int)
    acceptance_criteria = TextAreaField(
        "Acceptance criteria",
        validators=[Optional(), Length(max=4000)],
        description="What a calibration or check must show for the item to be fit for use.",
    )
    version = HiddenField()
    reason = StringField("Reason for the change", validators=[Optional(), Length(max=500)])


class StatusForm(FlaskForm):
    status = SelectField("New status", choices=STATUS_CHOICES)
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])


class CalibrationForm(FlaskForm):
    calibrated_on = DateField("Calibrated on", validators=[DataRequired()])
    provider_id = SelectField(
        "Calibrated by", coerce=int, description="An approved provider, or in-house."
    )
    procedure = StringField(
        "In-house procedure",
        validators=[Optional(), Length(max=300)],
        description="For an in-house calibration: the procedure followed, e.g. QP-6.4-03.",
    )
    certificate_number = StringField("Certificate number", validators=[Optional(), Length(max=120)])
    certificate = FileField("Certificate (PDF, PNG or JPEG)")
    as_found = SelectField("As found", choices=AS_FOUND_CHOICES)
    as_left = SelectField("As left", choices=AS_LEFT_CHOICES)
    uncertainty = TextAreaField(
        "Measurement uncertainty", validators=[Optional(), Length(max=2000)]
    )
    traceability = TextAreaField(
        "Traceability",
        validators=[Optional(), Length(max=2000)],
        description="The chain to SI units, e.g. reference standards and their certificates.",
    )
    stated_due_on = DateField(
        "Due date stated on the certificate",
        validators=[Optional()],
        description="Leave empty to use the item's calibration interval.",
    )
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=4000)])


class CorrectionForm(CalibrationForm):
    reason = TextAreaField(
        "Why the record is corrected", validators=[DataRequired(), Length(max=2000)]
    )


class CheckForm(FlaskForm):
    performed_on = DateField("Checked on", validators=[DataRequired()])
    result = SelectField("Result", choices=[SelectChoice(r.value, r.label) for r in CheckResult])
    reference = StringField(
        "Against what reference",
        validators=[DataRequired(), Length(max=300)],
        description="e.g. check weight set CW-02, reference sample RS-XRF-7",
    )
    details = TextAreaField("Readings and notes", validators=[Optional(), Length(max=4000)])


class MaintenanceForm(FlaskForm):
    kind = SelectField("Kind", choices=[SelectChoice(k.value, k.label) for k in MaintenanceKind])
    performed_on = DateField("Date", validators=[DataRequired()])
    description = TextAreaField(
        "What was done or found", validators=[DataRequired(), Length(max=4000)]
    )
    performed_by = StringField(
        "Done by", validators=[Optional(), Length(max=200)], description="A person or a company"
    )


class ProviderForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    accreditation_body = StringField(
        "Accreditation body", validators=[Optional(), Length(max=120)], description="e.g. ANAB"
    )
    accreditation_number = StringField(
        "Accreditation number", validators=[Optional(), Length(max=80)]
    )
    accreditation_expires_on = DateField("Accreditation expires on", validators=[Optional()])
    scope = TextAreaField("Scope of accreditation", validators=[Optional(), Length(max=4000)])
    status = SelectField("Status", choices=[SelectChoice(s.value, s.label) for s in ProviderStatus])
    evaluated_on = DateField("Last evaluated on", validators=[Optional()])
    evaluation_notes = TextAreaField("Evaluation notes", validators=[Optional(), Length(max=4000)])
    version = HiddenField()
    reason = StringField("Reason for the change", validators=[Optional(), Length(max=500)])


class AssessmentForm(FlaskForm):
    assessor_id = SelectField("Assessor", coerce=int)
    period_start = DateField(
        "Affected period starts",
        validators=[Optional()],
        description="The last calibration that left the item in tolerance.",
    )
    methods = MultiCheckboxField("Methods affected", coerce=int)
    conclusion = TextAreaField(
        "Conclusion",
        validators=[Optional(), Length(max=8000)],
        description="Which results, reports or customers were affected, and how you know.",
    )
    actions = TextAreaField(
        "Actions",
        validators=[Optional(), Length(max=8000)],
        description="Recalls, re-tests, customer notifications, or why none are needed.",
    )
    version = HiddenField()


class CloseAssessmentForm(FlaskForm):
    password = PasswordField(
        "Your password (signs as you)", validators=[DataRequired("Re-enter your password to sign.")]
    )
    comment = TextAreaField("Comment", validators=[Optional(), Length(max=2000)])


class DueSoonForm(FlaskForm):
    days = IntegerField("Due-soon window (days)", validators=[DataRequired(), NumberRange(1, 365)])
