"""Loading the clause catalogues (plain data modules) into the database, idempotently."""

from __future__ import annotations

from sqlalchemy import select

from compliance.clauses import catalogue_anab, catalogue_iso17025
from compliance.clauses.models import Clause
from compliance.extensions import db

CATALOGUES = (catalogue_iso17025, catalogue_anab)
PRIMARY = catalogue_iso17025.CODE


def catalogue_rows():
    """(standard code, position, ClauseRow) for every clause of every catalogue."""
    for module in CATALOGUES:
        for position, row in enumerate(module.CLAUSES):
            yield module.CODE, position, row


def load_catalogues() -> tuple[int, int]:
    """Insert new clauses and refresh changed titles/summaries; returns (created, updated)."""
    existing = {(c.standard, c.number): c for c in db.session.scalars(select(Clause))}
    created = updated = 0
    for standard, position, row in catalogue_rows():
        values = {
            "parent_number": row.parent,
            "title": row.title,
            "summary": row.summary,
            "aliases_2005": " ".join(row.aliases_2005),
            "evidence_hint": row.evidence_hint,
            "position": position,
        }
        clause = existing.get((standard, row.number))
        if clause is None:
            db.session.add(Clause(standard=standard, number=row.number, **values))
            created += 1
        elif any(getattr(clause, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(clause, key, value)
            updated += 1
    db.session.flush()
    return created, updated


def resolve(number: str) -> str:
    """A 2017 number as given, or the 2017 clause a 2005 number maps to (labs quote both)."""
    number = " ".join(number.split())
    if number in catalogue_iso17025.BY_NUMBER:
        return number
    for row in catalogue_iso17025.CLAUSES:
        if number in row.aliases_2005:
            return row.number
    raise KeyError(number)
