"""The audit trail of everything generated: the journal in time order, hash-chained exactly as
compliance/audit/services.record() chains one entry at a time."""

from __future__ import annotations

from types import SimpleNamespace

from compliance.audit.models import AuditEntry
from compliance.audit.services import GENESIS, SYSTEM_ACTOR, entry_digest
from compliance.demo.generate.base import Context


def chain_journal(ctx: Context, key: bytes) -> tuple[int, str]:
    """Queue the journal as audit entries, oldest first; (last seq, last hash) for the anchor."""
    prev_hash, seq = GENESIS, 0
    table = AuditEntry.__table__
    rows = ctx.rows[table]
    for at, _n, actor, action, entity_type, entity_key, changes, reason in sorted(
        ctx.journal, key=lambda e: (e[0], e[1])
    ):
        seq += 1
        entry = SimpleNamespace(
            seq=seq,
            occurred_at=at,
            actor_id=actor.id if actor else None,
            actor_label=actor.display if actor else SYSTEM_ACTOR,
            action=action,
            entity_type=entity_type,
            entity_key=entity_key,
            changes=changes,
            reason=reason,
            prev_hash=prev_hash,
        )
        entry.hash = prev_hash = entry_digest(key, entry)
        rows.append(vars(entry))
    ctx.journal.clear()
    return seq, prev_hash
