"""Write every table to one sealed zip archive; restore it, all or nothing, into an empty database.

Layout of an archive (format compliance-backup/1):

    manifest.json         schema revision, per-table row counts and SHA-256 of every member,
                          the audit-chain anchor and tail
    manifest.hmac         HMAC-SHA256 of manifest.json under a key derived from the audit key:
                          without that key nobody can edit an archive and re-seal it
    tables/<name>.jsonl   one JSON object per row in primary-key order; bytes as base64, dates
                          and times as ISO 8601, so an archive moves between SQLite and PostgreSQL

Tables are written and restored in foreign-key order (metadata.sorted_tables). Stored files are
rows of stored_files, so their bytes travel inside the archive, exactly.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import decimal
import fcntl
import hashlib
import hmac
import json
import os
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata as package_metadata
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.types import TypeDecorator

from compliance.audit.services import GENESIS, entry_digest, read_anchor
from compliance.db import utcnow
from compliance.extensions import db
from compliance.stored.models import DERIVED_TABLES

FORMAT = "compliance-backup/1"
MANIFEST = "manifest.json"
SEAL = "manifest.hmac"
TABLES_DIR = "tables/"
CHUNK = 1 << 20
BATCH_ROWS = 500
BATCH_BYTES = 16 << 20
# Rows here mean the database has been used: a restore never merges into such a database.
# Other tables may already hold what a migration seeded (the clause catalogue), as long as
# those rows equal the archive's.
IN_USE_TABLES = ("users", "audit_entries")
NOTHING_WRITTEN = "nothing was restored"
# Everything the zip and zlib layers raise on a damaged or cut-short archive.
DAMAGE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    KeyError,
)


class BackupError(RuntimeError):
    """A refused backup or restore; the message names the problem."""


@dataclass
class BackupSummary:
    path: str
    tables: int
    rows: int
    stored_files: int
    audit_tail: int | None
    row_counts: dict[str, int] = field(default_factory=dict)
    # Restore only: tables left as a migration seeded them (equal to the archive's rows).
    kept: list[str] = field(default_factory=list)
    verify_message: str | None = None

    def line(self) -> str:
        audit = f"audit trail to entry {self.audit_tail}" if self.audit_tail else "no audit entries"
        return (
            f"{self.path}: {self.tables} tables, {self.rows} rows, "
            f"{self.stored_files} stored files, {audit}"
        )


# --- keys -----------------------------------------------------------------------------------


def _derived_key(purpose: bytes) -> bytes:
    audit_key = current_app.config["AUDIT_HMAC_KEY"].encode()
    return hmac.new(audit_key, b"compliance backup: " + purpose, hashlib.sha256).digest()


def key_id() -> str:
    """Names the audit key without revealing it, so a restore can say which key is missing."""
    return _derived_key(b"key id").hex()[:16]


def seal(manifest_bytes: bytes) -> str:
    return hmac.new(_derived_key(b"manifest seal"), manifest_bytes, hashlib.sha256).hexdigest()


# --- values ---------------------------------------------------------------------------------


def column_kind(column: sa.Column) -> str:
    """How a column's values are written to JSON: by the column's type, on every dialect."""
    type_ = column.type
    if isinstance(type_, sa.Interval):
        return "interval"
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    for cls, kind in (
        (sa.JSON, "json"),
        (sa.LargeBinary, "bytes"),
        (sa.DateTime, "datetime"),
        (sa.Date, "date"),
        (sa.Time, "time"),
        (sa.Uuid, "uuid"),
    ):
        if isinstance(type_, cls):
            return kind
    if isinstance(type_, sa.Numeric) and not isinstance(type_, sa.Float) and type_.asdecimal:
        return "decimal"
    return "plain"


def encode_value(kind: str, value, where: str):
    if value is None or kind == "json":
        return value
    if kind == "bytes":
        return base64.b64encode(value).decode("ascii")
    if kind in ("datetime", "date", "time"):
        return value.isoformat()
    if kind in ("decimal", "uuid"):
        return str(value)
    if kind == "interval":
        return [value.days, value.seconds, value.microseconds]
    if isinstance(value, str | int | float | bool):
        return value
    raise BackupError(f"{where}: cannot archive a value of type {type(value).__name__}")


def decode_value(kind: str, value):
    if value is None or kind in ("json", "plain"):
        return value
    if kind == "bytes":
        return base64.b64decode(value, validate=True)
    if kind == "datetime":
        return dt.datetime.fromisoformat(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "time":
        return dt.time.fromisoformat(value)
    if kind == "decimal":
        return decimal.Decimal(value)
    if kind == "uuid":
        import uuid

        return uuid.UUID(value)
    if kind == "interval":
        days, seconds, microseconds = value
        return dt.timedelta(days=days, seconds=seconds, microseconds=microseconds)
    raise ValueError(f"unknown value kind {kind!r}")


def _tables() -> list[sa.Table]:
    """The lab's tables: not the stored results and table versions derived from them."""
    return [t for t in db.metadata.sorted_tables if t.name not in DERIVED_TABLES]


def _order(table: sa.Table) -> list[sa.Column]:
    return list(table.primary_key.columns) or list(table.columns)


def _schema_revisions(conn) -> list[str]:
    if not sa.inspect(conn).has_table("alembic_version"):
        return []
    return sorted(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


# --- backup ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _snapshot() -> Iterator[sa.Connection]:
    """One read transaction, so every table is seen at the same moment.

    PostgreSQL: REPEATABLE READ, read only (writers go on). SQLite: the app's engine starts
    transactions outside a request with BEGIN IMMEDIATE, so writers wait until the backup is read.
    """
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def _write_table(archive: zipfile.ZipFile, conn, table: sa.Table) -> dict:
    member = f"{TABLES_DIR}{table.name}.jsonl"
    columns = [(column, column_kind(column)) for column in table.columns]
    digest, rows = hashlib.sha256(), 0
    result = conn.execution_options(yield_per=BATCH_ROWS).execute(
        sa.select(table).order_by(*_order(table))
    )
    info = zipfile.ZipInfo(member, date_time=time.gmtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=True) as out:
        for row in result:
            mapping = row._mapping
            record = {
                column.name: encode_value(kind, mapping[column], f"{table.name}.{column.name}")
                for column, kind in columns
            }
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
            digest.update(line)
            out.write(line)
            rows += 1
    return {
        "name": table.name,
        "member": member,
        "rows": rows,
        "sha256": digest.hexdigest(),
        "columns": [[column.name, kind] for column, kind in columns],
    }


def _app_version() -> str:
    try:
        return package_metadata.version("compliance")
    except package_metadata.PackageNotFoundError:
        return "unknown"


def create_backup(out_path: str | os.PathLike, *, overwrite: bool = False) -> BackupSummary:
    """Write the whole database to one archive at `out_path` (mode 0600: it holds password
    hashes). Raises BackupError when the path is taken or its folder is missing."""
    out = Path(out_path)
    if out.exists() and not overwrite:
        raise BackupError(f"{out} already exists; choose another name or pass --force.")
    if not out.parent.is_dir():
        raise BackupError(f"the folder {out.parent} does not exist.")
    # Read before the snapshot: the anchor only moves after a commit, so it is never ahead.
    anchor = read_anchor(current_app.config["AUDIT_ANCHOR_PATH"])
    audit = db.metadata.tables["audit_entries"]
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                with _snapshot() as conn:
                    revisions = _schema_revisions(conn)
                    if not revisions:
                        raise BackupError(
                            "the database is not migrated (no alembic_version): nothing to back up."
                        )
                    tables = [_write_table(archive, conn, table) for table in _tables()]
                    tail = conn.execute(
                        sa.select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1)
                    ).first()
                    dialect = conn.dialect.name
                manifest = {
                    "format": FORMAT,
                    "created_at": utcnow().isoformat(),
                    "application": {"name": "compliance", "version": _app_version()},
                    "source_dialect": dialect,
                    "schema_revisions": revisions,
                    "key_id": key_id(),
                    "tables": tables,
                    "audit": {
                        "anchor": {"seq": anchor[0], "hash": anchor[1]} if anchor else None,
                        "tail": {"seq": tail.seq, "hash": tail.hash} if tail else None,
                    },
                }
                manifest_bytes = json.dumps(manifest, indent=1, sort_keys=True).encode()
                archive.writestr(MANIFEST, manifest_bytes)
                archive.writestr(SEAL, seal(manifest_bytes) + "\n")
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp_name, out)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_folder(out.parent)
    counts = {t["name"]: t["rows"] for t in tables}
    return BackupSummary(
        path=str(out),
        tables=len(tables),
        rows=sum(counts.values()),
        stored_files=counts.get("stored_files", 0),
        audit_tail=tail.seq if tail else None,
        row_counts=counts,
    )


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- reading and checking an archive --------------------------------------------------------


class Archive:
    """An opened archive whose seal, members and audit chain have all been checked."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
        except DAMAGE as error:
            raise BackupError(
                f"{path} is not a readable backup archive (not a zip file, or cut short): "
                f"{error}; {NOTHING_WRITTEN}."
            ) from None
        try:
            self.manifest = self._checked_manifest()
            self.tables = {t["name"]: t for t in self.manifest["tables"]}
            self._check_members()
        except BaseException:
            self.zip.close()
            raise

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _refuse(self, message: str) -> BackupError:
        return BackupError(f"{self.path}: {message}; {NOTHING_WRITTEN}.")

    def _read(self, member: str) -> bytes:
        try:
            return self.zip.read(member)
        except KeyError:
            raise self._refuse(f"member {member} is missing") from None
        except DAMAGE as error:
            raise self._refuse(f"member {member} is damaged ({error})") from None

    def _checked_manifest(self) -> dict:
        manifest_bytes = self._read(MANIFEST)
        sealed = self._read(SEAL).decode("ascii", "replace").strip()
        try:
            manifest = json.loads(manifest_bytes)
        except ValueError as error:
            raise self._refuse(f"{MANIFEST} is not valid JSON ({error})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise self._refuse(f"{MANIFEST} does not describe a {FORMAT} archive")
        if manifest.get("key_id") != key_id():
            raise self._refuse(
                f"the archive was sealed with another audit key (key id {manifest.get('key_id')}, "
                f"this instance has {key_id()}). Set AUDIT_HMAC_KEY, or copy the audit_hmac_key "
                "file, from the instance the backup came from: its audit trail verifies only "
                "under that key"
            )
        if not hmac.compare_digest(sealed, seal(manifest_bytes)):
            raise self._refuse(
                f"{MANIFEST} does not match its seal ({SEAL}): the manifest was changed after "
                "the backup was written"
            )
        if not _well_formed(manifest):
            raise self._refuse(f"{MANIFEST} is missing required fields")
        return manifest

    def _check_members(self) -> None:
        names = set(self.zip.namelist())
        expected = {MANIFEST, SEAL} | {t["member"] for t in self.tables.values()}
        if missing := sorted(expected - names):
            raise self._refuse(f"member {missing[0]} is missing")
        if unlisted := sorted(names - expected):
            raise self._refuse(f"member {unlisted[0]} is not listed in the manifest")
        for table in self.tables.values():
            digest, lines = hashlib.sha256(), 0
            try:
                with self.zip.open(table["member"]) as stream:
                    while chunk := stream.read(CHUNK):
                        digest.update(chunk)
                        lines += chunk.count(b"\n")
            except DAMAGE as error:
                raise self._refuse(f"member {table['member']} is damaged ({error})") from None
            if digest.hexdigest() != table["sha256"]:
                raise self._refuse(
                    f"member {table['member']} does not match its SHA-256 in the manifest "
                    f"(manifest {table['sha256'][:12]}…, archive {digest.hexdigest()[:12]}…)"
                )
            if lines != int(table["rows"]):
                raise self._refuse(
                    f"member {table['member']} has {lines} rows, the manifest says {table['rows']}"
                )

    def rows(self, name: str) -> Iterator[dict]:
        """The table's rows, decoded to Python values keyed by column name."""
        table = self.tables[name]
        kinds = dict(table["columns"])
        with self.zip.open(table["member"]) as stream:
            for number, line in enumerate(stream, start=1):
                try:
                    record = json.loads(line)
                    yield {key: decode_value(kinds[key], value) for key, value in record.items()}
                except (ValueError, KeyError, TypeError, binascii.Error) as error:
                    raise self._refuse(
                        f"{table['member']} line {number} cannot be read ({error})"
                    ) from None

    # --- content checks that need the app's key and schema --------------------------------

    def check_audit_chain(self) -> None:
        """Every archived audit entry links to the one before and carries a valid MAC; the
        source's anchor lies on the chain (no entries were cut off before the backup)."""
        key = current_app.config["AUDIT_HMAC_KEY"].encode()
        expected_seq, prev_hash, hashes = 1, GENESIS, {}
        for row in self.rows("audit_entries"):
            entry = SimpleNamespace(**row)
            if entry.seq != expected_seq:
                raise self._refuse(f"the archived audit trail has no entry {expected_seq}")
            if entry.prev_hash != prev_hash or not hmac.compare_digest(
                entry_digest(key, entry), entry.hash
            ):
                raise self._refuse(
                    f"archived audit entry {entry.seq} does not verify (altered, or written "
                    "under another audit key)"
                )
            hashes[entry.seq] = entry.hash
            prev_hash, expected_seq = entry.hash, expected_seq + 1
        audit = self.manifest["audit"]
        tail = audit["tail"]
        if (tail is None) != (not hashes) or (tail and hashes.get(tail["seq"]) != tail["hash"]):
            raise self._refuse("the archived audit trail does not end where the manifest says")
        anchor = audit["anchor"]
        if anchor and hashes.get(anchor["seq"]) != anchor["hash"]:
            raise self._refuse(
                f"the source instance's anchor records audit entry {anchor['seq']}, which the "
                "archived trail does not contain: entries were removed before the backup"
            )

    def check_stored_files(self) -> None:
        if "stored_files" not in self.tables:
            return
        for row in self.rows("stored_files"):
            if hashlib.sha256(row["data"]).hexdigest() != row["sha256"]:
                raise self._refuse(f"stored file {row['sha256'][:12]}… does not match its SHA-256")

    def check_schema(self, conn) -> None:
        """The archive must come from the schema revision this database is migrated to."""
        revisions = _schema_revisions(conn)
        if not revisions:
            raise BackupError(
                "the target database is not migrated: run `flask --app compliance db upgrade` "
                f"on a new, empty database first; {NOTHING_WRITTEN}."
            )
        if revisions != sorted(self.manifest["schema_revisions"]):
            raise BackupError(
                f"the archive was written at schema revision "
                f"{', '.join(self.manifest['schema_revisions']) or '(none)'}, the target database "
                f"is at {', '.join(revisions)}: restore with the application version that wrote "
                f"the backup, then upgrade; {NOTHING_WRITTEN}."
            )
        ours = {t.name: [c.name for c in t.columns] for t in _tables()}
        theirs = {name: [c for c, _ in t["columns"]] for name, t in self.tables.items()}
        if set(ours) != set(theirs):
            raise BackupError(
                f"the archive's tables differ from this application's: "
                f"missing {sorted(set(ours) - set(theirs))}, "
                f"unknown {sorted(set(theirs) - set(ours))}; {NOTHING_WRITTEN}."
            )
        for name, columns in ours.items():
            if sorted(columns) != sorted(theirs[name]):
                raise BackupError(
                    f"table {name} has columns {sorted(theirs[name])} in the archive but "
                    f"{sorted(columns)} here; {NOTHING_WRITTEN}."
                )

    def summary(self) -> BackupSummary:
        counts = {name: int(t["rows"]) for name, t in self.tables.items()}
        tail = self.manifest["audit"]["tail"]
        return BackupSummary(
            path=str(self.path),
            tables=len(counts),
            rows=sum(counts.values()),
            stored_files=counts.get("stored_files", 0),
            audit_tail=tail["seq"] if tail else None,
            row_counts=counts,
        )


def _well_formed(manifest: dict) -> bool:
    tables, audit = manifest.get("tables"), manifest.get("audit")
    return (
        isinstance(tables, list)
        and all(
            isinstance(t, dict)
            and isinstance(t.get("name"), str)
            and isinstance(t.get("member"), str)
            and isinstance(t.get("sha256"), str)
            and isinstance(t.get("rows"), int)
            and isinstance(t.get("columns"), list)
            and all(isinstance(c, list) and len(c) == 2 for c in t["columns"])
            for t in tables
        )
        and isinstance(audit, dict)
        and {"anchor", "tail"} <= set(audit)
        and isinstance(manifest.get("schema_revisions"), list)
    )


def open_archive(path: str | os.PathLike) -> Archive:
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file; {NOTHING_WRITTEN}.")
    archive = Archive(path)
    try:
        archive.check_audit_chain()
        archive.check_stored_files()
    except BaseException:
        archive.close()
        raise
    return archive


def check_archive(path: str | os.PathLike) -> BackupSummary:
    """Check an archive completely (seal, member hashes, row counts, audit chain, file hashes,
    schema) without writing anything. Raises BackupError naming the first problem."""
    with open_archive(path) as archive, db.engine.connect() as conn:
        archive.check_schema(conn)
        return archive.summary()


# --- restore --------------------------------------------------------------------------------


def _current_rows(conn, table: sa.Table) -> list[dict]:
    rows = conn.execute(sa.select(table).order_by(*_order(table))).mappings()
    return [{column.name: row[column] for column in table.columns} for row in rows]


def _tables_to_write(conn, archive: Archive) -> tuple[list[sa.Table], list[str]]:
    """The tables to fill, and the ones left as seeded. Refuses a database that is in use."""
    if conn.dialect.name == "postgresql":
        # Nobody may start using the database between this check and our commit.
        names = ", ".join(conn.dialect.identifier_preparer.quote(n) for n in IN_USE_TABLES)
        conn.execute(sa.text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
    write, kept = [], []
    for table in _tables():
        count = conn.scalar(sa.select(sa.func.count()).select_from(table))
        if not count:
            write.append(table)
            continue
        if table.name in IN_USE_TABLES:
            raise BackupError(
                f"the target database is not empty: {table.name} has {count} rows. Restore only "
                "into a new database migrated with `flask --app compliance db upgrade`; "
                f"{NOTHING_WRITTEN}."
            )
        if _current_rows(conn, table) != list(archive.rows(table.name)):
            raise BackupError(
                f"the target database is not empty: {table.name} holds {count} rows that differ "
                f"from the archive's; {NOTHING_WRITTEN}."
            )
        kept.append(table.name)
    return write, kept


def _batches(rows: Iterator[dict], table: sa.Table) -> Iterator[list[dict]]:
    keys = {column.name: column.key for column in table.columns}
    batch, size = [], 0
    for row in rows:
        batch.append({keys[name]: value for name, value in row.items()})
        size += sum(len(v) for v in row.values() if isinstance(v, bytes | str))
        if len(batch) >= BATCH_ROWS or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _reset_sequences(conn) -> None:
    """PostgreSQL sequences continue after the explicit ids we inserted."""
    from sqlalchemy.dialects.postgresql import REGCLASS

    quote = conn.dialect.identifier_preparer.quote
    for table in _tables():
        primary = list(table.primary_key.columns)
        if len(primary) != 1 or not isinstance(primary[0].type, sa.Integer):
            continue
        sequence = conn.scalar(
            sa.select(sa.func.pg_get_serial_sequence(quote(table.name), primary[0].name))
        )
        if sequence:
            highest = sa.select(sa.func.max(primary[0])).scalar_subquery()
            conn.execute(
                sa.select(
                    sa.func.setval(
                        sa.cast(sequence, REGCLASS), sa.func.coalesce(highest, 0) + 1, sa.false()
                    )
                )
            )


def write_anchor(path: str | os.PathLike, tail: dict | None) -> None:
    """Set the anchor to the restored trail's last entry (atomically, under the anchor lock)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if tail is None:
            path.unlink(missing_ok=True)
            return
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w") as out:
            out.write(json.dumps({"seq": tail["seq"], "hash": tail["hash"]}))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)


def restore_backup(path: str | os.PathLike) -> BackupSummary:
    """Restore an archive into this instance's empty, migrated database, in one transaction,
    then set the audit anchor to the restored trail. Every check runs before anything is
    written; raises BackupError naming the problem (and then nothing was restored)."""
    from compliance.audit.services import verify

    with open_archive(path) as archive:
        with db.engine.begin() as conn:
            archive.check_schema(conn)
            write, kept = _tables_to_write(conn, archive)
            for table in write:
                for batch in _batches(archive.rows(table.name), table):
                    conn.execute(table.insert(), batch)
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn)
        write_anchor(current_app.config["AUDIT_ANCHOR_PATH"], archive.manifest["audit"]["tail"])
        summary = archive.summary()
    summary.kept = kept
    result = verify()
    db.session.remove()
    summary.verify_message = result.message if result.ok else f"BROKEN: {result.message}"
    return summary
