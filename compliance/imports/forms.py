"""Upload and confirm forms of the import pages."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp


class ImportUploadForm(FlaskForm):
    file = FileField("Spreadsheet (.csv or .xlsx)", validators=[FileRequired("Choose a file.")])
    date_format = StringField(
        "Date format of text dates",
        validators=[Optional(), Length(max=40)],
        description="Leave empty for YYYY-MM-DD; e.g. %d/%m/%Y. Real date cells always work.",
    )


class ImportConfirmForm(FlaskForm):
    sha256 = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}$")])
    filename = HiddenField(validators=[DataRequired(), Length(max=255)])
    date_format = HiddenField()
