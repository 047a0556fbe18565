"""Stored files, keyed by the SHA-256 of their bytes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from compliance.db import utcnow
from compliance.extensions import db


class StoredFile(db.Model):
    """The original bytes, never modified; any number of app servers can serve them."""

    __tablename__ = "stored_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(120))
    # The name it first arrived under; later uploads of the same bytes share the row.
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
