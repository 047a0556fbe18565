"""Who gets a digest: people with a login now; staff without one once personnel provides them.

A recipient source is a function of the as-of date returning Recipients. Sources are merged by
e-mail address, so someone found by two sources (a login and a staff record) gets one digest
with both `user` and `person` set. Personnel plugs in people without a login with:

    @recipient_source("staff_without_login")
    def staff_without_login(as_of): ...  # Recipient(email=person.email, name=..., person=person)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from compliance.db import utcnow
from compliance.extensions import db
from compliance.users.models import User


@dataclass
class Recipient:
    email: str
    name: str
    user: User | None = None  # their login, when they have one
    person: Any = None  # their staff record, once personnel provides one

    @property
    def key(self) -> str:
        return self.email.strip().lower()


RecipientSource = Callable[[dt.date], Iterable[Recipient]]
RECIPIENT_SOURCES: dict[str, RecipientSource] = {}


def recipient_source(name: str):
    def register(function: RecipientSource) -> RecipientSource:
        RECIPIENT_SOURCES[name] = function
        return function

    return register


@recipient_source("users")
def users_with_login(as_of: dt.date) -> Iterable[Recipient]:
    """Active accounts inside their access window."""
    now = utcnow()
    for user in db.session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.id)):
        if user.within_access_window(now):
            yield Recipient(email=user.email, name=user.name, user=user)


def recipients(as_of: dt.date) -> list[Recipient]:
    merged: dict[str, Recipient] = {}
    for source in RECIPIENT_SOURCES.values():
        for found in source(as_of):
            if not found.email:
                continue
            known = merged.setdefault(found.key, found)
            if known is not found:
                known.user = known.user or found.user
                known.person = known.person if known.person is not None else found.person
    return sorted(merged.values(), key=lambda r: r.key)
