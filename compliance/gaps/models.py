"""Findings a quality manager accepted as not applicable, and daily snapshots for trends."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from compliance.db import utcnow
from compliance.extensions import db
from compliance.users.models import User


class FindingAcceptance(db.Model):
    """ "Not applicable, because ..." for one finding; revoked rather than deleted."""

    __tablename__ = "finding_acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    ident: Mapped[str] = mapped_column(String(400))  # Finding.ident
    rule: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    accepted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]

    accepted_by: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (Index("ix_finding_acceptances_ident", "ident"),)


class GapSnapshot(db.Model):
    """What the engine found on a day (as of that day), so "what changed since last week" is
    an honest comparison with what was really there, not a re-evaluation of today's data."""

    __tablename__ = "gap_snapshots"

    taken_on: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    findings: Mapped[dict] = mapped_column(JSON)  # {ident: [severity, rule, message]}
    taken_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
