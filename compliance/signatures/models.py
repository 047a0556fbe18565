"""A signature binds a person, a meaning and a moment to the exact bytes they signed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from compliance.db import utcnow
from compliance.extensions import db


class Meaning:
    REVIEWED = "reviewed"
    APPROVED = "approved"
    APPROVED_IMPORTED = "approved (imported)"
    PERIODIC_REVIEW = "reviewed, no change needed"
    ACKNOWLEDGED = "read and understood"
    AUTHORIZED = "authorized"
    CLOSED = "closed"


class Signature(db.Model):
    __tablename__ = "signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What was signed: e.g. ("revision", 12), ("document", 3), ("acknowledgement", 40).
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # As printed at signing time (Part 11 style), not looked up later.
    printed_name: Mapped[str] = mapped_column(String(200))
    signer_email: Mapped[str] = mapped_column(String(254))
    meaning: Mapped[str] = mapped_column(String(60))
    signed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    content_sha256: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_signatures_subject", "subject_type", "subject_id"),)

    def binds(self, content_sha256: str) -> bool:
        """True while the signed bytes are the bytes we hold now."""
        return self.content_sha256 == content_sha256

    @property
    def shown(self) -> str:
        return (
            f"{self.meaning} by {self.printed_name} on "
            f"{self.signed_at.strftime('%Y-%m-%d %H:%M:%S UTC')}"
        )
