"""The complaint process (7.9): log, investigate (opening a nonconformity if needed), resolve.

Every function flushes and writes its audit entry; none commits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from compliance.audit.services import diff, record
from compliance.capa.models import NCSource, Nonconformity, RiskLevel
from compliance.capa.services import open_nonconformity
from compliance.complaints.models import Complaint, ComplaintStatus
from compliance.dates import lab_today
from compliance.extensions import db
from compliance.permissions import Permission
from compliance.quality.numbering import next_reference
from compliance.quality.rules import QualityError, clean_text
from compliance.scope.models import Method


class ComplaintError(QualityError):
    """A refused complaint action; the message names the rule."""


def _trail(complaint: Complaint, action: str, by, changes: dict, reason: str | None = None):
    record(
        action,
        entity_type="complaint",
        entity_key=complaint.reference,
        actor=by,
        changes=changes,
        reason=reason,
    )


def log_complaint(
    *,
    by,
    received_on: dt.date,
    complainant: str,
    description: str,
    contact: str = "",
    method: Method | None = None,
) -> Complaint:
    """Enter a complaint in the log as received (anyone who takes one can)."""
    if received_on is None or received_on > lab_today():
        raise ComplaintError("The date received must be today or earlier.")
    user = getattr(by, "user", by)
    complaint = Complaint(
        reference=next_reference(Complaint.reference, "CMP", received_on),
        received_on=received_on,
        complainant=clean_text(complainant, "The complainant", limit=200),
        contact=clean_text(contact, "The contact", required=False, limit=254),
        description=clean_text(description, "What the complaint is about"),
        method_id=method.id if method else None,
        method=method,
        received_by_id=user.id if user else None,
        status=ComplaintStatus.RECEIVED.value,
    )
    db.session.add(complaint)
    db.session.flush()
    _trail(
        complaint,
        "complaint.logged",
        by,
        diff(
            {},
            {
                "received_on": received_on,
                "complainant": complaint.complainant,
                "method": method.code if method else None,
                "description": complaint.description,
            },
        ),
    )
    return complaint


def record_investigation(complaint: Complaint, *, by, investigation: str) -> None:
    """What was looked at, and what it showed; the complaint is now under investigation."""
    if complaint.is_resolved:
        raise ComplaintError(f"{complaint.reference} is resolved.")
    before = {"investigation": complaint.investigation, "status": complaint.status}
    complaint.investigation = clean_text(investigation, "The investigation")
    complaint.status = ComplaintStatus.INVESTIGATING.value
    changes = diff(before, {"investigation": complaint.investigation, "status": complaint.status})
    if changes:
        db.session.flush()
        _trail(complaint, "complaint.investigated", by, changes)


def raise_nonconformity(
    complaint: Complaint, *, by, risk: str = RiskLevel.MEDIUM.value
) -> Nonconformity:
    """A justified complaint about our work opens a nonconformity (once)."""
    if complaint.nonconformity_id is not None:
        raise ComplaintError(
            f"{complaint.reference} already opened {complaint.nonconformity.reference}."
        )
    if complaint.is_resolved:
        raise ComplaintError(f"{complaint.reference} is resolved.")
    nc = open_nonconformity(
        by=by,
        source=NCSource.COMPLAINT.value,
        source_id=complaint.id,
        source_label=f"{complaint.reference} from {complaint.complainant}",
        description=complaint.description,
        clause_number="7.9",
        method=complaint.method,
        risk=risk,
    )
    complaint.nonconformity_id, complaint.nonconformity = nc.id, nc
    old = complaint.status
    complaint.status = ComplaintStatus.INVESTIGATING.value
    db.session.flush()
    _trail(
        complaint,
        "complaint.nonconformity_raised",
        by,
        {"nonconformity": [None, nc.reference], "status": [old, complaint.status]},
    )
    return nc


def resolve(
    complaint: Complaint,
    *,
    by,
    is_upheld: bool,
    outcome: str,
    communicated_on: dt.date,
) -> None:
    """Decide the outcome and record when it was given to the complainant (7.9.6, 7.9.7).
    The decision is taken by someone other than the person who logged the complaint."""
    if complaint.is_resolved:
        raise ComplaintError(f"{complaint.reference} is already resolved.")
    user = getattr(by, "user", by)
    if user is not None and user.id == complaint.received_by_id:
        raise ComplaintError(
            "The outcome must be reviewed and decided by someone other than the person who "
            "logged the complaint."
        )
    if not complaint.investigation:
        raise ComplaintError("Record the investigation before the outcome.")
    if communicated_on is None or not complaint.received_on <= communicated_on <= lab_today():
        raise ComplaintError("The outcome must be communicated between the day received and today.")
    complaint.is_upheld = bool(is_upheld)
    complaint.outcome = clean_text(outcome, "The outcome")
    complaint.outcome_communicated_on = communicated_on
    complaint.resolved_by_id = user.id if user else None
    old = complaint.status
    complaint.status = ComplaintStatus.RESOLVED.value
    db.session.flush()
    _trail(
        complaint,
        "complaint.resolved",
        by,
        {
            "status": [old, complaint.status],
            "upheld": [None, complaint.is_upheld],
            "communicated_on": [None, communicated_on],
        },
        reason=complaint.outcome,
    )


def complaints(*, status: str = "") -> list[Complaint]:
    stmt = select(Complaint).order_by(Complaint.received_on.desc(), Complaint.id.desc())
    if status:
        stmt = stmt.where(Complaint.status == status)
    return list(db.session.scalars(stmt))


def can_view(principal, complaint: Complaint) -> bool:
    return principal.can(Permission.QUALITY_VIEW) or principal.id == complaint.received_by_id
