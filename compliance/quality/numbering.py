"""Reference numbers people quote: NC-2026-004, IA-2026-01, CMP-2026-002 ..."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from compliance.extensions import db


def next_reference(column, prefix: str, day: dt.date, *, width: int = 3) -> str:
    """The next free `PREFIX-YEAR-NNN` for the year of `day` (the column is unique, so two
    people taking the same number at once fail loudly rather than share it)."""
    stem = f"{prefix}-{day.year}-"
    taken = db.session.scalars(select(column).where(column.like(f"{stem}%"))).all()
    numbers = [int(ref[len(stem) :]) for ref in taken if ref[len(stem) :].isdigit()]
    return f"{stem}{(max(numbers, default=0) + 1):0{width}d}"
