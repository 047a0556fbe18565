"""The audit trail: entries for account changes, the hash chain, the anchor, the triggers."""

import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from compliance.audit.models import AuditEntry
from compliance.audit.services import read_anchor, record, verify
from compliance.extensions import db
from compliance.users import services


def _entries(action=None):
    stmt = select(AuditEntry).order_by(AuditEntry.seq)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return db.session.scalars(stmt).all()


def _bypass_triggers(backend):
    """What an attacker with database-owner rights could do; the chain must still tell."""
    if backend == "postgresql":
        db.session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
    else:
        db.session.execute(text("DROP TRIGGER audit_entries_no_update"))
        db.session.execute(text("DROP TRIGGER audit_entries_no_delete"))


def test_user_and_role_changes_are_recorded_with_old_and_new_values(make_user):
    admin = make_user("admin")
    user = make_user("staff", name="Ana Lyst")
    services.update_user(
        user,
        by=admin,
        name="Ana Lyst-Smith",
        roles=["staff", "quality_manager"],
        access_valid_from=None,
        access_valid_until=None,
        reason="promoted",
    )
    services.deactivate_user(user, by=admin, reason="left the lab")
    db.session.commit()
    created = _entries("user.created")[-1]
    assert created.entity_key == user.email
    assert created.changes["roles"] == [None, ["staff"]]
    updated = _entries("user.updated")[-1]
    assert updated.actor_id == admin.id and updated.actor_label == admin.display
    assert updated.reason == "promoted"
    assert updated.changes == {
        "name": ["Ana Lyst", "Ana Lyst-Smith"],
        "roles": [["staff"], ["quality_manager", "staff"]],
    }
    deactivated = _entries("user.deactivated")[-1]
    assert deactivated.changes == {"is_active": [True, False]}
    assert deactivated.reason == "left the lab"


def test_entries_chain_and_verify_passes_on_a_clean_trail(app, make_user):
    make_user("admin")
    make_user("staff")
    entries = _entries()
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    for earlier, later in zip(entries, entries[1:], strict=False):
        assert later.prev_hash == earlier.hash
    result = verify()
    assert result.ok, result.message
    assert result.checked == len(entries)
    assert read_anchor(app.config["AUDIT_ANCHOR_PATH"]) == (entries[-1].seq, entries[-1].hash)


def test_verify_names_an_edited_row(backend, make_user):
    make_user("admin")
    victim = make_user("staff")
    _bypass_triggers(backend)
    target = _entries("user.created")[-1]
    db.session.execute(
        text("UPDATE audit_entries SET entity_key = 'someone-else' WHERE seq = :s"),
        {"s": target.seq},
    )
    db.session.expire_all()
    result = verify()
    assert not result.ok and result.bad_seq == target.seq
    assert f"entry {target.seq} was altered" in result.message
    assert victim  # the account itself is untouched; only the trail lies


def test_verify_names_a_deleted_row(backend, make_user):
    for _ in range(3):
        make_user("staff")
    _bypass_triggers(backend)
    db.session.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    db.session.expire_all()
    result = verify()
    assert not result.ok and result.bad_seq == 2
    assert "entry 2 is missing" in result.message


def test_verify_detects_a_truncated_tail_against_the_anchor(backend, make_user):
    for _ in range(3):
        make_user("staff")
    _bypass_triggers(backend)
    db.session.execute(text("DELETE FROM audit_entries WHERE seq = 3"))
    db.session.expire_all()
    result = verify()
    assert not result.ok
    assert "the trail ends at entry 2 but the anchor records entry 3" in result.message


def test_verify_detects_a_rewritten_chain_without_the_key(backend, make_user):
    """Swapping two rows' contents (a reorder) breaks the links."""
    make_user("staff")
    make_user("staff")
    _bypass_triggers(backend)
    rows = _entries()
    first, second = rows[0], rows[1]
    db.session.execute(
        text("UPDATE audit_entries SET entity_key = :k WHERE seq = :s"),
        [{"k": second.entity_key, "s": first.seq}, {"k": first.entity_key, "s": second.seq}],
    )
    db.session.expire_all()
    assert not verify().ok


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_entries SET reason = 'x'", "DELETE FROM audit_entries"]
)
def test_triggers_refuse_update_and_delete(make_user, statement):
    make_user("staff")
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(text(statement))
    assert verify().ok


def test_truncate_is_refused_on_postgresql(backend, make_user):
    if backend != "postgresql":
        return  # SQLite has no TRUNCATE; DELETE is covered above
    make_user("staff")
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(text("TRUNCATE audit_entries"))


def test_record_serialises_dates_and_sets(app, make_user):
    import datetime as dt

    user = make_user("staff")
    entry = record(
        "test.changed",
        entity_type="thing",
        entity_key=7,
        actor=user,
        changes={
            "due_on": [dt.date(2026, 1, 31), dt.date(2026, 2, 28)],
            "tags": [None, {"b", "a"}],
        },
    )
    db.session.commit()
    assert json.loads(json.dumps(entry.changes)) == {
        "due_on": ["2026-01-31", "2026-02-28"],
        "tags": [None, ["a", "b"]],
    }
    assert verify().ok


def test_cli_verify_exit_codes(app, backend, make_user):
    make_user("staff")
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.output
    _bypass_triggers(backend)
    db.session.execute(text("UPDATE audit_entries SET action = 'forged' WHERE seq = 1"))
    db.session.expire_all()
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1 and "entry 1 was altered" in bad.output


def test_trail_page_filters_and_csv_export(client, auth, make_user):
    qm = make_user("quality_manager", name="=HYPERLINK(1) Quality")
    staff = make_user("staff")
    auth.login(qm.email)
    page = client.get(f"/audit/?entity_type=user&entity_key={staff.email}")
    assert page.status_code == 200 and "user.created" in page.text
    assert qm.email not in page.text.split("<tbody>")[1]
    export = client.get(f"/audit/export.csv?entity_key={staff.email}")
    body = export.get_data().decode("utf-8-sig")
    export.close()
    assert export.mimetype == "text/csv"
    lines = body.strip().splitlines()
    assert lines[0].startswith("seq,occurred_at,actor")
    assert len(lines) == 2 and "user.created" in lines[1]
    signed_in = client.get("/audit/export.csv?action=user.signed_in")
    assert "'=HYPERLINK(1) Quality" in signed_in.get_data().decode("utf-8-sig")  # neutralised
    signed_in.close()
