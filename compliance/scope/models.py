"""Test methods on the scope of accreditation."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from compliance.db import utcnow
from compliance.documents.models import Document
from compliance.extensions import db


class MethodStatus(enum.StrEnum):
    IN_SCOPE = "in_scope"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Method(db.Model):
    __tablename__ = "methods"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # e.g. "AS6171/2"
    title: Mapped[str] = mapped_column(String(300))
    technique: Mapped[str] = mapped_column(String(120), default="")
    # The controlled document (procedure or test method) that governs it.
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    status: Mapped[str] = mapped_column(String(20), default=MethodStatus.IN_SCOPE.value)
    pt_interval_months: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    procedure: Mapped[Document | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("status IN ('in_scope', 'suspended', 'withdrawn')", name="status_known"),
    )

    @property
    def is_in_scope(self) -> bool:
        return self.status == MethodStatus.IN_SCOPE.value
