"""Loads the demo lab into an empty database, domain by domain."""

from __future__ import annotations

import datetime as dt

from compliance.db import utcnow
from compliance.demo.lab import DEMO_PASSWORD, PEOPLE
from compliance.users import services as user_services


class DemoError(RuntimeError):
    pass


def load_people(now: dt.datetime) -> dict[str, object]:
    accounts = {}
    for person in PEOPLE:
        window = {}
        if "auditor" in person.roles:
            # An assessor's window brackets the planned visit; the internal auditor's is the year.
            window = {
                "access_valid_from": now - dt.timedelta(days=1),
                "access_valid_until": now
                + dt.timedelta(days=30 if "staff" not in person.roles else 365),
            }
        accounts[person.employee_id] = user_services.create_user(
            email=person.email,
            name=person.name,
            roles=person.roles,
            password=DEMO_PASSWORD,
            reason="demo lab",
            **window,
        )
    return accounts


def load_demo() -> str:
    """Fill an empty database with the demo lab; raises DemoError if it is not empty."""
    if user_services.user_count():
        raise DemoError(
            "The database already has users; the demo lab loads only into an empty one."
        )
    now = utcnow()
    accounts = load_people(now)
    from compliance.dates import lab_today
    from compliance.demo.documents import load_documents

    documents = load_documents(accounts, lab_today())
    # Personnel after the documents: procedures are training items on their revisions.
    from compliance.demo.personnel import load_personnel

    personnel = load_personnel(accounts, lab_today())
    from compliance.demo.equipment import load_equipment

    equipment = load_equipment(accounts, lab_today())
    # The scope and quality records last: they link procedures and name people and methods.
    from compliance.demo.quality import load_quality

    quality = load_quality(accounts, lab_today())
    return (
        f"demo lab loaded: {len(accounts)} accounts (password {DEMO_PASSWORD!r}); {documents}; "
        f"{personnel}; {equipment}; {quality}"
    )
