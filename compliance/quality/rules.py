"""Checks every quality-system record shares: the refusal type, clause numbers, plain text."""

from __future__ import annotations

import re

from compliance.clauses.catalogue_iso17025 import BY_NUMBER as CLAUSES


class QualityError(ValueError):
    """A refused action on a quality-system record; the message names the rule."""


def clean_text(value: str | None, what: str, *, required: bool = True, limit: int = 4000) -> str:
    text = (value or "").strip()
    if required and not text:
        raise QualityError(f"{what} is required.")
    if len(text) > limit:
        raise QualityError(f"{what} is {len(text)} characters long; the limit is {limit}.")
    return text


def clean_clauses(numbers, *, required: bool = False) -> list[str]:
    """ISO/IEC 17025:2017 clause numbers, de-duplicated and in document order."""
    if isinstance(numbers, str):
        numbers = re.split(r"[\s,;]+", numbers)
    cleaned = {" ".join(str(n).split()) for n in numbers if str(n).strip()}
    unknown = sorted(n for n in cleaned if n not in CLAUSES)
    if unknown:
        raise QualityError(
            f"Unknown ISO/IEC 17025:2017 clause(s): {', '.join(unknown)}. Use numbers like 8.7."
        )
    if required and not cleaned:
        raise QualityError("Name at least one clause, e.g. 8.7.")
    return sorted(cleaned, key=clause_key)


def clean_clause(number: str | None, *, required: bool = False) -> str:
    found = clean_clauses([number or ""], required=required)
    return found[0] if found else ""


def clause_key(number: str) -> list:
    head, _, letter = number.partition(" ")
    return [int(p) if p.isdigit() else p for p in head.split(".")] + [letter]


def covers(audited: str, clause: str) -> bool:
    """An audit (or record) of `audited` speaks for `clause` when one contains the other:
    8.3 covers 8.3.2, and 8.3.2 is part of 8.3."""
    a, c = audited.split(" ")[0], clause.split(" ")[0]
    return a == c or c.startswith(a + ".") or a.startswith(c + ".")


def auditable_clauses() -> list[str]:
    """The requirement clauses an audit programme must cover: 4.1 ... 8.9 (the x.y level)."""
    from compliance.clauses.catalogue_iso17025 import CLAUSES as ROWS
    from compliance.clauses.catalogue_iso17025 import NON_REQUIREMENT_NUMBERS

    return [
        row.number
        for row in ROWS
        if row.number not in NON_REQUIREMENT_NUMBERS
        and row.number.count(".") == 1
        and " " not in row.number
    ]
