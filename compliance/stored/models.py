"""A version per table, bumped by every committed write; and the stored results keyed on them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Date, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from compliance.db import utcnow
from compliance.extensions import db

# Bookkeeping derived from the lab's data, rebuilt on demand: not part of a backup.
DERIVED_TABLES = frozenset({"data_versions", "stored_results"})


class DataVersion(db.Model):
    """How many committed transactions have changed a table's rows ("documents") or a column's
    values ("documents.title"); see versions.bump."""

    __tablename__ = "data_versions"

    table_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class StoredResult(db.Model):
    """One computed result; valid while every key in `tables` still has the version noted."""

    __tablename__ = "stored_results"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of name + inputs
    name: Mapped[str] = mapped_column(String(100))
    made_on: Mapped[dt.date] = mapped_column(Date)  # the lab's day: older entries are pruned
    tables: Mapped[dict] = mapped_column(JSON)  # {table or table.column: version when read}
    payload: Mapped[str] = mapped_column(Text)  # JSON
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    compute_ms: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (Index("ix_stored_results_made_on", "made_on"),)
