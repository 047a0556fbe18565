"""Store bytes once by their SHA-256 and hand them back unchanged."""

from __future__ import annotations

import hashlib

from compliance.extensions import db
from compliance.files.models import StoredFile

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_bytes(data: bytes, *, filename: str, media_type: str) -> StoredFile:
    """The stored file for these bytes, created if new (the same bytes are kept once)."""
    digest = sha256_hex(data)
    existing = db.session.get(StoredFile, digest)
    if existing is not None:
        return existing
    stored = StoredFile(
        sha256=digest, size=len(data), media_type=media_type, filename=filename[:255], data=data
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def load_bytes(sha256: str) -> bytes:
    stored = db.session.get(StoredFile, sha256)
    if stored is None:
        raise LookupError(f"no stored file {sha256}")
    return stored.data
