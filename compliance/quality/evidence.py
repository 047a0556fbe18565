"""Clause evidence from the scope and quality-system records, one query (or two) per source.

compliance.clauses.evidence lists these in SOURCES. Evidence is imported inside each function
because that module imports this one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from compliance.audits.models import AuditStatus, InternalAudit
from compliance.capa.models import Nonconformity
from compliance.clauses.source import yields
from compliance.complaints.models import Complaint
from compliance.dates import add_months
from compliance.extensions import db
from compliance.proficiency.services import latest_events
from compliance.quality.settings import (
    internal_audit_interval_months,
    management_review_interval_months,
)
from compliance.reviews.models import ManagementReview, ReviewStatus
from compliance.risks.models import Risk, RiskStatus
from compliance.scope.models import Method, MethodStatus, MethodValidation, ValidationKind

# How far back a nonconformity or complaint still shows the process working.
RECORD_WINDOW_MONTHS = 24

# The sources below read no relation they do not show (lazyload("*")): a record's method would
# join its procedure and that document's owner, and the evidence (and every stored result made
# from it, see compliance.stored) would depend on documents and users it never shows.


def internal_audits(as_of: dt.date) -> Iterable:
    """Audits completed within the interval: evidence for 8.8 and for each clause covered."""
    from compliance.clauses.evidence import Evidence

    since = add_months(as_of, -internal_audit_interval_months())
    rows = db.session.scalars(
        select(InternalAudit)
        .where(
            InternalAudit.status == AuditStatus.COMPLETED.value,
            InternalAudit.performed_on <= as_of,
            InternalAudit.performed_on > since,
        )
        # Only what the evidence line shows: not the audits' methods and findings.
        .options(
            joinedload(InternalAudit.auditor),
            selectinload(InternalAudit.clause_rows),
            lazyload("*"),
        )
    )
    for audit in rows:
        href = url_for("audits.show", audit_id=audit.id)
        label = f"{audit.reference} · {audit.title} (auditor {audit.auditor.name})"
        for clause in sorted({"8.8", *audit.clauses}):
            yield Evidence(
                clause, "internal audit", audit.reference, label, audit.performed_on, href
            )


@yields("8.9")
def management_reviews(as_of: dt.date) -> Iterable:
    """Reviews with signed minutes, held within the interval: evidence for 8.9."""
    from compliance.clauses.evidence import Evidence

    since = add_months(as_of, -management_review_interval_months())
    rows = db.session.scalars(
        select(ManagementReview)
        .where(
            ManagementReview.status == ReviewStatus.FINAL.value,
            ManagementReview.held_on <= as_of,
            ManagementReview.held_on > since,
        )
        .options(lazyload("*"))
    )
    for review in rows:
        yield Evidence(
            "8.9",
            "management review",
            review.reference,
            f"{review.reference} · minutes signed",
            review.held_on,
            url_for("reviews.show", review_id=review.id),
        )


@yields("7.10", "8.7")
def nonconformities(as_of: dt.date) -> Iterable:
    """Nonconformities raised recently (7.10); those with corrective actions also show 8.7."""
    from compliance.clauses.evidence import Evidence

    rows = db.session.scalars(
        select(Nonconformity)
        .where(
            Nonconformity.raised_on <= as_of,
            Nonconformity.raised_on > add_months(as_of, -RECORD_WINDOW_MONTHS),
        )
        .options(lazyload("*"), selectinload(Nonconformity.actions).lazyload("*"))
    )
    for nc in rows:
        href = url_for("capa.show", nc_id=nc.id)
        label = f"{nc.reference} · {nc.source_enum.label} · {nc.stage}"
        yield Evidence("7.10", "nonconformity", nc.reference, label, nc.raised_on, href)
        if nc.actions:
            yield Evidence("8.7", "corrective action", nc.reference, label, nc.raised_on, href)


@yields("7.7.2")
def proficiency_tests(as_of: dt.date) -> Iterable:
    """Each method's latest PT round, while it is within the method's interval: 7.7.2."""
    from compliance.clauses.evidence import Evidence

    methods = db.session.scalars(
        select(Method).where(Method.status == MethodStatus.IN_SCOPE.value).options(lazyload("*"))
    ).all()
    by_id = {m.id: m for m in methods}
    for method_id, event in latest_events(list(by_id), as_of).items():
        method = by_id[method_id]
        months = method.pt_interval_months or 12
        if add_months(event.performed_on, months) < as_of:
            continue
        yield Evidence(
            "7.7.2",
            "PT round",
            f"{method.code}:{event.round}",
            f"{method.code} · {event.display} · {event.result}",
            event.performed_on,
            url_for("proficiency.show", event_id=event.id),
        )


def risk_register(as_of: dt.date) -> Iterable:
    """Open entries of the risk register: 8.5, 4.1 for impartiality, and their other clauses."""
    from compliance.clauses.evidence import Evidence

    rows = db.session.scalars(
        select(Risk).where(Risk.status == RiskStatus.OPEN.value, Risk.identified_on <= as_of)
    )
    for risk in rows:
        href = url_for("risks.show", risk_id=risk.id)
        label = f"{risk.reference} · {risk.category} {risk.kind} · {risk.title}"
        for clause in risk.clauses:
            yield Evidence(clause, "risk register", risk.reference, label, risk.identified_on, href)


@yields("7.9")
def complaints(as_of: dt.date) -> Iterable:
    """Complaints received recently and handled through the log: 7.9."""
    from compliance.clauses.evidence import Evidence

    rows = db.session.scalars(
        select(Complaint)
        .where(
            Complaint.received_on <= as_of,
            Complaint.received_on > add_months(as_of, -RECORD_WINDOW_MONTHS),
        )
        .options(lazyload("*"))
    )
    for complaint in rows:
        yield Evidence(
            "7.9",
            "complaint",
            complaint.reference,
            f"{complaint.reference} · {complaint.complainant} · {complaint.status}",
            complaint.received_on,
            url_for("complaints.show", complaint_id=complaint.id),
        )


@yields("7.2.1", "7.2.2")
def method_validations(as_of: dt.date) -> Iterable:
    """Verification (7.2.1) and validation (7.2.2) records of methods still on the scope."""
    from compliance.clauses.evidence import Evidence

    rows = db.session.execute(
        select(
            MethodValidation.id,
            MethodValidation.kind,
            MethodValidation.performed_on,
            Method.id,
            Method.code,
        )
        .join(Method, Method.id == MethodValidation.method_id)
        .where(
            MethodValidation.performed_on <= as_of,
            Method.status != MethodStatus.WITHDRAWN.value,
        )
    )
    for record_id, kind, performed_on, method_id, code in rows:
        clause = "7.2.2" if kind == ValidationKind.VALIDATION.value else "7.2.1"
        yield Evidence(
            clause,
            f"method {kind}",
            f"{code}:{record_id}",
            f"{code} {kind} of {performed_on}",
            performed_on,
            url_for("scope.show", method_id=method_id),
        )


QUALITY_SOURCES = [
    internal_audits,
    management_reviews,
    nonconformities,
    proficiency_tests,
    risk_register,
    complaints,
    method_validations,
]
