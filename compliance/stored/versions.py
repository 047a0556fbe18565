"""Table versions: what makes a stored result provably current.

Every statement goes through the engine's `before_cursor_execute`; a write notes the tables it
names on its connection, and the connection's commit bumps those tables' versions in the same
transaction (so a rolled-back write bumps nothing, and readers see data and versions change
together). Catching writes at the cursor covers the ORM, bulk inserts, imports, the generator
and migrations alike: no write path has to remember to invalidate anything.

While `reading()` is active, every SELECT adds the tables it names to the set being collected:
that is how a stored result learns what it depends on, lazy loads included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine

# Writes to these say nothing about the lab's data.
UNVERSIONED = frozenset({"data_versions", "stored_results", "alembic_version"})

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_READ_ONLY = frozenset(
    {"select", "pragma", "savepoint", "release", "rollback", "begin", "commit", "show", "set"}
    | {"explain", "analyze", "vacuum", "reset", "listen", "unlisten"}
)
_WITH_WRITE = re.compile(r"\b(insert\s+into|update\s+\S+\s+set|delete\s+from)\b", re.IGNORECASE)
_WRITTEN = "written_tables"
_readers: ContextVar[tuple[set[str], ...]] = ContextVar("table_readers", default=())


def install(engine: Engine, tables: frozenset[str]) -> None:
    """Track reads and writes on `engine`; `tables`: every table name the app maps."""
    known = frozenset(t.lower() for t in tables)

    def named(statement: str) -> set[str]:
        return {w for w in map(str.lower, _WORD.findall(statement)) if w in known}

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(conn, _cursor, statement, _parameters, _context, _executemany):
        first = statement.lstrip(" (\n\t").split(None, 1)[:1]
        verb = first[0].lower() if first else ""
        if verb in _READ_ONLY or (verb == "with" and not _WITH_WRITE.search(statement)):
            if readers := _readers.get():
                tables = named(statement)
                for reader in readers:
                    reader |= tables
            return
        if written := named(statement) - UNVERSIONED:  # DML, DDL: conservatively every name
            conn.info.setdefault(_WRITTEN, set()).update(written)

    @event.listens_for(engine, "commit")
    def _bump_on_commit(conn):
        if written := conn.info.pop(_WRITTEN, None):
            bump(conn, written)

    @event.listens_for(engine, "rollback")
    def _forget(conn):
        conn.info.pop(_WRITTEN, None)


def bump(conn: Connection, tables: set[str]) -> None:
    """One more version for each table, in the writer's own transaction. Sorted, so concurrent
    PostgreSQL writers lock the counters in one order (no deadlock); writers already queue on
    the audit chain's lock, so this adds no new contention."""
    if not _has_versions_table(conn):  # migrating up from an older schema
        return
    conn.execute(
        text(
            "INSERT INTO data_versions (table_name, version) VALUES (:t, 1) "
            "ON CONFLICT (table_name) DO UPDATE SET version = data_versions.version + 1"
        ),
        [{"t": t} for t in sorted(tables)],
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
    """Every table's version (a table never written has none: version 0)."""
    rows = conn_or_session.execute(text("SELECT table_name, version FROM data_versions"))
    return {name: version for name, version in rows}


@contextmanager
def reading() -> Iterator[set[str]]:
    """Collect the tables every statement in the block reads (nested blocks each collect)."""
    tables: set[str] = set()
    token = _readers.set((*_readers.get(), tables))
    try:
        yield tables
    finally:
        _readers.reset(token)
        tables -= UNVERSIONED


def note_read(tables: set[str]) -> None:
    """Tell the blocks being collected that they depend on `tables` (read earlier, reused now)."""
    for reader in _readers.get():
        reader |= tables
