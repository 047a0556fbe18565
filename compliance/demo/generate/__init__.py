"""A synthetic lab network of any size for benchmarks: `flask --app compliance demo generate`.

Scale N is N sites, each a base lab of 50 people, 250 equipment items, 75 documents and 8
methods with five years of history. Deterministic for a seed (dates relative to the lab's
today). Rows are built in memory as plain dicts with pre-allocated ids and written with bulk
Core inserts in one transaction, so an interrupted run leaves the database empty.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import JSON, func, select, text

from compliance.audit.services import advance_anchor
from compliance.dates import lab_today
from compliance.db import UTCDateTime
from compliance.demo.generate.base import Context
from compliance.demo.lab import DEMO_PASSWORD
from compliance.documents.models import Document
from compliance.equipment.models import Equipment
from compliance.extensions import db
from compliance.personnel.models import Person
from compliance.users.models import User
from compliance.users.passwords import hash_password

BATCH = 5000
# Tables that must be empty before generating (the clause catalogue may already be loaded).
_MUST_BE_EMPTY = (User, Person, Document, Equipment)


class GenerateError(RuntimeError):
    pass


@dataclass
class Result:
    counts: dict[str, int]  # table -> rows written
    logins: dict[str, tuple[str, str]]  # who -> (name, e-mail)
    password: str
    audit_entries: int


def database_is_empty() -> bool:
    return not any(
        db.session.scalar(select(func.count()).select_from(model)) for model in _MUST_BE_EMPTY
    )


def build(
    scale: float, seed: int, on_phase: Callable[[str], None] | None = None
) -> tuple[Context, object, int, str]:
    """Every row of the lab, in memory, with the audit trail chained."""
    from compliance.demo.generate.documents import create_documents
    from compliance.demo.generate.equipment import create_equipment
    from compliance.demo.generate.files import create_files
    from compliance.demo.generate.people import create_staff, create_training
    from compliance.demo.generate.quality import create_methods, create_quality
    from compliance.demo.generate.trail import chain_journal

    phase = on_phase or (lambda name: None)
    ctx = Context(scale=scale, seed=seed, today=lab_today())
    phase("people")
    # One Argon2 hash shared by every generated account (hashing is deliberately slow).
    staff = create_staff(ctx, hash_password(DEMO_PASSWORD))
    blobs = create_files(ctx)
    phase("documents")
    registers = create_documents(ctx, staff, blobs)
    methods = create_methods(ctx, staff, registers)
    phase("training")
    create_training(ctx, staff, registers, methods)
    phase("equipment")
    create_equipment(ctx, staff, methods, blobs)
    phase("quality records")
    create_quality(ctx, staff, methods, blobs)
    phase("audit trail")
    last_seq, last_hash = chain_journal(ctx, current_app.config["AUDIT_HMAC_KEY"].encode())
    return ctx, staff, last_seq, last_hash


def _insert_order(tables) -> list:
    """Parents before children (the metadata's dependency order)."""
    wanted = set(tables)
    return [t for t in db.metadata.sorted_tables if t in wanted]


def _reset_sequences(tables) -> None:
    """PostgreSQL: explicit ids leave the id sequences at 1; move them past the rows."""
    for table in tables:
        if "id" in table.c and table.c.id.autoincrement is not False:
            sequence = func.pg_get_serial_sequence(table.name, "id")
            after = select(func.coalesce(func.max(table.c.id), 0) + 1).scalar_subquery()
            db.session.execute(select(func.setval(sequence, after, False)))


def _copy(table, rows: list[dict]) -> None:
    """PostgreSQL: COPY is several times faster than executemany; values are converted as the
    column types would bind them (UTC timestamps stored naive, JSON as text)."""
    columns = list(rows[0])
    converters = []
    for name in columns:
        column_type = table.c[name].type
        if isinstance(column_type, UTCDateTime):
            converters.append(lambda v: v and v.astimezone(dt.UTC).replace(tzinfo=None))
        elif isinstance(column_type, JSON):
            converters.append(lambda v: None if v is None else json.dumps(v))
        else:
            converters.append(None)
    pairs = list(zip(columns, converters, strict=True))
    cursor = db.session.connection().connection.driver_connection.cursor()
    names = ", ".join(f'"{name}"' for name in columns)
    with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([c(row[n]) if c else row[n] for n, c in pairs])
    cursor.close()


def _analyze() -> None:
    """Refresh the planner's statistics after the bulk load, as an operator would after a large
    import: without them PostgreSQL takes the new tables for nearly empty and picks nested
    loops over hundreds of thousands of rows (a 0.1 s gap rule took 4 s)."""
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def generate(
    scale: float,
    seed: int = 17025,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> Result:
    """Generate the lab into an empty database and commit. Raises GenerateError when the
    database already holds a lab."""
    if scale <= 0:
        raise GenerateError("The scale must be positive.")
    if not database_is_empty():
        raise GenerateError(
            "The database already has users, staff, documents or equipment; generate only into "
            "an empty, migrated database."
        )
    ctx, staff, last_seq, last_hash = build(scale, seed, on_phase)
    tables = _insert_order(ctx.rows)
    if on_total:
        on_total(sum(len(ctx.rows[t]) for t in tables))
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    counts = {}
    for table in tables:
        rows = ctx.rows[table]
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            if postgresql:
                _copy(table, batch)
            else:
                db.session.execute(table.insert(), batch)
            if progress:
                progress(len(batch))
        counts[table.name] = len(rows)
    if postgresql:
        _reset_sequences(tables)
    db.session.commit()
    _analyze()
    if last_seq:
        advance_anchor(current_app.config["AUDIT_ANCHOR_PATH"], last_seq, last_hash)
    logins = {key: (login.name, login.email) for key, login in staff.logins.items()}
    return Result(counts, logins, DEMO_PASSWORD, last_seq)
