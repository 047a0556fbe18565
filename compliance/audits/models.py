"""Internal audits: planned and performed, the clauses and methods each covers, its findings."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from compliance.capa.models import Nonconformity
from compliance.db import utcnow
from compliance.extensions import db
from compliance.scope.models import Method
from compliance.users.models import User


class AuditStatus(enum.StrEnum):
    PLANNED = "planned"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class FindingKind(enum.StrEnum):
    NONCONFORMITY = "nonconformity"
    OBSERVATION = "observation"
    OPPORTUNITY = "opportunity"  # for improvement

    @property
    def label(self) -> str:
        return "opportunity for improvement" if self is FindingKind.OPPORTUNITY else self.value


class InternalAudit(db.Model):
    __tablename__ = "internal_audits"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # IA-2026-01
    title: Mapped[str] = mapped_column(String(300))
    planned_on: Mapped[dt.date] = mapped_column(Date)
    performed_on: Mapped[dt.date | None] = mapped_column(Date)
    auditor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Who answers for the audited area; never the auditor.
    auditee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(12), default=AuditStatus.PLANNED.value)
    summary: Mapped[str] = mapped_column(Text, default="")  # the auditor's conclusion
    cancelled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    auditor: Mapped[User] = relationship(foreign_keys=[auditor_id], lazy="joined")
    auditee: Mapped[User | None] = relationship(foreign_keys=[auditee_id], lazy="joined")
    clause_rows: Mapped[list[AuditClause]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AuditClause.clause_number"
    )
    methods: Mapped[list[Method]] = relationship(
        secondary="audit_methods", lazy="selectin", order_by="Method.code"
    )
    findings: Mapped[list[AuditFinding]] = relationship(
        back_populates="audit", lazy="selectin", order_by="AuditFinding.number"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("status IN ('planned', 'completed', 'cancelled')", name="status_known"),
        CheckConstraint(
            "(status = 'completed') = (performed_on IS NOT NULL)", name="performed_when_completed"
        ),
    )

    @property
    def clauses(self) -> list[str]:
        return [row.clause_number for row in self.clause_rows]

    @property
    def is_planned(self) -> bool:
        return self.status == AuditStatus.PLANNED.value

    @property
    def is_completed(self) -> bool:
        return self.status == AuditStatus.COMPLETED.value


class AuditClause(db.Model):
    __tablename__ = "audit_clauses"

    audit_id: Mapped[int] = mapped_column(ForeignKey("internal_audits.id"), primary_key=True)
    clause_number: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)


class AuditMethod(db.Model):
    __tablename__ = "audit_methods"

    audit_id: Mapped[int] = mapped_column(ForeignKey("internal_audits.id"), primary_key=True)
    method_id: Mapped[int] = mapped_column(ForeignKey("methods.id"), primary_key=True, index=True)


class AuditFinding(db.Model):
    """What the auditor found, numbered within the audit; a nonconformity can open an NC."""

    __tablename__ = "audit_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("internal_audits.id"))
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    clause_number: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")  # what the auditor saw
    nonconformity_id: Mapped[int | None] = mapped_column(ForeignKey("nonconformities.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    audit: Mapped[InternalAudit] = relationship(back_populates="findings", lazy="joined")
    nonconformity: Mapped[Nonconformity | None] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("audit_id", "number"),
        CheckConstraint(
            "kind IN ('nonconformity', 'observation', 'opportunity')", name="kind_known"
        ),
    )

    @property
    def kind_enum(self) -> FindingKind:
        return FindingKind(self.kind)

    @property
    def display(self) -> str:
        return f"{self.audit.reference} finding {self.number}"
