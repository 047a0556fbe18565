"""Evidence a quality manager links to a clause by hand (audited; retired, never deleted)."""

from __future__ import annotations

from compliance.audit.services import record
from compliance.clauses.models import Clause, ClauseLink
from compliance.db import utcnow
from compliance.extensions import db


class LinkError(ValueError):
    pass


def link(clause: Clause, *, record_type: str, record_key: str, note: str, by) -> ClauseLink:
    item = ClauseLink(
        clause_id=clause.id,
        record_type=record_type.strip().lower(),
        record_key=record_key.strip(),
        note=note.strip(),
        linked_by_id=by.id,
    )
    db.session.add(item)
    db.session.flush()
    record(
        "clause.evidence_linked",
        entity_type="clause",
        entity_key=clause.number,
        actor=by,
        changes={"evidence": [None, f"{item.record_type}:{item.record_key}"]},
        reason=item.note,
    )
    return item


def retire(item: ClauseLink, *, by, reason: str) -> None:
    if item.retired_at is not None:
        raise LinkError("That link is already retired.")
    item.retired_at, item.retired_reason = utcnow(), reason.strip()
    db.session.flush()
    record(
        "clause.evidence_retired",
        entity_type="clause",
        entity_key=item.clause.number,
        actor=by,
        changes={"evidence": [f"{item.record_type}:{item.record_key}", None]},
        reason=item.retired_reason,
    )
