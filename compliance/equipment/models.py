"""The equipment register (6.4), calibration providers (6.6), calibrations and their traceability
(6.5), intermediate checks, maintenance records and out-of-tolerance impact assessments (7.10).

Calibration events, checks and maintenance records are append-only (database triggers refuse
UPDATE and DELETE): a mistake is corrected by a new event that supersedes the old one, and both
stay on record.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    select,
)
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from compliance.db import utcnow
from compliance.extensions import db
from compliance.scope.models import Method
from compliance.signatures.models import Signature
from compliance.users.models import User


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class EquipmentStatus(enum.StrEnum):
    IN_SERVICE = "in_service"
    OUT_OF_SERVICE = "out_of_service"
    QUARANTINED = "quarantined"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Tolerance(enum.StrEnum):
    """As-found or as-left condition on a calibration."""

    IN = "in"
    OUT = "out"
    ADJUSTED = "adjusted"

    @property
    def label(self) -> str:
        return {"in": "in tolerance", "out": "out of tolerance", "adjusted": "adjusted"}[self.value]


class CheckResult(enum.StrEnum):
    PASS = "pass"  # noqa: S105  (a check result, not a password)
    FAIL = "fail"

    @property
    def label(self) -> str:
        return self.value


class MaintenanceKind(enum.StrEnum):
    MAINTENANCE = "maintenance"
    REPAIR = "repair"
    DAMAGE = "damage"
    MALFUNCTION = "malfunction"
    MODIFICATION = "modification"

    @property
    def label(self) -> str:
        return self.value


class ProviderStatus(enum.StrEnum):
    APPROVED = "approved"
    SUSPENDED = "suspended"

    @property
    def label(self) -> str:
        return self.value


class AssessmentStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value


class EquipmentMethod(db.Model):
    """A test method the item serves (the register's side of 'which equipment does X need')."""

    __tablename__ = "equipment_methods"

    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"), primary_key=True)
    method_id: Mapped[int] = mapped_column(ForeignKey("methods.id"), primary_key=True, index=True)


class Equipment(db.Model):
    __tablename__ = "equipment"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[str] = mapped_column(String(40), unique=True)
    description: Mapped[str] = mapped_column(String(300))
    equipment_type: Mapped[str] = mapped_column(String(120), default="", index=True)
    manufacturer: Mapped[str] = mapped_column(String(120), default="")
    model: Mapped[str] = mapped_column(String(120), default="")
    serial_number: Mapped[str] = mapped_column(String(120), default="")
    firmware_version: Mapped[str] = mapped_column(String(120), default="")
    location: Mapped[str] = mapped_column(String(120), default="", index=True)
    custodian_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(
        String(20), default=EquipmentStatus.IN_SERVICE.value, index=True
    )
    # When the status last changed: returning to service needs a passing calibration or check
    # recorded after this moment (6.4.4).
    status_changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status_reason: Mapped[str | None] = mapped_column(Text)
    calibration_required: Mapped[bool] = mapped_column(default=True)
    calibration_interval_months: Mapped[int | None]
    check_interval_months: Mapped[int | None]
    acceptance_criteria: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    custodian: Mapped[User | None] = relationship(lazy="joined")
    methods: Mapped[list[Method]] = relationship(
        secondary="equipment_methods", order_by="Method.code", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(_in("status", EquipmentStatus), name="status_known"),
        CheckConstraint(
            "calibration_interval_months IS NULL OR calibration_interval_months BETWEEN 1 AND 120",
            name="calibration_interval",
        ),
        CheckConstraint(
            "check_interval_months IS NULL OR check_interval_months BETWEEN 1 AND 120",
            name="check_interval",
        ),
    )

    @property
    def status_enum(self) -> EquipmentStatus:
        return EquipmentStatus(self.status)

    @property
    def status_label(self) -> str:
        return self.status_enum.label

    @property
    def method_codes(self) -> list[str]:
        return [m.code for m in self.methods]

    @property
    def calibrations(self) -> list[CalibrationEvent]:
        """Every calibration event, newest first, superseded ones included."""
        return list(
            db.session.scalars(
                select(CalibrationEvent)
                .where(CalibrationEvent.equipment_id == self.id)
                .order_by(CalibrationEvent.calibrated_on.desc(), CalibrationEvent.id.desc())
            )
        )

    @property
    def latest_calibration(self) -> CalibrationEvent | None:
        """The newest calibration that no correction has superseded."""
        return db.session.scalar(
            select(CalibrationEvent)
            .where(CalibrationEvent.equipment_id == self.id, CalibrationEvent.is_current_clause())
            .order_by(CalibrationEvent.calibrated_on.desc(), CalibrationEvent.id.desc())
            .limit(1)
        )

    @property
    def calibration_due_on(self) -> dt.date | None:
        latest = self.latest_calibration
        return latest.due_on if latest is not None else None


class Provider(db.Model):
    """An external calibration provider on the approved-provider list (6.6)."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    accreditation_body: Mapped[str] = mapped_column(String(120), default="")
    accreditation_number: Mapped[str] = mapped_column(String(80), default="")
    accreditation_expires_on: Mapped[dt.date | None] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=ProviderStatus.APPROVED.value)
    evaluation_notes: Mapped[str] = mapped_column(Text, default="")
    evaluated_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint(_in("status", ProviderStatus), name="status_known"),)

    @property
    def is_approved(self) -> bool:
        return self.status == ProviderStatus.APPROVED.value

    def accredited_on(self, day: dt.date) -> bool:
        """True when the provider holds an accreditation that had not expired on `day`."""
        return bool(self.accreditation_number) and (
            self.accreditation_expires_on is not None and day <= self.accreditation_expires_on
        )


class CalibrationEvent(db.Model):
    """One calibration as performed and certified. Never edited: a correction is a new event
    with `supersedes_id` and a reason."""

    __tablename__ = "calibration_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"))
    calibrated_on: Mapped[dt.date] = mapped_column(Date)
    # None: calibrated in-house, following `procedure`.
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    procedure: Mapped[str] = mapped_column(String(300), default="")
    certificate_number: Mapped[str] = mapped_column(String(120), default="")
    certificate_sha256: Mapped[str | None] = mapped_column(ForeignKey("stored_files.sha256"))
    as_found: Mapped[str] = mapped_column(String(10))
    as_left: Mapped[str] = mapped_column(String(10))
    uncertainty: Mapped[str] = mapped_column(Text, default="")
    traceability: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # The due date the certificate states, if any; `due_on` is what the programme uses.
    stated_due_on: Mapped[dt.date | None] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(10), default="entry")
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("calibration_events.id"), unique=True
    )
    correction_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    equipment: Mapped[Equipment] = relationship(lazy="joined")
    provider: Mapped[Provider | None] = relationship(lazy="joined")
    recorded_by: Mapped[User | None] = relationship(lazy="joined")
    supersedes: Mapped[CalibrationEvent | None] = relationship(
        remote_side=[id], lazy="select", foreign_keys=[supersedes_id]
    )

    __table_args__ = (
        CheckConstraint(_in("as_found", Tolerance), name="as_found_known"),
        CheckConstraint(_in("as_left", Tolerance), name="as_left_known"),
        CheckConstraint("source IN ('entry', 'import')", name="source_known"),
        CheckConstraint(
            "(supersedes_id IS NULL) = (correction_reason IS NULL)", name="correction_reason"
        ),
        Index("ix_calibration_events_equipment_id_calibrated_on", "equipment_id", "calibrated_on"),
    )

    @classmethod
    def is_current_clause(cls):
        """SQL: no later event supersedes this one."""
        newer = aliased(cls)
        return ~select(newer.id).where(newer.supersedes_id == cls.id).exists()

    @property
    def superseded_by(self) -> CalibrationEvent | None:
        return db.session.scalar(
            select(CalibrationEvent).where(CalibrationEvent.supersedes_id == self.id)
        )

    @property
    def is_in_house(self) -> bool:
        return self.provider_id is None

    @property
    def as_found_enum(self) -> Tolerance:
        return Tolerance(self.as_found)

    @property
    def as_left_enum(self) -> Tolerance:
        return Tolerance(self.as_left)

    @property
    def found_out_of_tolerance(self) -> bool:
        return self.as_found == Tolerance.OUT.value

    @property
    def passed(self) -> bool:
        """Left within tolerance (as found, or after adjustment)."""
        return self.as_left in (Tolerance.IN.value, Tolerance.ADJUSTED.value)

    @property
    def performed_by(self) -> str:
        if self.provider is not None:
            return self.provider.name
        return f"in-house ({self.procedure})" if self.procedure else "in-house"

    @property
    def is_traceable(self) -> bool:
        """In-house against a procedure, or by a provider accredited on the calibration date."""
        if self.provider is None:
            return True
        return self.provider.accredited_on(self.calibrated_on)


class IntermediateCheck(db.Model):
    """An intermediate check between calibrations (6.4.10). Never edited."""

    __tablename__ = "intermediate_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"), index=True)
    performed_on: Mapped[dt.date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(10))
    # Against what reference: a check weight, a reference standard, a known sample.
    reference: Mapped[str] = mapped_column(String(300))
    details: Mapped[str] = mapped_column(Text, default="")
    performed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    equipment: Mapped[Equipment] = relationship(lazy="joined")
    performed_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[performed_by_id])
    recorded_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[recorded_by_id])

    __table_args__ = (CheckConstraint(_in("result", CheckResult), name="result_known"),)

    @property
    def passed(self) -> bool:
        return self.result == CheckResult.PASS.value


class MaintenanceRecord(db.Model):
    """Maintenance, repair, damage or malfunction of an item (6.4.13 g, h). Never edited."""

    __tablename__ = "maintenance_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    performed_on: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    performed_by: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    equipment: Mapped[Equipment] = relationship(lazy="joined")
    recorded_by: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (CheckConstraint(_in("kind", MaintenanceKind), name="kind_known"),)

    @property
    def kind_label(self) -> str:
        return MaintenanceKind(self.kind).label


class ImpactAssessmentMethod(db.Model):
    __tablename__ = "impact_assessment_methods"

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("impact_assessments.id"), primary_key=True
    )
    method_id: Mapped[int] = mapped_column(ForeignKey("methods.id"), primary_key=True)


class ImpactAssessment(db.Model):
    """What an out-of-tolerance as-found result means for the work done with the item since it
    was last known good (6.4.9, 7.10). Opened automatically; stays open until closed with an
    e-signature."""

    __tablename__ = "impact_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"), index=True)
    calibration_event_id: Mapped[int] = mapped_column(
        ForeignKey("calibration_events.id"), unique=True
    )
    # The period affected: from the last calibration that left the item in tolerance (None when
    # there is none on record) to the calibration that found it out of tolerance.
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=AssessmentStatus.OPEN.value)
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    conclusion: Mapped[str] = mapped_column(Text, default="")
    actions: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None]
    closure_signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"))
    version: Mapped[int] = mapped_column(default=1)

    equipment: Mapped[Equipment] = relationship(lazy="joined")
    calibration: Mapped[CalibrationEvent] = relationship(lazy="joined")
    assessor: Mapped[User | None] = relationship(lazy="joined")
    closure_signature: Mapped[Signature | None] = relationship(lazy="joined")
    methods: Mapped[list[Method]] = relationship(
        secondary="impact_assessment_methods", order_by="Method.code", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(_in("status", AssessmentStatus), name="status_known"),
        CheckConstraint(
            "(status = 'closed') = (closure_signature_id IS NOT NULL)", name="closed_signed"
        ),
        Index("ix_impact_assessments_status", "status"),
    )

    @property
    def is_open(self) -> bool:
        return self.status == AssessmentStatus.OPEN.value

    @property
    def reference(self) -> str:
        return f"IA-{self.id}"

    @property
    def method_codes(self) -> list[str]:
        return [m.code for m in self.methods]
