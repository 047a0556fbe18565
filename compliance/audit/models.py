"""One row per change to a controlled record; never updated, never deleted (triggers refuse)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from compliance.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    # Assigned by record() under a lock, so the chain has no gaps and no forks.
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    occurred_at: Mapped[dt.datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Printed name and e-mail as they were at the time, so renames never rewrite history.
    actor_label: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_key: Mapped[str] = mapped_column(String(200))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_entries_entity", "entity_type", "entity_key"),
        Index("ix_audit_entries_actor_id", "actor_id"),
        Index("ix_audit_entries_occurred_at", "occurred_at"),
    )


class PageView(db.Model):
    """A page an auditor opened: quality managers can see what an assessor looked at."""

    __tablename__ = "page_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    viewed_at: Mapped[dt.datetime]
    path: Mapped[str] = mapped_column(String(500))
    endpoint: Mapped[str] = mapped_column(String(100))
    status: Mapped[int]

    __table_args__ = (Index("ix_page_views_user_id_viewed_at", "user_id", "viewed_at"),)
