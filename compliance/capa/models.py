"""Nonconformities from any source, their corrective actions, effectiveness check and closure."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from compliance.db import utcnow
from compliance.extensions import db
from compliance.scope.models import Method
from compliance.users.models import User


class NCSource(enum.StrEnum):
    AUDIT = "audit"  # an internal audit finding
    PT = "pt"  # an unsatisfactory proficiency test
    COMPLAINT = "complaint"
    OOT = "oot"  # impact assessment of out-of-tolerance equipment
    STAFF = "staff"  # reported by staff at the bench
    REVIEW = "review"  # a management review decision
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "audit": "internal audit finding",
            "pt": "proficiency test",
            "complaint": "complaint",
            "oot": "out-of-tolerance impact assessment",
            "staff": "staff report",
            "review": "management review",
            "other": "other",
        }[self.value]


class RiskLevel(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class NCStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Nonconformity(db.Model):
    __tablename__ = "nonconformities"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # NC-2026-004
    source: Mapped[str] = mapped_column(String(20))
    # The record it came from (PT event, audit finding, complaint ...), by id and as shown.
    source_id: Mapped[int | None]
    source_label: Mapped[str] = mapped_column(String(300), default="")
    raised_on: Mapped[dt.date] = mapped_column(Date)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    description: Mapped[str] = mapped_column(Text)
    clause_number: Mapped[str] = mapped_column(String(20), default="")
    method_id: Mapped[int | None] = mapped_column(ForeignKey("methods.id"), index=True)
    risk: Mapped[str] = mapped_column(String(10), default=RiskLevel.MEDIUM.value)
    immediate_correction: Mapped[str] = mapped_column(Text, default="")
    root_cause: Mapped[str] = mapped_column(Text, default="")
    # The latest effectiveness check (earlier ones are in the trail).
    effectiveness_check: Mapped[str | None] = mapped_column(Text)
    effectiveness_checked_on: Mapped[dt.date | None] = mapped_column(Date)
    effectiveness_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_effective: Mapped[bool | None]
    status: Mapped[str] = mapped_column(String(10), default=NCStatus.OPEN.value)
    closed_at: Mapped[dt.datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closure_signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id], lazy="joined")
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id], lazy="joined")
    effectiveness_checked_by: Mapped[User | None] = relationship(
        foreign_keys=[effectiveness_checked_by_id], lazy="joined"
    )
    method: Mapped[Method | None] = relationship(lazy="joined")
    actions: Mapped[list[CorrectiveAction]] = relationship(
        back_populates="nonconformity", order_by="CorrectiveAction.id", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(_in("source", NCSource), name="source_known"),
        CheckConstraint(_in("risk", RiskLevel), name="risk_known"),
        CheckConstraint(_in("status", NCStatus), name="status_known"),
        CheckConstraint(
            "(status = 'closed') = (closure_signature_id IS NOT NULL)", name="closed_signed"
        ),
    )

    @property
    def is_closed(self) -> bool:
        return self.status == NCStatus.CLOSED.value

    @property
    def source_enum(self) -> NCSource:
        return NCSource(self.source)

    @property
    def stage(self) -> str:
        """Where it stands, in the words of the lifecycle."""
        if self.is_closed:
            return "closed"
        if not self.root_cause:
            return "investigation"
        if not self.actions or any(a.completed_on is None for a in self.actions):
            return "corrective action"
        if not self.is_effective:
            return "effectiveness check"
        return "ready to close"

    def open_actions(self) -> list[CorrectiveAction]:
        return [a for a in self.actions if a.completed_on is None]


class CorrectiveAction(db.Model):
    __tablename__ = "corrective_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonconformity_id: Mapped[int] = mapped_column(ForeignKey("nonconformities.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    due_on: Mapped[dt.date] = mapped_column(Date)
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    completion_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    nonconformity: Mapped[Nonconformity] = relationship(back_populates="actions", lazy="joined")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="joined")

    def is_overdue(self, as_of: dt.date) -> bool:
        return (self.completed_on is None or self.completed_on > as_of) and self.due_on < as_of
