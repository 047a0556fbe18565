"""Who gets a digest: people with a login, and staff without one at their staff e-mail.

A recipient source is a function of the as-of date returning Recipients. Sources are merged by
e-mail address, so someone found by two sources (a login and a staff record) gets one digest
with both `user` and `person` set. A staff record linked to a login (or sharing its e-mail) is
found at the login's address, whatever e-mail the staff record holds: one digest, not two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from compliance.db import utcnow
from compliance.extensions import db
from compliance.personnel.matrix import person_login
from compliance.personnel.models import Person
from compliance.personnel.services import person_for_user
from compliance.users.models import User


@dataclass
class Recipient:
    email: str
    name: str
    user: User | None = None  # their login, when they have one
    person: Person | None = None  # their staff record, when they have one

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
    for user in db.session.scalars(
        select(User)
        .options(selectinload(User.role_rows))
        .where(User.is_active.is_(True))
        .order_by(User.id)
    ):
        if user.within_access_window(now):
            yield Recipient(email=user.email, name=user.name, user=user)


@recipient_source("staff")
def staff(as_of: dt.date) -> Iterable[Recipient]:
    """Everyone working here on `as_of` (one query): at their login's address when they can sign
    in, so the login and the staff record make one recipient; else, with no login or one that is
    deactivated or outside its access window, at the e-mail on their staff record."""
    now = utcnow()
    rows = db.session.execute(
        select(Person, User)
        .outerjoin(User, person_login())
        .where(Person.active_on_clause(as_of))
        .order_by(Person.id)
    )
    for person, user in rows:
        if user is not None and user.is_active and user.within_access_window(now):
            yield Recipient(email=user.email, name=user.name, user=user, person=person)
        elif person.email:
            yield Recipient(email=person.email, name=person.name, person=person)


def recipient_for(user: User) -> Recipient:
    """A signed-in person as a recipient, with their staff record (for previews)."""
    return Recipient(email=user.email, name=user.name, user=user, person=person_for_user(user))


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
