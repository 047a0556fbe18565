"""A proficiency test or interlaboratory comparison round the lab took part in, per method.

The plan itself is the interval on each method (`Method.pt_interval_months`).
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from compliance.capa.models import Nonconformity
from compliance.db import utcnow
from compliance.extensions import db
from compliance.scope.models import Method
from compliance.users.models import User


class PTResult(enum.StrEnum):
    SATISFACTORY = "satisfactory"  # |z| <= 2
    QUESTIONABLE = "questionable"  # 2 < |z| < 3
    UNSATISFACTORY = "unsatisfactory"  # |z| >= 3

    @property
    def tone(self) -> str:
        return {"satisfactory": "success", "questionable": "warning"}.get(self.value, "danger")


class PTEvent(db.Model):
    __tablename__ = "pt_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    method_id: Mapped[int] = mapped_column(ForeignKey("methods.id"))
    provider: Mapped[str] = mapped_column(String(200))
    scheme: Mapped[str] = mapped_column(String(200), default="")
    round: Mapped[str] = mapped_column(String(60))
    performed_on: Mapped[dt.date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(20))
    z_score: Mapped[float | None] = mapped_column(Float)
    report_sha256: Mapped[str | None] = mapped_column(ForeignKey("stored_files.sha256"))
    notes: Mapped[str] = mapped_column(Text, default="")
    # The nonconformity an unsatisfactory result opened.
    nonconformity_id: Mapped[int | None] = mapped_column(ForeignKey("nonconformities.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    method: Mapped[Method] = relationship(lazy="joined")
    nonconformity: Mapped[Nonconformity | None] = relationship(lazy="joined")
    recorded_by: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint(
            "result IN ('satisfactory', 'questionable', 'unsatisfactory')", name="result_known"
        ),
        Index("ix_pt_events_method_id_performed_on", "method_id", "performed_on"),
    )

    @property
    def result_enum(self) -> PTResult:
        return PTResult(self.result)

    @property
    def display(self) -> str:
        return f"{self.provider} {self.scheme} round {self.round}".replace("  ", " ")
