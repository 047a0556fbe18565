"""Table and column versions: what makes a stored result provably current.

Every statement goes through the engine's `before_cursor_execute`. A write notes what it
changes on its connection (see statements.py: a table's rows, or the columns an UPDATE sets),
and the connection's commit bumps those versions in the same transaction, so a rolled-back
write bumps nothing and readers see data and versions change together. Catching writes at the
cursor covers the ORM, bulk inserts, imports, the generator and migrations alike: no write path
has to remember to invalidate anything.

While `reading()` is active, every SELECT adds the tables and columns it names to the set
being collected: that is how a stored result learns what it depends on, lazy loads included.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import registry

from compliance.stored import statements
from compliance.stored.models import DERIVED_TABLES
from compliance.stored.statements import Columns, Counters

# Writes to these say nothing about the lab's data.
UNVERSIONED = DERIVED_TABLES | {"alembic_version"}

_WRITTEN = "written_versions"
_readers: ContextVar[tuple[set[str], ...]] = ContextVar("version_readers", default=())


def install(engine: Engine, columns: Columns, counters: Counters) -> None:
    """Track reads and writes on `engine`; `columns`: every mapped table's column names,
    `counters`: each table's optimistic-lock counters (left out, see statements.py)."""
    counters = {t.lower(): frozenset(c.lower() for c in names) for t, names in counters.items()}
    columns = {
        table.lower(): frozenset(c.lower() for c in names) - counters.get(table.lower(), set())
        for table, names in columns.items()
        if table.lower() not in UNVERSIONED
    }

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(conn, _cursor, statement, _parameters, _context, _executemany):
        if statements.is_read(statement):
            if readers := _readers.get():
                keys = statements.read_keys(statement, columns)
                for reader in readers:
                    reader |= keys
        elif written := statements.written_keys(statement, columns, counters):
            conn.info.setdefault(_WRITTEN, set()).update(written)

    @event.listens_for(engine, "commit")
    def _bump_on_commit(conn):
        if written := conn.info.pop(_WRITTEN, None):
            bump(conn, written)

    @event.listens_for(engine, "rollback")
    def _forget(conn):
        conn.info.pop(_WRITTEN, None)


def counter_columns(models: registry) -> dict[str, frozenset[str]]:
    """Each mapped table's optimistic-lock counter (`version_id_col`)."""
    found: dict[str, set[str]] = {}
    for mapper in models.mappers:
        if mapper.version_id_col is not None and mapper.local_table is not None:
            found.setdefault(mapper.local_table.name, set()).add(mapper.version_id_col.name)
    return {table: frozenset(names) for table, names in found.items()}


def bump(conn: Connection, keys: set[str]) -> None:
    """One more version for each key, in the writer's own transaction. Sorted, so concurrent
    PostgreSQL writers lock the counters in one order (no deadlock); writers already queue on
    the audit chain's lock, so this adds no new contention."""
    if not _has_versions_table(conn):  # migrating up from an older schema
        return
    conn.execute(
        text(
            "INSERT INTO data_versions (table_name, version) VALUES (:t, 1) "
            "ON CONFLICT (table_name) DO UPDATE SET version = data_versions.version + 1"
        ),
        [{"t": key} for key in sorted(keys)],
    )


def _has_versions_table(conn: Connection) -> bool:
    if conn.dialect.name == "postgresql":
        found = conn.execute(text("SELECT to_regclass('data_versions')")).scalar()
    else:
        found = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'data_versions'")
        ).scalar()
    return found is not None


def has_uncommitted_writes(conn: Connection) -> bool:
    return bool(conn.info.get(_WRITTEN))


def current(conn_or_session) -> dict[str, int]:
    """Every key's version (a table or column never written has none: version 0)."""
    rows = conn_or_session.execute(text("SELECT table_name, version FROM data_versions"))
    return {name: version for name, version in rows}


@contextmanager
def reading() -> Iterator[set[str]]:
    """Collect the keys (tables, columns) every statement in the block reads; nested blocks
    each collect."""
    keys: set[str] = set()
    token = _readers.set((*_readers.get(), keys))
    try:
        yield keys
    finally:
        _readers.reset(token)


def note_read(keys: set[str]) -> None:
    """Tell the blocks being collected that they depend on `keys` (read earlier, reused now)."""
    for reader in _readers.get():
        reader |= keys
