"""Admin forms for accounts."""

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from compliance.permissions import Role

ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class _AccountFields(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    roles = MultiCheckboxField(
        "Roles", choices=ROLE_CHOICES, validators=[DataRequired("Choose at least one role.")]
    )
    access_valid_from = DateTimeLocalField(
        "Access from (UTC)", format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    access_valid_until = DateTimeLocalField(
        "Access until (UTC)", format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )


class CreateUserForm(_AccountFields):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        "Initial password",
        validators=[
            DataRequired(),
            Length(min=12, max=1024, message="Password must be at least 12 characters long."),
        ],
        description="The user must change it at first sign-in.",
    )


class EditUserForm(_AccountFields):
    version = HiddenField()
    reason = StringField("Reason for the change", validators=[Optional(), Length(max=500)])


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=500)])
