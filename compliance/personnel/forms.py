"""Forms for staff records, training, competence and authorizations (shape only; services rule)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from compliance.personnel.models import TRAINING_METHODS, Result
from compliance.users.forms import MultiCheckboxField

TRAINING_METHOD_CHOICES = [SelectChoice("", "—"), *[SelectChoice(m, m) for m in TRAINING_METHODS]]
RESULT_CHOICES = [SelectChoice(r.value, r.label) for r in Result]
EVIDENCE_HELP = "Optional: a PDF, PNG or JPEG (certificate, attendance sheet, signed form)."


class PersonForm(FlaskForm):
    employee_id = StringField("Employee id", validators=[DataRequired(), Length(max=40)])
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        "E-mail",
        validators=[Optional(), Length(max=254)],
        description="Links the record to the login with this e-mail, if there is one.",
    )
    hired_on = DateField("Hired on", validators=[Optional()])
    job_roles = MultiCheckboxField("Job roles", coerce=int)
    version = HiddenField()
    reason = StringField("Reason for the change", validators=[Optional(), Length(max=500)])


class LeavingForm(FlaskForm):
    left_on = DateField(
        "Leaves on",
        validators=[DataRequired("Give the leaving date.")],
        description="From this date the person no longer counts; a future date plans it.",
    )
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])


class JobRoleForm(FlaskForm):
    name = StringField("Job role", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])


class CourseForm(FlaskForm):
    code = StringField("Course code", validators=[DataRequired(), Length(max=40)])
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    retrain_interval_months = IntegerField(
        "Retrain every (months)",
        validators=[Optional(), NumberRange(1, 240)],
        description="Leave empty for training that does not expire.",
    )


class ItemForm(FlaskForm):
    title = StringField("Title (courses)", validators=[Optional(), Length(max=300)])
    retrain_interval_months = IntegerField(
        "Retrain every (months)", validators=[Optional(), NumberRange(1, 240)]
    )
    reason = StringField("Reason for the change", validators=[Optional(), Length(max=500)])


class RequirementForm(FlaskForm):
    item = SelectField(
        "Required training",
        validators=[DataRequired()],
        description="A course, or a controlled document (training on its current revision).",
    )


class TrainingForm(FlaskForm):
    item_id = SelectField("Training item", coerce=int, validators=[DataRequired()])
    completed_on = DateField("Completed on", validators=[DataRequired()])
    trainer = StringField("Trainer", validators=[Optional(), Length(max=200)])
    training_method = SelectField("Method of training", choices=TRAINING_METHOD_CHOICES, default="")
    expires_on = DateField(
        "Expires on",
        validators=[Optional()],
        description="Leave empty to take it from the item's retraining interval.",
    )
    evidence = FileField("Evidence", description=EVIDENCE_HELP)
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=4000)])


class CorrectionForm(TrainingForm):
    reason = TextAreaField(
        "Why is the record corrected?", validators=[DataRequired(), Length(max=2000)]
    )


class CompetenceForm(FlaskForm):
    method_id = SelectField("Test method", coerce=int, validators=[DataRequired()])
    assessed_on = DateField("Assessed on", validators=[DataRequired()])
    assessor = StringField("Assessor", validators=[DataRequired(), Length(max=200)])
    result = SelectField("Result", choices=RESULT_CHOICES, validators=[DataRequired()])
    next_due_on = DateField(
        "Next assessment due",
        validators=[Optional()],
        description="Leave empty for 12 months after a competent result.",
    )
    supervisor = StringField(
        "Supervised by (while not yet competent)", validators=[Optional(), Length(max=200)]
    )
    evidence = FileField("Evidence", description=EVIDENCE_HELP)
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=4000)])


class AuthorizationForm(FlaskForm):
    method_id = SelectField("Test method", coerce=int, validators=[DataRequired()])
    authorized_on = DateField("Authorized from", validators=[DataRequired()])
    expires_on = DateField("Until (optional)", validators=[Optional()])
    override_reason = TextAreaField(
        "Override reason",
        validators=[Optional(), Length(max=2000)],
        description="Only if you authorize although a requirement is not met; it is signed and "
        "kept in the audit trail.",
    )
    password = PasswordField(
        "Your password (signs as you)", validators=[DataRequired("Re-enter your password to sign.")]
    )


class ReinstateForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])
    override_reason = TextAreaField("Override reason", validators=[Optional(), Length(max=2000)])
    password = PasswordField(
        "Your password (signs as you)", validators=[DataRequired("Re-enter your password to sign.")]
    )
