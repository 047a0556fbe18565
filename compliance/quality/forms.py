"""Form pieces the quality-system pages share: people, methods and documents to choose from."""

from __future__ import annotations

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from compliance.capa.models import RiskLevel
from compliance.documents.models import Document
from compliance.extensions import db
from compliance.scope.models import Method, MethodStatus
from compliance.users.models import User

NONE = 0  # the "— none —" choice of an optional select
RISK_CHOICES = [SelectChoice(r.value, r.value) for r in RiskLevel]


def user_choices(*, optional: bool = False) -> list[tuple[int, str]]:
    users = db.session.scalars(
        select(User).where(User.is_active.is_(True)).order_by(User.name)
    ).all()
    choices = [(u.id, f"{u.name} ({u.email})") for u in users]
    return [(NONE, "— none —"), *choices] if optional else choices


def method_choices(*, optional: bool = False) -> list[tuple[int, str]]:
    methods = db.session.execute(
        select(Method.id, Method.code, Method.title)
        .where(Method.status != MethodStatus.WITHDRAWN.value)
        .order_by(Method.code)
    )
    choices = [(id_, f"{code} · {title}") for id_, code, title in methods]
    return [(NONE, "— none —"), *choices] if optional else choices


def document_choices() -> list[tuple[int, str]]:
    documents = db.session.scalars(select(Document).order_by(Document.number)).all()
    return [(NONE, "— none —"), *((d.id, f"{d.number} · {d.title}") for d in documents)]


def chosen(model, value):
    """The row a select chose, or None for the "— none —" choice."""
    return db.session.get(model, value) if value else None


class SignatureForm(FlaskForm):
    password = PasswordField(
        "Your password (signs as you)", validators=[DataRequired("Re-enter your password to sign.")]
    )
    comment = TextAreaField("Comment", validators=[Optional(), Length(max=2000)])


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])


class RiskLevelForm(FlaskForm):
    risk = SelectField("Risk", choices=RISK_CHOICES, default=RiskLevel.MEDIUM.value)
