"""Backup and restore on both databases; a damaged or altered archive is refused whole."""

from __future__ import annotations

import hashlib
import json
import struct
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from compliance.audit.models import AuditEntry
from compliance.backup import BackupError, check_archive
from compliance.backup.archive import MANIFEST, SEAL, seal
from compliance.db import utcnow
from compliance.demo.lab import PEOPLE
from compliance.demo.loader import load_people
from compliance.documents import services as documents
from compliance.extensions import db
from compliance.files.services import store_bytes
from compliance.users.models import User
from compliance.users.services import create_user, user_by_email
from tests.conftest import DEMO_PASSWORD, fresh_database
from tests.factories import effective_document, make_docx
from tests.reliability.instances import app_on, row_counts, stored_file_hashes, table_rows

QM = next(p for p in PEOPLE if p.roles == ("quality_manager",))
EVERY_BYTE = bytes(range(256)) * 64  # a stored file whose bytes must come back exactly


def _populate(app, *, demo: bool = True) -> None:
    """The demo lab (or only its people), a document with an effective revision and a draft,
    and a binary file."""
    if demo:
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
    else:
        load_people(utcnow())
    qm = user_by_email(QM.email)
    document, _ = effective_document(qm, number="QP-BK-01", audiences=("role:staff",))
    documents.add_revision(
        document,
        data=make_docx("QP-BK-01 revision B", ("Records are backed up daily.",)),
        filename="QP-BK-01-B.docx",
        change_summary="Daily backups",
        by=qm,
    )
    store_bytes(EVERY_BYTE, filename="every-byte.bin", media_type="application/octet-stream")
    db.session.commit()


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def source(request, tmp_path_factory):
    """A populated instance on each backend, its backup archive and a copy of its rows."""
    with fresh_database(request.param, tmp_path_factory) as url:
        instance = tmp_path_factory.mktemp(f"source-{request.param}")
        archive = instance.parent / f"backup-{request.param}.zip"
        with app_on(url, instance) as app:
            _populate(app)
            result = _cli(app, "backup", str(archive))
            assert result.exit_code == 0, result.output
            assert "backup written" in result.output
            yield {
                "backend": request.param,
                "archive": archive,
                "rows": table_rows(),
                "counts": row_counts(),
                "files": stored_file_hashes(),
            }


def _restore_and_compare(source, backend, tmp_path_factory):
    with fresh_database(backend, tmp_path_factory) as url:
        instance = tmp_path_factory.mktemp(f"target-{backend}")
        with app_on(url, instance) as app:
            result = _cli(app, "restore", str(source["archive"]))
            assert result.exit_code == 0, result.output
            assert "audit verify: audit trail intact" in result.output
            assert row_counts() == source["counts"]
            assert stored_file_hashes() == source["files"]
            assert all(name == digest for name, digest in stored_file_hashes().items())
            assert table_rows() == source["rows"]
            verified = _cli(app, "audit", "verify")
            assert verified.exit_code == 0, verified.output
            # Ids continue after the restored ones (PostgreSQL sequences were moved on).
            newcomer = create_user(
                email="new.hire@lab.test", name="New Hire", roles=["staff"], password=DEMO_PASSWORD
            )
            db.session.commit()
            assert newcomer.id > max(row["id"] for row in source["rows"]["users"])
            assert _cli(app, "audit", "verify").exit_code == 0


@pytest.mark.requirement("REQ-REL-06")
def test_backup_holds_every_table_with_counts_hashes_and_the_anchor(source):
    with zipfile.ZipFile(source["archive"]) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        for table in manifest["tables"]:
            data = archive.read(table["member"])
            assert hashlib.sha256(data).hexdigest() == table["sha256"]
            assert data.count(b"\n") == table["rows"] == source["counts"][table["name"]]
    assert {t["name"] for t in manifest["tables"]} == set(source["counts"])
    assert source["counts"]["stored_files"] >= 3 and source["counts"]["revisions"] >= 2
    tail = source["rows"]["audit_entries"][-1]
    assert manifest["audit"]["tail"] == {"seq": tail["seq"], "hash": tail["hash"]}
    assert manifest["audit"]["anchor"] == manifest["audit"]["tail"]
    assert Path(source["archive"]).stat().st_mode & 0o077 == 0  # it holds password hashes


@pytest.mark.requirement("REQ-REL-06")
def test_restore_into_an_empty_instance_on_the_same_backend(source, tmp_path_factory):
    _restore_and_compare(source, source["backend"], tmp_path_factory)


@pytest.mark.requirement("REQ-REL-06")
@pytest.mark.parametrize("source", ["sqlite"], indirect=True)
def test_restore_from_sqlite_into_postgresql(source, tmp_path_factory):
    _restore_and_compare(source, "postgresql", tmp_path_factory)


# --- refusals: nothing is restored ------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_archive(tmp_path_factory):
    with fresh_database("sqlite", tmp_path_factory) as url:
        instance = tmp_path_factory.mktemp("corrupt-source")
        archive = instance.parent / "pristine.zip"
        with app_on(url, instance) as app:
            _populate(app, demo=False)
            assert _cli(app, "backup", str(archive)).exit_code == 0
        yield archive


@pytest.fixture(scope="module")
def empty_target(tmp_path_factory):
    with fresh_database("sqlite", tmp_path_factory) as url:
        yield url


@pytest.fixture
def target(empty_target, tmp_path):
    with app_on(empty_target, tmp_path / "instance") as app:
        yield app
        # Whatever was refused, the target is as empty as before and has no anchor.
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0
        assert not Path(app.config["AUDIT_ANCHOR_PATH"]).exists()


def _rewrite(source: Path, out: Path, *, drop=(), replace=None) -> Path:
    replace = replace or {}
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename not in drop:
                zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
    return out


def _member_data_offset(path: Path, member: str) -> tuple[int, int]:
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    raw = path.read_bytes()
    name_length, extra_length = struct.unpack_from("<HH", raw, info.header_offset + 26)
    return info.header_offset + 30 + name_length + extra_length, info.compress_size


def _refused(app, archive: Path, *fragments: str) -> str:
    result = _cli(app, "restore", str(archive))
    assert result.exit_code == 1, result.output
    assert "restore refused" in result.output and "nothing was restored" in result.output
    for fragment in fragments:
        assert fragment in result.output, result.output
    return result.output


@pytest.mark.requirement("REQ-REL-07")
def test_flipped_byte_inside_a_member_is_refused(target, sqlite_archive, tmp_path):
    start, size = _member_data_offset(sqlite_archive, "tables/users.jsonl")
    raw = bytearray(sqlite_archive.read_bytes())
    raw[start + size // 2] ^= 0x01
    damaged = tmp_path / "flipped.zip"
    damaged.write_bytes(bytes(raw))
    _refused(target, damaged, "tables/users.jsonl")


@pytest.mark.requirement("REQ-REL-07")
def test_changed_member_content_does_not_match_the_manifest(target, sqlite_archive, tmp_path):
    with zipfile.ZipFile(sqlite_archive) as archive:
        users = archive.read("tables/users.jsonl")
    altered = users.replace(QM.name.encode(), b"Someone Else", 1)
    assert altered != users
    archive = _rewrite(
        sqlite_archive, tmp_path / "edited.zip", replace={"tables/users.jsonl": altered}
    )
    _refused(target, archive, "tables/users.jsonl does not match its SHA-256")


@pytest.mark.requirement("REQ-REL-07")
def test_missing_member_is_refused(target, sqlite_archive, tmp_path):
    archive = _rewrite(sqlite_archive, tmp_path / "missing.zip", drop={"tables/documents.jsonl"})
    _refused(target, archive, "member tables/documents.jsonl is missing")


@pytest.mark.requirement("REQ-REL-07")
def test_missing_manifest_or_seal_is_refused(target, sqlite_archive, tmp_path):
    _refused(target, _rewrite(sqlite_archive, tmp_path / "a.zip", drop={MANIFEST}), MANIFEST)
    _refused(target, _rewrite(sqlite_archive, tmp_path / "b.zip", drop={SEAL}), SEAL)


@pytest.mark.requirement("REQ-REL-07")
def test_wrong_hash_in_the_manifest_breaks_its_seal(target, sqlite_archive, tmp_path):
    with zipfile.ZipFile(sqlite_archive) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    manifest["tables"][0]["sha256"] = "0" * 64
    archive = _rewrite(
        sqlite_archive, tmp_path / "hash.zip", replace={MANIFEST: json.dumps(manifest).encode()}
    )
    _refused(target, archive, "does not match its seal")


@pytest.mark.requirement("REQ-REL-07")
def test_resealed_wrong_hash_is_still_caught_by_the_member_check(target, sqlite_archive, tmp_path):
    with zipfile.ZipFile(sqlite_archive) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    entry = next(t for t in manifest["tables"] if t["name"] == "stored_files")
    entry["sha256"] = "f" * 64
    body = json.dumps(manifest).encode()
    archive = _rewrite(
        sqlite_archive,
        tmp_path / "resealed.zip",
        replace={MANIFEST: body, SEAL: seal(body).encode()},
    )
    _refused(target, archive, "tables/stored_files.jsonl does not match its SHA-256")


@pytest.mark.requirement("REQ-REL-07", "REQ-AUD-02")
def test_an_altered_audit_entry_is_caught_even_when_the_archive_is_resealed(
    target, sqlite_archive, tmp_path
):
    """Someone holding the key could re-seal an archive; the chain's MACs still tell."""
    with zipfile.ZipFile(sqlite_archive) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        lines = archive.read("tables/audit_entries.jsonl").splitlines(keepends=True)
    entry = json.loads(lines[2])
    entry["reason"] = "nothing to see here"
    lines[2] = json.dumps(entry, separators=(",", ":")).encode() + b"\n"
    trail = b"".join(lines)
    next(t for t in manifest["tables"] if t["name"] == "audit_entries")["sha256"] = hashlib.sha256(
        trail
    ).hexdigest()
    body = json.dumps(manifest).encode()
    archive = _rewrite(
        sqlite_archive,
        tmp_path / "trail.zip",
        replace={"tables/audit_entries.jsonl": trail, MANIFEST: body, SEAL: seal(body).encode()},
    )
    _refused(target, archive, "archived audit entry 3 does not verify")


@pytest.mark.requirement("REQ-REL-07")
def test_truncated_archive_is_refused(target, sqlite_archive, tmp_path):
    raw = sqlite_archive.read_bytes()
    for keep in (len(raw) // 2, len(raw) - 10):
        cut = tmp_path / f"cut-{keep}.zip"
        cut.write_bytes(raw[:keep])
        _refused(target, cut, "not a readable backup archive")


@pytest.mark.requirement("REQ-REL-07")
def test_something_that_is_not_an_archive_is_refused(target, tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_text("this is not a zip file")
    _refused(target, junk, "not a readable backup archive")
    _refused(target, tmp_path / "nowhere.zip", "no such file")


@pytest.mark.requirement("REQ-REL-07")
def test_an_instance_with_another_audit_key_is_told_which_key_it_needs(
    empty_target, sqlite_archive, tmp_path
):
    with app_on(empty_target, tmp_path / "other", AUDIT_HMAC_KEY="some-other-key") as app:
        _refused(app, sqlite_archive, "another audit key", "AUDIT_HMAC_KEY")
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.requirement("REQ-REL-07")
def test_a_database_in_use_is_refused(sqlite_archive, tmp_path_factory):
    with (
        fresh_database("sqlite", tmp_path_factory) as url,
        app_on(url, tmp_path_factory.mktemp("in-use")) as app,
    ):
        create_user(email="x@lab.test", name="X", roles=["staff"], password=DEMO_PASSWORD)
        db.session.commit()
        _refused(app, sqlite_archive, "not empty: users has 1 rows")
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


@pytest.mark.requirement("REQ-REL-07")
def test_every_flipped_byte_is_refused_or_harmless(target, sqlite_archive, tmp_path):
    """Flip one bit at 48 places across the archive: each copy is refused with a message, or
    (a flip in zip metadata such as a timestamp) still holds exactly the original content."""
    raw = sqlite_archive.read_bytes()
    with zipfile.ZipFile(sqlite_archive) as archive:
        original = {name: archive.read(name) for name in archive.namelist()}
    refused = 0
    for position in range(0, len(raw), max(1, len(raw) // 48)):
        damaged = bytearray(raw)
        damaged[position] ^= 0x10
        copy = tmp_path / "flip.zip"
        copy.write_bytes(bytes(damaged))
        try:
            check_archive(copy)
        except BackupError as error:
            assert "nothing was restored" in str(error)
            refused += 1
            continue
        with zipfile.ZipFile(copy) as archive:
            assert {name: archive.read(name) for name in archive.namelist()} == original
    assert refused >= 40
