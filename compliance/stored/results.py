"""Stored results: reuse a computation while nothing it read has changed.

`stored_many(recipes)` answers each recipe from the `stored_results` table when the versions
noted with the entry (of the tables and columns it read, see versions.py) are still the
current ones. It computes the missing ones together in a fresh session, each from an empty
identity map (so every row it uses comes from a query of its own and its dependencies are
complete), and stores them for every worker and app server in one commit. On PostgreSQL one
worker computes a result while the others wait for it (an advisory lock per result), so an
edit followed by a burst of dashboards costs one computation, not one per worker. A request
that has written and not yet committed computes in its own session, sees its own writes, and
stores nothing.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app, g, has_request_context, request
from sqlalchemy import delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from compliance import collector
from compliance.dates import lab_today
from compliance.extensions import db
from compliance.stored import versions
from compliance.stored.models import StoredResult

log = logging.getLogger(__name__)

# Parsed payloads this process has read, so a hit costs no JSON parsing (validity is still
# checked against the database's table versions on every call).
_PARSED: OrderedDict[tuple[str, str], Any] = OrderedDict()
_PARSED_LIMIT = 64
_PARSED_LOCK = threading.Lock()  # threaded servers share it
_MISSING = object()
# How long a worker waits for a peer computing the same result before computing it too.
LOCK_WAIT_S = 30
_code_version: str | None = None


@dataclass
class Recipe:
    """How to compute a result and turn it into JSON and back. `inputs`: everything besides
    the database it depends on (dates, settings); today's date and the code are added."""

    name: str
    inputs: dict
    compute: Callable[[], Any]
    dump: Callable[[Any], Any] = field(default=lambda value: value)
    # A copy by default: the parsed payload is shared by every later request in this process.
    load: Callable[[Any], Any] = field(default=copy.deepcopy)


def stored(recipe: Recipe) -> Any:
    return stored_many([recipe])[0]


def stored_many(recipes: Sequence[Recipe]) -> list[Any]:
    if not current_app.config.get("STORED_RESULTS", True) or _has_own_writes():
        return [r.load(r.dump(r.compute())) for r in recipes]
    keys = [_key(r) for r in recipes]
    session = db.session
    current = versions.current(session)
    noted = dict(
        session.execute(
            select(StoredResult.key, StoredResult.tables).where(StoredResult.key.in_(keys))
        ).all()
    )
    pending = g.get("stored_pending", {})
    noted |= {key: pending[key].tables for key in keys if key in pending}
    found = _payloads({k: t for k, t in noted.items() if _still_current(t, current)})
    # Stale, never stored, or pruned since (a new day began): computed together.
    missing = {key: recipe for recipe, key in zip(recipes, keys, strict=True) if key not in found}
    if missing:
        found |= _compute_and_store(missing)
    return [recipe.load(found[key]) for recipe, key in zip(recipes, keys, strict=True)]


def _still_current(tables: dict, current: dict) -> bool:
    """Every table and column an entry read is still at the version noted with it."""
    return all(current.get(t, 0) == v for t, v in tables.items())


def _has_own_writes() -> bool:
    """Unflushed or uncommitted changes in this request's session: a stored result (or one
    computed in another session) would not show them."""
    session = db.session()
    if session.new or session.dirty or session.deleted:
        return True
    if session.get_transaction() is None:
        # Between transactions, unless bound to a connection in an outer transaction (tests).
        bind = session.get_bind()
        return isinstance(bind, Connection) and versions.has_uncommitted_writes(bind)
    return versions.has_uncommitted_writes(session.connection())


def _tag(key: str, tables: dict) -> tuple[str, str]:
    return key, json.dumps(tables, sort_keys=True)


def _payloads(valid: dict[str, dict]) -> dict[str, Any]:
    """The parsed payloads of the valid entries {key: tables}: from this process's memory, this
    request's pending entries, or else one query for the rest. An entry pruned meanwhile is
    left out."""
    found, unread = {}, []
    pending = g.get("stored_pending", {})
    for key, tables in valid.items():
        tag = _tag(key, tables)
        with _PARSED_LOCK:
            if (payload := _PARSED.get(tag, _MISSING)) is not _MISSING:
                _PARSED.move_to_end(tag)
        if payload is not _MISSING:
            found[key] = payload
        elif (entry := pending.get(key)) is not None:
            found[key] = _remember(tag, json.loads(entry.raw))
        else:
            unread.append(key)
    if unread:
        rows = db.session.execute(
            select(StoredResult.key, StoredResult.payload).where(StoredResult.key.in_(unread))
        )
        for key, raw in rows:
            found[key] = _remember(_tag(key, valid[key]), json.loads(raw))
    return found


def _remember(tag: tuple[str, str], payload: Any) -> Any:
    with _PARSED_LOCK:
        _PARSED[tag] = payload
        _PARSED.move_to_end(tag)
        while len(_PARSED) > _PARSED_LIMIT:
            _PARSED.popitem(last=False)
    return payload


@dataclass
class _Computed:
    key: str
    name: str
    tables: dict  # {table or table.column: version it was read at}
    raw: str  # the payload as JSON
    elapsed_ms: int


def _compute_and_store(missing: dict[str, Recipe]) -> dict[str, Any]:
    """Compute the missing results {key: recipe} in one new session (one transaction, one lock
    and one save for all of them: a cold gap evaluation is twenty results), each starting from
    an empty identity map so that every row it uses comes from a query of its own and its
    dependencies are complete."""
    defer = _request_holds_a_snapshot()
    app = current_app._get_current_object()
    with app.app_context():
        session = db.session
        found, at = _stored_by_peers(session, list(missing))
        entries = []
        with collector.paused():
            for key, recipe in missing.items():
                if key in found:
                    continue
                # Objects an earlier result loaded (or GapContext.memo keeps) are let go, not
                # expired: a lazy load then queries, and notes what it read.
                session.expunge_all()
                started = time.perf_counter()
                with versions.reading() as tables:
                    payload = recipe.dump(recipe.compute())
                elapsed = round((time.perf_counter() - started) * 1000)
                noted = {t: at.get(t, 0) for t in sorted(tables)}
                entries.append(_Computed(key, recipe.name, noted, json.dumps(payload), elapsed))
        if entries and not defer:
            _save(entries)  # while this session still holds the keys' locks (PostgreSQL)
        session.close()
    if defer:
        # A commit now would make this request's own later write fail on SQLite (its read
        # snapshot would be stale): store when the request is over (save_pending).
        g.setdefault("stored_pending", {}).update({e.key: e for e in entries})
    for entry in entries:
        found[entry.key] = _remember(_tag(entry.key, entry.tables), json.loads(entry.raw))
    return found


def _stored_by_peers(session, keys: list[str]) -> tuple[dict[str, Any], dict[str, int]]:
    """Single flight on PostgreSQL: wait for the keys' locks, held by whichever worker or app
    server is computing the same results, and take what it stored (the locks are then ours
    until the session ends, so peers wait for us in turn). Also the table versions, read
    first thing: the snapshot the missing results are computed on."""
    if session.get_bind().dialect.name != "postgresql":
        return {}, versions.current(session)
    try:
        # One round trip: the subquery sets the wait limit before the locks are asked for,
        # in one order (sorted) in every worker, so two batches cannot deadlock.
        session.execute(
            text(
                "SELECT pg_advisory_xact_lock(k) "
                "FROM (SELECT set_config('lock_timeout', :t, true)) AS wait_limit, "
                "(SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY 1) AS wanted"
            ),
            {"keys": sorted({_lock_id(key) for key in keys}), "t": f"{LOCK_WAIT_S}s"},
        )
    except DBAPIError as error:  # waited too long, or a deadlock between nested results
        session.rollback()
        log.warning("computing %d results without waiting for a peer: %s", len(keys), error)
        return {}, versions.current(session)
    current = versions.current(session)
    rows = session.execute(
        select(StoredResult.key, StoredResult.tables, StoredResult.payload).where(
            StoredResult.key.in_(keys)
        )
    )
    found = {
        key: _remember(_tag(key, tables), json.loads(raw))
        for key, tables, raw in rows
        if _still_current(tables, current)
    }
    return found, current


def _lock_id(key: str) -> int:
    """The advisory lock's number: 63 bits of the key (a signed bigint)."""
    return int(key[:16], 16) >> 1


def _request_holds_a_snapshot() -> bool:
    session = db.session()
    return session.get_bind().dialect.name == "sqlite" and session.get_transaction() is not None


def save_pending(_exc=None) -> None:
    """teardown_appcontext: store what this context computed but could not store at once."""
    pending = g.pop("stored_pending", None)
    if pending:
        _save(list(pending.values()))


def _save(entries: list[_Computed]) -> None:
    app = current_app._get_current_object()
    with app.app_context():
        session = db.session
        try:
            for entry in entries:
                _store(session, entry)
            session.execute(delete(StoredResult).where(StoredResult.made_on < lab_today()))
            session.commit()
        except DBAPIError as error:  # busy: a later request stores them
            session.rollback()
            log.warning("could not store %s: %s", [e.name for e in entries], error)


def _store(session, entry: _Computed) -> None:
    today = lab_today()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = dict(
        name=entry.name,
        made_on=today,
        tables=entry.tables,
        payload=entry.raw,
        compute_ms=entry.elapsed_ms,
    )
    stmt = insert(StoredResult).values(key=entry.key, **values)
    session.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=values))


def _key(recipe: Recipe) -> str:
    parts = {
        "name": recipe.name,
        "inputs": recipe.inputs,
        "today": lab_today().isoformat(),
        "code": code_version(),
        "config": _config_digest(),
        "root": request.script_root if has_request_context() else None,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def code_version() -> str:
    """A digest of the package's source: results computed by other code are not reused."""
    global _code_version
    if _code_version is None:
        digest = hashlib.sha256()
        package = Path(__file__).resolve().parents[1]
        for path in sorted(package.rglob("*.py")):
            digest.update(path.read_bytes())
        _code_version = digest.hexdigest()[:16]
    return _code_version


def _config_digest() -> str:
    """Settings (warning windows, the lab's time zone) shape results too."""
    extensions = current_app.extensions
    if "stored_config_digest" not in extensions:
        simple = {
            k: v
            for k, v in current_app.config.items()
            if isinstance(v, str | int | float | bool | type(None))
        }
        digest = hashlib.sha256(json.dumps(simple, sort_keys=True).encode()).hexdigest()
        extensions["stored_config_digest"] = digest[:16]
    return extensions["stored_config_digest"]
