"""Management review meetings: attendees, the required inputs, decisions and actions."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from compliance.db import utcnow
from compliance.extensions import db
from compliance.users.models import User


class ReviewStatus(enum.StrEnum):
    DRAFT = "draft"  # being prepared or minuted
    FINAL = "final"  # minutes approved with an e-signature; no further edits


class ManagementReview(db.Model):
    __tablename__ = "management_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # MR-2026-01
    held_on: Mapped[dt.date] = mapped_column(Date)
    # The period the figures cover: since the previous review (or a year before).
    period_from: Mapped[dt.date] = mapped_column(Date)
    attendees: Mapped[str] = mapped_column(Text, default="")  # one per line
    decisions: Mapped[str] = mapped_column(Text, default="")  # the outputs (8.9.3)
    status: Mapped[str] = mapped_column(String(10), default=ReviewStatus.DRAFT.value)
    finalized_at: Mapped[dt.datetime | None]
    finalized_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    finalized_by: Mapped[User | None] = relationship(lazy="joined")
    inputs: Mapped[list[ReviewInput]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ReviewInput.key"
    )
    actions: Mapped[list[ReviewAction]] = relationship(
        back_populates="review", lazy="selectin", order_by="ReviewAction.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'final')", name="status_known"),
        CheckConstraint("(status = 'final') = (signature_id IS NOT NULL)", name="final_signed"),
    )

    @property
    def is_final(self) -> bool:
        return self.status == ReviewStatus.FINAL.value

    @property
    def attendee_list(self) -> list[str]:
        return [line.strip() for line in self.attendees.splitlines() if line.strip()]

    def input(self, key: str) -> ReviewInput | None:
        return next((row for row in self.inputs if row.key == key), None)


class ReviewInput(db.Model):
    """One required input (8.9.2 a-o): covered or not, the figures the app knew, the notes."""

    __tablename__ = "review_inputs"

    review_id: Mapped[int] = mapped_column(ForeignKey("management_reviews.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(2), primary_key=True)  # "a" ... "o"
    is_covered: Mapped[bool] = mapped_column(default=False)
    figures: Mapped[str] = mapped_column(Text, default="")  # pre-filled by the app
    notes: Mapped[str] = mapped_column(Text, default="")  # what the meeting said


class ReviewAction(db.Model):
    __tablename__ = "review_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("management_reviews.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[dt.date] = mapped_column(Date)
    completed_on: Mapped[dt.date | None] = mapped_column(Date)

    review: Mapped[ManagementReview] = relationship(back_populates="actions", lazy="joined")
    owner: Mapped[User] = relationship(lazy="joined")
