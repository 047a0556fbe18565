"""How an evidence source declares the clauses it can yield.

A source whose clauses are fixed (calibrations: 6.4.7 and 6.5.1) is marked with them, so that
"is this clause covered?" stops reading at its first record, and a clause page skips the
sources that cannot concern it. Unmarked sources (documents, audits, risks: their clauses come
from the data) are always read in full, unless they name a query that answers "which clauses
do you cover?" without building every record (`covered_by`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)

# Rows fetched at a time by the sources that stream (tens of thousands of records), so that a
# reader stopping early pays for one batch.
STREAM_BATCH = 500


def yields(*clauses: str) -> Callable[[F], F]:
    def mark(source: F) -> F:
        source.clauses = frozenset(clauses)
        return source

    return mark


def declared_clauses(source: Callable) -> frozenset[str] | None:
    return getattr(source, "clauses", None)


def covered_by(query: Callable[[dt.date], set[str]]) -> Callable[[F], F]:
    """Mark a source with `query`: the clauses it holds a record on as of a date (the same
    answer as reading each record's clause, in one set-based query)."""

    def mark(source: F) -> F:
        source.covered_clauses = query
        return source

    return mark


def covered_clauses_query(source: Callable) -> Callable[[dt.date], set[str]] | None:
    return getattr(source, "covered_clauses", None)
