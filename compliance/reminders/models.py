"""Digest preferences, and the sent-log whose unique key makes a run idempotent."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from compliance.db import utcnow
from compliance.extensions import db

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Frequency(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


class SendStatus(enum.StrEnum):
    SENDING = "sending"  # claimed by a run; the SMTP conversation is under way
    SENT = "sent"
    FAILED = "failed"  # the next run in the same period tries again


class ReminderPreference(db.Model):
    """How often a person wants their digest; no row means daily."""

    __tablename__ = "reminder_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    frequency: Mapped[str] = mapped_column(String(10), default=Frequency.DAILY.value)
    weekday: Mapped[int] = mapped_column(default=0)  # weekly digests: 0 = Monday
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint("frequency IN ('daily', 'weekly')", name="frequency_known"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
    )


class ReminderSend(db.Model):
    """One digest to one address for one period ("2026-03-31" daily, "2026-W14" weekly).

    The unique (recipient, period) key is what makes two runs, on one server or two, send a
    digest once: the run that inserts the row sends; the other finds it taken.
    """

    __tablename__ = "reminder_sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    period: Mapped[str] = mapped_column(String(12))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(300))
    item_count: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=1)
    claimed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("recipient", "period"),
        CheckConstraint("status IN ('sending', 'sent', 'failed')", name="status_known"),
    )
