"""The register of risks and opportunities, linked to the clauses they bear on."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from compliance.db import utcnow
from compliance.extensions import db
from compliance.users.models import User


class RiskKind(enum.StrEnum):
    RISK = "risk"
    OPPORTUNITY = "opportunity"


class RiskCategory(enum.StrEnum):
    IMPARTIALITY = "impartiality"  # 4.1.4: identified on an ongoing basis
    CONFIDENTIALITY = "confidentiality"
    TECHNICAL = "technical"
    OPERATIONAL = "operational"
    COMMERCIAL = "commercial"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class RiskStatus(enum.StrEnum):
    OPEN = "open"  # being treated or monitored
    CLOSED = "closed"  # no longer applies


class Risk(db.Model):
    __tablename__ = "risks"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # RSK-2026-002
    kind: Mapped[str] = mapped_column(String(12), default=RiskKind.RISK.value)
    category: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    likelihood: Mapped[int]  # 1 (rare) .. 5 (almost certain)
    impact: Mapped[int]  # 1 (negligible) .. 5 (severe); for an opportunity, the benefit
    treatment: Mapped[str] = mapped_column(Text, default="")  # actions taken or planned
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    identified_on: Mapped[dt.date] = mapped_column(Date)
    next_review_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=RiskStatus.OPEN.value)
    closed_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    owner: Mapped[User] = relationship(lazy="joined")
    clause_rows: Mapped[list[RiskClause]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="RiskClause.clause_number"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("kind IN ('risk', 'opportunity')", name="kind_known"),
        CheckConstraint(
            "category IN ('impartiality', 'confidentiality', 'technical', 'operational', "
            "'commercial')",
            name="category_known",
        ),
        CheckConstraint("status IN ('open', 'closed')", name="status_known"),
        CheckConstraint("likelihood BETWEEN 1 AND 5", name="likelihood_range"),
        CheckConstraint("impact BETWEEN 1 AND 5", name="impact_range"),
    )

    @property
    def clauses(self) -> list[str]:
        return [row.clause_number for row in self.clause_rows]

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def rating(self) -> str:
        """low (1-4), medium (5-11), high (12-25): the usual 5 x 5 matrix bands."""
        return "high" if self.score >= 12 else "medium" if self.score >= 5 else "low"

    @property
    def is_open(self) -> bool:
        return self.status == RiskStatus.OPEN.value


class RiskClause(db.Model):
    __tablename__ = "risk_clauses"

    risk_id: Mapped[int] = mapped_column(ForeignKey("risks.id"), primary_key=True)
    clause_number: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
