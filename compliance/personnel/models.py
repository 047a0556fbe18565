"""People, job roles and their required training, training records, competence, authorizations."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from compliance.db import utcnow
from compliance.documents.models import Document, Revision
from compliance.extensions import db
from compliance.scope.models import Method
from compliance.users.models import User


class ItemKind(enum.StrEnum):
    COURSE = "course"
    DOCUMENT = "document"  # training on the document's current (effective) revision


class Result(enum.StrEnum):
    COMPETENT = "competent"
    NOT_YET = "not_yet"

    @property
    def label(self) -> str:
        return "competent" if self is Result.COMPETENT else "not yet competent"


class AuthorizationStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"


class Source(enum.StrEnum):
    ENTRY = "entry"  # recorded in the app
    IMPORT = "import"  # brought in from the lab's spreadsheets


TRAINING_METHODS = (
    "classroom",
    "on the job",
    "read and understood",
    "e-learning",
    "external course",
    "other",
)


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class PersonJobRole(db.Model):
    __tablename__ = "person_job_roles"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    job_role_id: Mapped[int] = mapped_column(
        ForeignKey("job_roles.id"), primary_key=True, index=True
    )


class JobRole(db.Model):
    """A function in the lab (e.g. "Counterfeit Inspection Technician") and what it requires."""

    __tablename__ = "job_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    requirements: Mapped[list[JobRoleRequirement]] = relationship(
        back_populates="job_role", lazy="select", cascade="all, delete-orphan"
    )


class Person(db.Model):
    """A staff record; linked to a login when the person has one. Leavers keep their records."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    hired_on: Mapped[dt.date | None] = mapped_column(Date)
    is_active: Mapped[bool] = mapped_column(default=True)
    # The last working day is the day before: a leaver is no longer active from this date on.
    left_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    user: Mapped[User | None] = relationship(lazy="select")
    job_roles: Mapped[list[JobRole]] = relationship(
        secondary="person_job_roles", order_by="JobRole.name", lazy="select"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower"),)

    def active_on(self, day: dt.date) -> bool:
        """Works here on `day`: before the leaving date, or with none and not deactivated."""
        if self.left_on is not None:
            return day < self.left_on
        return self.is_active

    def is_leaving(self, day: dt.date) -> bool:
        return self.active_on(day) and self.left_on is not None

    @classmethod
    def active_on_clause(cls, day: dt.date):
        return or_(cls.left_on > day, and_(cls.left_on.is_(None), cls.is_active.is_(True)))

    @property
    def job_role_names(self) -> list[str]:
        return [role.name for role in self.job_roles]


class TrainingItem(db.Model):
    """A course (code, title) or a controlled document (training on its current revision)."""

    __tablename__ = "training_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), unique=True)
    retrain_interval_months: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    document: Mapped[Document | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(_in("kind", ItemKind), name="kind_known"),
        CheckConstraint(
            "(kind = 'course' AND code IS NOT NULL AND document_id IS NULL) OR "
            "(kind = 'document' AND document_id IS NOT NULL AND code IS NULL)",
            name="course_or_document",
        ),
        CheckConstraint(
            "retrain_interval_months IS NULL OR retrain_interval_months BETWEEN 1 AND 240",
            name="retrain_interval",
        ),
    )

    @property
    def is_document(self) -> bool:
        return self.kind == ItemKind.DOCUMENT.value

    @property
    def label(self) -> str:
        """The course code or the document number: what imports call the item."""
        return self.document.number if self.is_document else self.code

    @property
    def display_title(self) -> str:
        return self.document.title if self.is_document else self.title


class JobRoleRequirement(db.Model):
    """A training item every holder of the job role must have, and keep current."""

    __tablename__ = "job_role_requirements"

    job_role_id: Mapped[int] = mapped_column(ForeignKey("job_roles.id"), primary_key=True)
    training_item_id: Mapped[int] = mapped_column(
        ForeignKey("training_items.id"), primary_key=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    job_role: Mapped[JobRole] = relationship(back_populates="requirements")
    item: Mapped[TrainingItem] = relationship(lazy="joined")


class TrainingRecord(db.Model):
    """One completed training. Never changed after entry (the table refuses UPDATE and DELETE):
    a correction is a new record pointing at the one it corrects, with the reason; both stay."""

    __tablename__ = "training_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    training_item_id: Mapped[int] = mapped_column(ForeignKey("training_items.id"), index=True)
    # For a document item: the revision trained on (the one effective on completed_on).
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"), index=True)
    completed_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    trainer: Mapped[str] = mapped_column(String(200), default="")
    training_method: Mapped[str] = mapped_column(String(40), default="")
    evidence_sha256: Mapped[str | None] = mapped_column(ForeignKey("stored_files.sha256"))
    notes: Mapped[str] = mapped_column(Text, default="")
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("training_records.id"), unique=True)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10), default=Source.ENTRY.value)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")
    item: Mapped[TrainingItem] = relationship(lazy="joined")
    revision: Mapped[Revision | None] = relationship(lazy="joined")
    recorded_by: Mapped[User | None] = relationship(lazy="select")

    __table_args__ = (
        Index("ix_training_records_person_item", "person_id", "training_item_id"),
        CheckConstraint(_in("source", Source), name="source_known"),
        CheckConstraint("expires_on IS NULL OR expires_on >= completed_on", name="expiry_order"),
        CheckConstraint(
            "(corrects_id IS NULL) = (correction_reason IS NULL)", name="correction_reason"
        ),
    )


class CompetenceAssessment(db.Model):
    """A person assessed on one method: competent, or not yet (then working under supervision)."""

    __tablename__ = "competence_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    method_id: Mapped[int] = mapped_column(ForeignKey("methods.id"), index=True)
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    assessor: Mapped[str] = mapped_column(String(200))
    result: Mapped[str] = mapped_column(String(10))
    next_due_on: Mapped[dt.date | None] = mapped_column(Date)
    # Who supervises the work of someone not yet competent.
    supervisor: Mapped[str] = mapped_column(String(200), default="")
    evidence_sha256: Mapped[str | None] = mapped_column(ForeignKey("stored_files.sha256"))
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(10), default=Source.ENTRY.value)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")
    method: Mapped[Method] = relationship(lazy="joined")

    __table_args__ = (
        Index(
            "uq_competence_assessments_person_method_day",
            "person_id",
            "method_id",
            "assessed_on",
            unique=True,
        ),
        CheckConstraint(_in("result", Result), name="result_known"),
        CheckConstraint(_in("source", Source), name="source_known"),
        CheckConstraint("next_due_on IS NULL OR next_due_on >= assessed_on", name="due_order"),
    )

    @property
    def is_competent(self) -> bool:
        return self.result == Result.COMPETENT.value

    def is_current(self, day: dt.date) -> bool:
        return self.is_competent and (self.next_due_on is None or day <= self.next_due_on)


class Authorization(db.Model):
    """A person authorized for one method by a quality manager's e-signature (clause 6.2.6)."""

    __tablename__ = "authorizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    method_id: Mapped[int] = mapped_column(ForeignKey("methods.id"), index=True)
    authorized_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=AuthorizationStatus.ACTIVE.value)
    authorized_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The exact text signed; the signature binds its SHA-256.
    statement: Mapped[str] = mapped_column(Text)
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"))
    # Given when the QM authorized despite unmet requirements, which are kept in `unmet`.
    override_reason: Mapped[str | None] = mapped_column(Text)
    unmet: Mapped[list] = mapped_column(JSON, default=list)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[dt.datetime | None]
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(10), default=Source.ENTRY.value)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    person: Mapped[Person] = relationship(lazy="joined")
    method: Mapped[Method] = relationship(lazy="joined")
    authorized_by: Mapped[User] = relationship(foreign_keys=[authorized_by_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_authorizations_person_method", "person_id", "method_id"),
        CheckConstraint(_in("status", AuthorizationStatus), name="status_known"),
        CheckConstraint(_in("source", Source), name="source_known"),
        CheckConstraint("expires_on IS NULL OR expires_on >= authorized_on", name="date_order"),
    )

    def is_current(self, day: dt.date) -> bool:
        """Active, started, not expired, and the person still works here on `day`."""
        return (
            self.status == AuthorizationStatus.ACTIVE.value
            and self.authorized_on <= day
            and (self.expires_on is None or day <= self.expires_on)
            and self.person.active_on(day)
        )

    @property
    def subject_key(self) -> str:
        return f"{self.person.employee_id} {self.method.code}"
