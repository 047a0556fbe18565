"""The risk register (8.5, 4.1): identify, assess, treat, review, close.

Every function flushes and writes its audit entry; none commits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from compliance.audit.services import diff, record
from compliance.dates import lab_today
from compliance.extensions import db
from compliance.quality.numbering import next_reference
from compliance.quality.rules import QualityError, clean_clauses, clean_text
from compliance.risks.models import Risk, RiskCategory, RiskClause, RiskKind, RiskStatus
from compliance.users.models import User


class RiskError(QualityError):
    """A refused change to the risk register; the message names the rule."""


def _check(kind: str, category: str, likelihood: int, impact: int) -> list[str]:
    if kind not in {k.value for k in RiskKind}:
        raise RiskError(f"Unknown kind '{kind}': risk or opportunity.")
    if category not in {c.value for c in RiskCategory}:
        raise RiskError(f"Unknown category '{category}'.")
    for name, value in (("likelihood", likelihood), ("impact", impact)):
        if not 1 <= int(value) <= 5:
            raise RiskError(f"The {name} is rated 1 to 5.")
    return []


def _clauses_for(category: str, clauses) -> list[str]:
    cleaned = clean_clauses(clauses)
    # An impartiality risk is 4.1 evidence whatever else it touches; every entry is 8.5.
    extra = ["4.1"] if category == RiskCategory.IMPARTIALITY.value else []
    return clean_clauses([*cleaned, *extra, "8.5"])


def _values(risk: Risk, clauses=None) -> dict:
    return {
        "kind": risk.kind,
        "category": risk.category,
        "title": risk.title,
        "description": risk.description,
        "likelihood": risk.likelihood,
        "impact": risk.impact,
        "treatment": risk.treatment,
        "owner": risk.owner.email,
        "next_review_on": risk.next_review_on,
        "clauses": clauses if clauses is not None else risk.clauses,
    }


def _trail(risk: Risk, action: str, by, changes: dict, reason: str | None = None):
    record(
        action,
        entity_type="risk",
        entity_key=risk.reference,
        actor=by,
        changes=changes,
        reason=reason,
    )


def create_risk(
    *,
    by,
    kind: str,
    category: str,
    title: str,
    likelihood: int,
    impact: int,
    owner: User,
    description: str = "",
    treatment: str = "",
    clauses=(),
    identified_on: dt.date | None = None,
    next_review_on: dt.date | None = None,
) -> Risk:
    """Enter a risk or opportunity; it is linked to 8.5 (and 4.1 when about impartiality)."""
    _check(kind, category, likelihood, impact)
    identified_on = identified_on or lab_today()
    clauses = _clauses_for(category, clauses)
    risk = Risk(
        reference=next_reference(Risk.reference, "RSK", identified_on),
        kind=kind,
        category=category,
        title=clean_text(title, "A title", limit=300),
        description=clean_text(description, "The description", required=False),
        likelihood=int(likelihood),
        impact=int(impact),
        treatment=clean_text(treatment, "The treatment", required=False),
        owner_id=owner.id,
        owner=owner,
        identified_on=identified_on,
        next_review_on=next_review_on,
        status=RiskStatus.OPEN.value,
        clause_rows=[RiskClause(clause_number=c) for c in clauses],
    )
    db.session.add(risk)
    db.session.flush()
    _trail(risk, "risk.identified", by, diff({}, _values(risk, clauses)))
    return risk


def update_risk(risk: Risk, *, by, reason: str | None = None, **fields) -> dict:
    """Reassess: rating, treatment, owner, review date, clauses (returns the changes)."""
    if not risk.is_open:
        raise RiskError(f"{risk.reference} is closed.")
    merged = {**_values(risk), **fields}
    _check(merged["kind"], merged["category"], merged["likelihood"], merged["impact"])
    before = _values(risk)
    clauses = _clauses_for(merged["category"], fields.get("clauses", risk.clauses))
    risk.kind, risk.category = merged["kind"], merged["category"]
    risk.title = clean_text(merged["title"], "A title", limit=300)
    risk.description = clean_text(merged["description"], "The description", required=False)
    risk.likelihood, risk.impact = int(merged["likelihood"]), int(merged["impact"])
    risk.treatment = clean_text(merged["treatment"], "The treatment", required=False)
    if isinstance(fields.get("owner"), User):
        risk.owner_id, risk.owner = fields["owner"].id, fields["owner"]
    risk.next_review_on = merged["next_review_on"]
    if clauses != risk.clauses:
        risk.clause_rows = [RiskClause(clause_number=c) for c in clauses]
    changes = diff(before, _values(risk, clauses))
    if changes:
        db.session.flush()
        _trail(risk, "risk.reassessed", by, changes, reason)
    return changes


def close_risk(risk: Risk, *, by, reason: str) -> None:
    if not risk.is_open:
        raise RiskError(f"{risk.reference} is already closed.")
    risk.status = RiskStatus.CLOSED.value
    risk.closed_reason = clean_text(reason, "A reason")
    db.session.flush()
    _trail(
        risk,
        "risk.closed",
        by,
        {"status": [RiskStatus.OPEN.value, risk.status]},
        risk.closed_reason,
    )


def register(*, include_closed: bool = False) -> list[Risk]:
    stmt = select(Risk)
    if not include_closed:
        stmt = stmt.where(Risk.status == RiskStatus.OPEN.value)
    rows = list(db.session.scalars(stmt))
    return sorted(rows, key=lambda r: (not r.is_open, -r.score, r.reference))
