"""The clause catalogue in the database, and evidence linked to clauses by hand."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from compliance.db import utcnow
from compliance.extensions import db
from compliance.users.models import User


class Clause(db.Model):
    """One numbered clause (or lettered item) of a standard; summaries are in our own words."""

    __tablename__ = "clauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    standard: Mapped[str] = mapped_column(String(40))  # "ISO17025", "ANAB-AR2250"
    number: Mapped[str] = mapped_column(String(30))
    parent_number: Mapped[str | None] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    aliases_2005: Mapped[str] = mapped_column(String(120), default="")  # space-separated
    evidence_hint: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int]  # document order

    __table_args__ = (UniqueConstraint("standard", "number"),)

    @property
    def depth(self) -> int:
        return self.number.count(".") + (1 if " " in self.number else 0)


class ClauseLink(db.Model):
    """Evidence linked to a clause by hand, with a note; retired, never deleted."""

    __tablename__ = "clause_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"))
    record_type: Mapped[str] = mapped_column(String(40))  # "document", "equipment", "url", ...
    record_key: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    linked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    linked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[dt.datetime | None]
    retired_reason: Mapped[str | None] = mapped_column(Text)

    clause: Mapped[Clause] = relationship(lazy="joined")
    linked_by: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (Index("ix_clause_links_clause_id", "clause_id"),)
