"""What the dashboard shows: each domain contributes cards for the roles it concerns."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_login import current_user
from sqlalchemy import func, select

from compliance.audit.models import AuditEntry
from compliance.extensions import db
from compliance.permissions import Permission
from compliance.users.models import User


@dataclass
class Card:
    title: str
    value: str
    note: str = ""
    href: str | None = None
    tone: str = "secondary"


def cards_for_current_user() -> list[Card]:
    cards: list[Card] = []
    if current_user.can(Permission.USERS_MANAGE) or current_user.can(Permission.AUDIT_VIEW):
        active = db.session.scalar(
            select(func.count()).select_from(User).where(User.is_active.is_(True))
        )
        cards.append(Card("Active accounts", str(active), "people who can sign in"))
    if current_user.can(Permission.AUDIT_VIEW):
        entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
        cards.append(Card("Audit trail", str(entries), "entries recorded", url_for("audit.index")))
    return cards
