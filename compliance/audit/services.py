"""Write audit entries in the caller's transaction, and verify the chain against its anchor."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from compliance.audit.models import AuditEntry
from compliance.db import utcnow
from compliance.extensions import db

GENESIS = "0" * 64
SYSTEM_ACTOR = "system"
_ADVISORY_LOCK_KEY = 17025_0001  # PostgreSQL advisory lock serialising appends


def _canonical(value):
    """JSON-ready form of a changed value: dates as ISO strings, sets sorted, enums by value."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple | list):
        items = [_canonical(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if hasattr(value, "value") and isinstance(value.value, str | int):
        return value.value
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    return value


def entry_digest(key: bytes, entry: AuditEntry) -> str:
    payload = json.dumps(
        {
            "seq": entry.seq,
            "occurred_at": entry.occurred_at.astimezone(dt.UTC).isoformat(),
            "actor_id": entry.actor_id,
            "actor_label": entry.actor_label,
            "action": entry.action,
            "entity_type": entry.entity_type,
            "entity_key": entry.entity_key,
            "changes": entry.changes,
            "reason": entry.reason,
            "prev_hash": entry.prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _hmac_key() -> bytes:
    return current_app.config["AUDIT_HMAC_KEY"].encode()


def diff(old: dict, new: dict) -> dict:
    """{field: [old, new]} for the fields whose value differs."""
    return {
        k: [_canonical(old.get(k)), _canonical(new.get(k))]
        for k in sorted(set(old) | set(new))
        if _canonical(old.get(k)) != _canonical(new.get(k))
    }


def record(
    action: str,
    *,
    entity_type: str,
    entity_key: str | int,
    actor=None,
    changes: dict | None = None,
    reason: str | None = None,
) -> AuditEntry:
    """Append one entry to the trail in the current transaction (flushes, never commits).

    `actor` is a User (or the signed-in principal) or None for the system itself;
    `changes` is {field: [old, new]} (see diff()).
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK_KEY})
    tail = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    user = getattr(actor, "user", actor)
    entry = AuditEntry(
        seq=(tail.seq + 1) if tail else 1,
        occurred_at=utcnow(),
        actor_id=user.id if user is not None else None,
        actor_label=user.display if user is not None else SYSTEM_ACTOR,
        action=action,
        entity_type=entity_type,
        entity_key=str(entity_key),
        changes=_canonical(changes or {}),
        reason=reason,
        prev_hash=tail.hash if tail else GENESIS,
    )
    entry.hash = entry_digest(_hmac_key(), entry)
    session.add(entry)
    session.flush()
    pending = session.info.setdefault("audit_tail", {})
    pending["anchor"] = current_app.config["AUDIT_ANCHOR_PATH"]
    pending["tail"] = (entry.seq, entry.hash)
    return entry


# --- the anchor: the last sequence and hash, kept outside the table -------------------------


def read_anchor(path: str | Path) -> tuple[int, str] | None:
    path = Path(path)
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    return int(data["seq"]), str(data["hash"])


def advance_anchor(path: str | Path, seq: int, digest: str) -> None:
    """Move the anchor forward (never back), safely across processes sharing the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = read_anchor(path)
        if current and current[0] >= seq:
            return
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"seq": seq, "hash": digest}))
        os.replace(tmp, path)


@event.listens_for(Session, "after_commit")
def _advance_anchor_after_commit(session):
    pending = session.info.pop("audit_tail", None)
    if pending:
        advance_anchor(pending["anchor"], *pending["tail"])


@event.listens_for(Session, "after_rollback")
def _forget_tail_after_rollback(session):
    session.info.pop("audit_tail", None)


# --- verification ---------------------------------------------------------------------------


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    message: str
    bad_seq: int | None = None


def _walk_chain(key: bytes, entries) -> tuple[VerifyResult | None, int, int]:
    """Check sequence, links and MACs in order; (first problem or None, last seq, count)."""
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    for entry in entries:
        if entry.seq != expected_seq:
            return (
                VerifyResult(
                    False,
                    checked,
                    f"entry {expected_seq} is missing (next entry is {entry.seq}): "
                    "deleted or reordered",
                    expected_seq,
                ),
                expected_seq - 1,
                checked,
            )
        if entry.prev_hash != prev_hash:
            message = f"entry {entry.seq} does not follow entry {entry.seq - 1}"
            return VerifyResult(False, checked, message, entry.seq), entry.seq, checked
        if not hmac.compare_digest(entry_digest(key, entry), entry.hash):
            message = f"entry {entry.seq} was altered after it was written"
            return VerifyResult(False, checked, message, entry.seq), entry.seq, checked
        prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    return None, expected_seq - 1, checked


def verify(*, anchor_path: str | Path | None = None, batch: int = 2000) -> VerifyResult:
    """Walk the whole chain in order; report the first entry that was edited, removed or moved,
    and a tail cut short of the anchor."""
    key = _hmac_key()
    anchor_path = anchor_path or current_app.config["AUDIT_ANCHOR_PATH"]
    stmt = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch)
    entries = db.session.scalars(stmt)
    try:
        broken, last_seq, checked = _walk_chain(key, entries)
    finally:
        entries.close()  # a server-side cursor on PostgreSQL when we stop early
    if broken:
        return broken
    anchor = read_anchor(anchor_path)
    if anchor is not None:
        anchor_seq, anchor_hash = anchor
        if anchor_seq > last_seq:
            return VerifyResult(
                False,
                checked,
                f"the trail ends at entry {last_seq} but the anchor records entry {anchor_seq}: "
                f"entries {last_seq + 1}..{anchor_seq} were removed",
                last_seq + 1,
            )
        anchored = db.session.get(AuditEntry, anchor_seq)
        if anchored is None or anchored.hash != anchor_hash:
            return VerifyResult(
                False, checked, f"entry {anchor_seq} does not match the anchor", anchor_seq
            )
    elif last_seq > 0:
        return VerifyResult(
            False, checked, f"no anchor found at {anchor_path} for a trail of {last_seq} entries"
        )
    return VerifyResult(True, checked, f"audit trail intact: {checked} entries verified")
