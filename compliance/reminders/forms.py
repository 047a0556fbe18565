"""The digest preference form (shape only; the service checks the values)."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from compliance.reminders.models import WEEKDAYS, Frequency

FREQUENCY_CHOICES = [
    SelectChoice(Frequency.DAILY.value, "Daily: one e-mail on each day I have something to do"),
    SelectChoice(Frequency.WEEKLY.value, "Weekly: one e-mail a week"),
]


class PreferenceForm(FlaskForm):
    frequency = RadioField(
        "How often", choices=FREQUENCY_CHOICES, validators=[InputRequired("Choose one.")]
    )
    weekday = SelectField(
        "Day for weekly digests",
        coerce=int,
        choices=[SelectChoice(i, day) for i, day in enumerate(WEEKDAYS)],
        default=0,
    )
