"""Forms of the management review pages (shape only; services rule)."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional


class CreateReviewForm(FlaskForm):
    held_on = DateField("Meeting date", validators=[DataRequired()])
    attendees = TextAreaField(
        "Attendees", validators=[Optional(), Length(max=4000)], description="One per line."
    )


class InputForm(Form):
    key = HiddenField()
    is_covered = BooleanField("Covered")
    notes = TextAreaField("Discussion", validators=[Optional(), Length(max=4000)])


class MinutesForm(FlaskForm):
    held_on = DateField("Meeting date", validators=[DataRequired()])
    attendees = TextAreaField(
        "Attendees", validators=[Optional(), Length(max=4000)], description="One per line."
    )
    inputs = FieldList(FormField(InputForm), min_entries=0)
    decisions = TextAreaField(
        "Decisions (effectiveness, improvements, resources, changes needed)",
        validators=[Optional(), Length(max=20000)],
    )


class ReviewActionForm(FlaskForm):
    description = TextAreaField("Action", validators=[DataRequired(), Length(max=4000)])
    owner_id = SelectField("Owner", coerce=int, validators=[DataRequired()])
    due_on = DateField("Due", validators=[DataRequired()])
