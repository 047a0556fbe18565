"""Forms of the readiness pages."""

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class AcceptFindingForm(FlaskForm):
    ident = HiddenField(validators=[DataRequired(), Length(max=400)])
    rule = HiddenField(validators=[DataRequired(), Length(max=40)])
    reason = TextAreaField("Why it does not apply", validators=[DataRequired(), Length(max=2000)])


class AssessmentDateForm(FlaskForm):
    assessment_on = DateField("Planned assessment date", validators=[DataRequired()])


class LinkEvidenceForm(FlaskForm):
    record_type = StringField(
        "Record type",
        validators=[DataRequired(), Length(max=40)],
        description="e.g. document, equipment, file, minutes",
    )
    record_key = StringField(
        "Record",
        validators=[DataRequired(), Length(max=200)],
        description="Its number or name, e.g. QP-8.3-01",
    )
    note = TextAreaField("Note", validators=[DataRequired(), Length(max=2000)])


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])
