"""Forms for personal access tokens (shape only; compliance.api.tokens rules)."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from compliance.api.tokens import EXPIRY_DAYS
from compliance.users.forms import MultiCheckboxField

EXPIRY_CHOICES = [SelectChoice(str(d), f"{d} days") for d in EXPIRY_DAYS] + [
    SelectChoice("never", "No expiry")
]


class CreateTokenForm(FlaskForm):
    name = StringField(
        "Token name",
        validators=[DataRequired("Name the token."), Length(max=100)],
        description="What it is for, e.g. 'Monthly KPI export'.",
    )
    roles = MultiCheckboxField(
        "Acts with these of your roles",
        validators=[DataRequired("Choose at least one role.")],
    )
    expires = SelectField("Expires after", choices=EXPIRY_CHOICES, default="90")


class RevokeForm(FlaskForm):
    pass
