"""Controlled documents, their revisions, clauses, distribution and acknowledgement tasks."""

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
    UniqueConstraint,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship, validates

from compliance.db import utcnow
from compliance.extensions import db
from compliance.users.models import User


class DocumentType(enum.StrEnum):
    QUALITY_MANUAL = "quality_manual"
    POLICY = "policy"
    PROCEDURE = "procedure"
    TEST_METHOD = "test_method"
    WORK_INSTRUCTION = "work_instruction"
    FORM = "form"
    EXTERNAL = "external"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class RevisionState(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    EFFECTIVE = "effective"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


# Content of these revisions is frozen: what was signed is what is served.
IMMUTABLE_STATES = frozenset(
    {RevisionState.APPROVED, RevisionState.EFFECTIVE, RevisionState.SUPERSEDED}
)


def _enum_check(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Document(db.Model):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    doc_type: Mapped[str] = mapped_column(String(30))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    review_interval_months: Mapped[int] = mapped_column(default=24)
    # "letters" (A, B, ... Z, AA) or "numbers" (1, 2, 3).
    label_scheme: Mapped[str] = mapped_column(String(10), default="letters")
    # Date of the last "reviewed, no change needed" signature; restarts the interval.
    last_reviewed_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    owner: Mapped[User] = relationship(lazy="joined")
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="document", order_by="Revision.id", lazy="select"
    )
    # Read on the document's own page and in the API; not loaded with every document a
    # revision, a task or a register row brings along (the API list selects them in).
    clause_rows: Mapped[list[DocumentClause]] = relationship(
        cascade="all, delete-orphan", lazy="select", order_by="DocumentClause.clause_number"
    )
    distribution_rows: Mapped[list[DocumentDistribution]] = relationship(
        cascade="all, delete-orphan", lazy="select", order_by="DocumentDistribution.audience"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(_enum_check("doc_type", DocumentType), name="doc_type_known"),
        CheckConstraint("label_scheme IN ('letters', 'numbers')", name="label_scheme_known"),
        CheckConstraint("review_interval_months BETWEEN 1 AND 120", name="review_interval"),
    )

    @property
    def type_label(self) -> str:
        return DocumentType(self.doc_type).label

    @property
    def clauses(self) -> list[str]:
        return [row.clause_number for row in self.clause_rows]

    @property
    def audiences(self) -> list[str]:
        return [row.audience for row in self.distribution_rows]


class DocumentClause(db.Model):
    """A clause (e.g. "8.3.2") the document declares it addresses."""

    __tablename__ = "document_clauses"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    clause_number: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)


class DocumentDistribution(db.Model):
    """Who must read the document: "role:staff", later "job_role:<name>", "method:<code>"."""

    __tablename__ = "document_distribution"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    audience: Mapped[str] = mapped_column(String(120), primary_key=True)


def searchable(text: str | None) -> str:
    """Text as the register search compares it: case-folded, the same on every database."""
    return (text or "").lower()


class Revision(db.Model):
    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    label: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(20), default=RevisionState.DRAFT.value)
    file_sha256: Mapped[str] = mapped_column(ForeignKey("stored_files.sha256"))
    text: Mapped[str] = deferred(mapped_column(Text, default=""))
    # The text as the register's search matches it (searchable()): kept with the text, so a
    # search compares it as stored instead of lower-casing every revision's text per query.
    search_text: Mapped[str] = deferred(
        mapped_column(Text, nullable=False, default="", server_default="")
    )
    change_summary: Mapped[str] = mapped_column(Text, default="")
    # None for revisions imported from an existing library: the author is not on record.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None]
    approved_at: Mapped[dt.datetime | None]
    effective_on: Mapped[dt.date | None] = mapped_column(Date)
    superseded_on: Mapped[dt.date | None] = mapped_column(Date)
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)
    # The last rejection's comments, shown on the draft; the trail keeps them all.
    rejection_comment: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    document: Mapped[Document] = relationship(back_populates="revisions", lazy="joined")
    author: Mapped[User | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("document_id", "label"),
        CheckConstraint(_enum_check("state", RevisionState), name="state_known"),
        # At most one effective revision per document, enforced by the database itself.
        Index(
            "uq_revisions_one_effective",
            "document_id",
            unique=True,
            sqlite_where=sql_text("state = 'effective'"),
            postgresql_where=sql_text("state = 'effective'"),
        ),
        Index("ix_revisions_document_id_state", "document_id", "state"),
    )

    @validates("text")
    def _keep_search_text(self, _key, text: str) -> str:
        self.search_text = searchable(text)
        return text

    @property
    def state_enum(self) -> RevisionState:
        return RevisionState(self.state)

    @property
    def is_immutable(self) -> bool:
        return self.state_enum in IMMUTABLE_STATES

    @property
    def display(self) -> str:
        return f"{self.document.number} Rev {self.label}"


class AcknowledgementTask(db.Model):
    """One person's duty to read and acknowledge one effective revision."""

    __tablename__ = "acknowledgement_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    due_on: Mapped[dt.date] = mapped_column(Date)
    acknowledged_at: Mapped[dt.datetime | None]
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"))

    revision: Mapped[Revision] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("revision_id", "user_id"),)

    def is_overdue(self, today: dt.date) -> bool:
        return self.acknowledged_at is None and today > self.due_on
