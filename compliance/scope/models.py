"""Test methods on the scope, the equipment each needs, and their verification records (7.2)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from compliance.db import utcnow
from compliance.documents.models import Document
from compliance.extensions import db
from compliance.users.models import User


class MethodStatus(enum.StrEnum):
    IN_SCOPE = "in_scope"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class ValidationKind(enum.StrEnum):
    VERIFICATION = "verification"  # 7.2.1.5: a standard method, shown to work here
    VALIDATION = "validation"  # 7.2.2: a lab-developed or modified method

    @property
    def label(self) -> str:
        return self.value


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
    # What the scope certificate lists beside the method, e.g. "EEE parts: ICs, discretes".
    items_tested: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # When the method joined the scope; the first PT falls due one interval later.
    in_scope_since: Mapped[dt.date | None] = mapped_column(Date)
    # Why it is suspended or withdrawn (the trail keeps every earlier reason).
    status_reason: Mapped[str | None] = mapped_column(Text)

    procedure: Mapped[Document | None] = relationship(lazy="joined")
    equipment_requirements: Mapped[list[MethodEquipmentRequirement]] = relationship(
        back_populates="method",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="MethodEquipmentRequirement.id",
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("status IN ('in_scope', 'suspended', 'withdrawn')", name="status_known"),
        CheckConstraint(
            "pt_interval_months IS NULL OR pt_interval_months BETWEEN 1 AND 120",
            name="pt_interval",
        ),
    )

    @property
    def is_in_scope(self) -> bool:
        return self.status == MethodStatus.IN_SCOPE.value

    @property
    def status_label(self) -> str:
        return MethodStatus(self.status).label

    @property
    def scope_start(self) -> dt.date:
        """The day the method joined the scope (its creation day when not recorded)."""
        return self.in_scope_since or self.created_at.date()

    @property
    def asset_ids(self) -> list[str]:
        return [r.asset_id for r in self.equipment_requirements if r.asset_id]


class MethodEquipmentRequirement(db.Model):
    """Equipment a method needs: one item by asset id, or a number of items of a type.

    Deliberately no foreign key to the equipment register: whether the asset exists, is in
    service and calibrated is the equipment domain's question (its readiness check answers it).
    """

    __tablename__ = "method_equipment_requirements"

    id: Mapped[int] = mapped_column(primary_key=True)
    method_id: Mapped[int] = mapped_column(ForeignKey("methods.id"), index=True)
    asset_id: Mapped[str | None] = mapped_column(String(40))
    equipment_type: Mapped[str | None] = mapped_column(String(120))
    min_count: Mapped[int] = mapped_column(default=1)
    note: Mapped[str] = mapped_column(String(300), default="")

    method: Mapped[Method] = relationship(back_populates="equipment_requirements")

    __table_args__ = (
        UniqueConstraint("method_id", "asset_id"),
        UniqueConstraint("method_id", "equipment_type"),
        CheckConstraint("(asset_id IS NULL) <> (equipment_type IS NULL)", name="asset_or_type"),
        CheckConstraint("min_count >= 1", name="min_count"),
        CheckConstraint("asset_id IS NULL OR min_count = 1", name="one_of_an_asset"),
    )

    @property
    def display(self) -> str:
        if self.asset_id:
            return f"asset {self.asset_id}"
        return f"{self.min_count} × {self.equipment_type}"


class MethodValidation(db.Model):
    """A verification or validation record of a method (7.2). Never edited: a later record
    (e.g. after a change of the method) stands beside the earlier one."""

    __tablename__ = "method_validations"

    id: Mapped[int] = mapped_column(primary_key=True)
    method_id: Mapped[int] = mapped_column(ForeignKey("methods.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    performed_on: Mapped[dt.date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    # The report: a controlled document, an evidence file (PDF/image), or both.
    report_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    file_sha256: Mapped[str | None] = mapped_column(ForeignKey("stored_files.sha256"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    method: Mapped[Method] = relationship(lazy="joined")
    report_document: Mapped[Document | None] = relationship(lazy="joined")
    recorded_by: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (CheckConstraint("kind IN ('verification', 'validation')", name="kind_known"),)
