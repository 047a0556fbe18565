"""The complaint log (7.9): received, investigated, resolved with the outcome sent back."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from compliance.capa.models import Nonconformity
from compliance.db import utcnow
from compliance.extensions import db
from compliance.scope.models import Method
from compliance.users.models import User


class ComplaintStatus(enum.StrEnum):
    RECEIVED = "received"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"  # outcome decided and communicated to the complainant


class Complaint(db.Model):
    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # CMP-2026-003
    received_on: Mapped[dt.date] = mapped_column(Date)
    complainant: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(254), default="")
    description: Mapped[str] = mapped_column(Text)
    method_id: Mapped[int | None] = mapped_column(ForeignKey("methods.id"))
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(15), default=ComplaintStatus.RECEIVED.value)
    investigation: Mapped[str] = mapped_column(Text, default="")
    # Upheld: the complaint was justified (it concerned our work and we got it wrong).
    is_upheld: Mapped[bool | None]
    outcome: Mapped[str | None] = mapped_column(Text)
    outcome_communicated_on: Mapped[dt.date | None] = mapped_column(Date)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    nonconformity_id: Mapped[int | None] = mapped_column(ForeignKey("nonconformities.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    method: Mapped[Method | None] = relationship(lazy="joined")
    received_by: Mapped[User | None] = relationship(foreign_keys=[received_by_id], lazy="joined")
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id], lazy="joined")
    nonconformity: Mapped[Nonconformity | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("status IN ('received', 'investigating', 'resolved')", name="status_known"),
        CheckConstraint(
            "status <> 'resolved' OR (outcome IS NOT NULL AND outcome_communicated_on IS NOT NULL)",
            name="resolved_with_outcome",
        ),
    )

    @property
    def is_resolved(self) -> bool:
        return self.status == ComplaintStatus.RESOLVED.value
