"""Forms for the register, uploads, signatures and reading tasks (shape only; services rule)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
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

from compliance.documents.models import DocumentType
from compliance.permissions import Role
from compliance.users.forms import MultiCheckboxField

TYPE_CHOICES = [SelectChoice(t.value, t.label) for t in DocumentType]
AUDIENCE_CHOICES = [SelectChoice(f"role:{r.value}", f"Everyone with role: {r.label}") for r in Role]


class DocumentForm(FlaskForm):
    number = StringField(
        "Document number",
        validators=[DataRequired(), Length(max=40)],
        description="The lab's own scheme, e.g. QP-8.3-01 or TM-AS6171-2.",
    )
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    doc_type = SelectField("Type", choices=TYPE_CHOICES, validators=[DataRequired()])
    owner_id = SelectField("Owner", coerce=int, validators=[DataRequired()])
    review_interval_months = IntegerField(
        "Review interval (months)", default=24, validators=[DataRequired(), NumberRange(1, 120)]
    )
    label_scheme = SelectField(
        "Revision labels",
        choices=[SelectChoice("letters", "A, B, C …"), SelectChoice("numbers", "1, 2, 3 …")],
    )
    clauses = StringField(
        "ISO/IEC 17025 clauses addressed",
        validators=[Optional(), Length(max=500)],
        description="Space-separated clause numbers, e.g. 8.3 8.3.2",
    )
    audiences = MultiCheckboxField("Must be read by", choices=AUDIENCE_CHOICES)
    version = HiddenField()
    reason = StringField("Reason for the change", validators=[Optional(), Length(max=500)])


class RevisionUploadForm(FlaskForm):
    file = FileField("Word document (.docx)", validators=[FileRequired("Choose a .docx file.")])
    change_summary = TextAreaField(
        "What changed and why", validators=[DataRequired(), Length(max=4000)]
    )
    label = StringField(
        "Revision label",
        validators=[Optional(), Length(max=10)],
        description="Leave empty for the next label.",
    )


class ReplaceFileForm(FlaskForm):
    file = FileField("Word document (.docx)", validators=[FileRequired("Choose a .docx file.")])


class SignatureForm(FlaskForm):
    password = PasswordField(
        "Your password (signs as you)", validators=[DataRequired("Re-enter your password to sign.")]
    )
    comment = TextAreaField("Comment", validators=[Optional(), Length(max=2000)])


class ApproveForm(SignatureForm):
    effective_on = DateField(
        "Effective from", validators=[DataRequired("Give the effective date.")]
    )


class CommentForm(FlaskForm):
    comment = TextAreaField("Comments", validators=[DataRequired(), Length(max=4000)])


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])


class ActionForm(FlaskForm):
    """A bare POST (CSRF only), e.g. "send for review"."""
