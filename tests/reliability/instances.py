"""Whole app instances on fresh databases, for tests that outgrow one rolled-back transaction."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator

import sqlalchemy as sa

from compliance import create_app
from compliance.extensions import db
from compliance.stored.models import DERIVED_TABLES

# Source and target of a backup share the audit key, as an operator's instances must.
AUDIT_KEY = "reliability-tests-audit-key-0123456789abcdef"


def settings(url: str, instance, **overrides) -> dict:
    return {
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(instance),
        "COMPLIANCE_ENV": "testing",
        "AUDIT_HMAC_KEY": AUDIT_KEY,
        **overrides,
    }


@contextlib.contextmanager
def app_on(url: str, instance, **overrides) -> Iterator:
    """An app bound to `url` with its own instance folder, inside an app context."""
    app = create_app(settings(url, instance, **overrides))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def _lab_tables():
    """What a backup holds: every table but the derived ones (stored results, versions)."""
    return [t for t in db.metadata.sorted_tables if t.name not in DERIVED_TABLES]


def table_rows() -> dict[str, list[dict]]:
    """Every row of every table, in primary-key order, as Python values."""
    rows = {}
    with db.engine.connect() as conn:
        for table in _lab_tables():
            order = list(table.primary_key.columns) or list(table.columns)
            result = conn.execute(sa.select(table).order_by(*order)).mappings()
            rows[table.name] = [{c.name: row[c] for c in table.columns} for row in result]
    return rows


def row_counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            table.name: conn.scalar(sa.select(sa.func.count()).select_from(table))
            for table in _lab_tables()
        }


def stored_file_hashes() -> dict[str, str]:
    """{sha256 column: SHA-256 of the stored bytes} for every stored file."""
    files = db.metadata.tables["stored_files"]
    with db.engine.connect() as conn:
        return {
            row.sha256: hashlib.sha256(row.data).hexdigest()
            for row in conn.execute(sa.select(files.c.sha256, files.c.data))
        }
