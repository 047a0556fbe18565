"""The complaint log (7.9) and the risk register (8.5, 4.1)."""

import datetime as dt

import pytest
from sqlalchemy import select

from compliance.audit.models import AuditEntry
from compliance.complaints import services as complaints
from compliance.complaints.services import ComplaintError
from compliance.dates import lab_today
from compliance.extensions import db
from compliance.quality.rules import QualityError
from compliance.risks import services as risks
from compliance.risks.services import RiskError
from compliance.scope import services as scope


def test_complaint_from_log_to_outcome(ctx, qm, make_user):
    receiver = make_user("staff", name="Rick Receiver")
    method = scope.create_method(code="AS6171/7", title="Electrical", by=qm)
    complaint = complaints.log_complaint(
        by=receiver,
        received_on=lab_today() - dt.timedelta(days=3),
        complainant="Kestrel Avionics",
        description="Report issued late.",
        method=method,
    )
    assert complaint.reference == f"CMP-{complaint.received_on.year}-001"
    assert complaint.status == "received"
    with pytest.raises(ComplaintError, match="Record the investigation"):
        complaints.resolve(
            complaint, by=qm, is_upheld=True, outcome="x", communicated_on=lab_today()
        )
    complaints.record_investigation(complaint, by=qm, investigation="Curve tracer was down.")
    nc = complaints.raise_nonconformity(complaint, by=qm)
    assert (nc.source, nc.source_id, nc.clause_number, nc.method_id) == (
        "complaint",
        complaint.id,
        "7.9",
        method.id,
    )
    with pytest.raises(ComplaintError, match="already opened"):
        complaints.raise_nonconformity(complaint, by=qm)
    # The person who logged it does not decide the outcome.
    with pytest.raises(ComplaintError, match="someone other than the person who logged"):
        complaints.resolve(
            complaint, by=receiver, is_upheld=True, outcome="x", communicated_on=lab_today()
        )
    with pytest.raises(ComplaintError, match="between the day received and today"):
        complaints.resolve(
            complaint,
            by=qm,
            is_upheld=True,
            outcome="x",
            communicated_on=complaint.received_on - dt.timedelta(days=1),
        )
    complaints.resolve(
        complaint,
        by=qm,
        is_upheld=True,
        outcome="Apology; process fixed.",
        communicated_on=lab_today(),
    )
    assert complaint.is_resolved and complaint.resolved_by_id == qm.id
    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.entity_type == "complaint")
        .order_by(AuditEntry.seq)
    ).all()
    assert actions == [
        "complaint.logged",
        "complaint.investigated",
        "complaint.nonconformity_raised",
        "complaint.resolved",
    ]


def test_a_complaint_cannot_be_dated_in_the_future(ctx, qm):
    with pytest.raises(ComplaintError, match="today or earlier"):
        complaints.log_complaint(
            by=qm,
            received_on=lab_today() + dt.timedelta(days=1),
            complainant="C",
            description="x",
        )


def test_impartiality_risks_are_4_1_evidence_and_every_entry_is_8_5(ctx, qm):
    risk = risks.create_risk(
        by=qm,
        kind="risk",
        category="impartiality",
        title="Commercial pressure from distributors",
        likelihood=3,
        impact=4,
        owner=qm,
        clauses=["5.5"],
    )
    assert risk.clauses == ["4.1", "5.5", "8.5"]
    assert (risk.score, risk.rating) == (12, "high")
    other = risks.create_risk(
        by=qm,
        kind="opportunity",
        category="commercial",
        title="AS6171/11",
        likelihood=2,
        impact=2,
        owner=qm,
    )
    assert other.clauses == ["8.5"] and other.rating == "low"
    assert risk.reference == f"RSK-{lab_today().year}-001" and other.reference.endswith("-002")


def test_reassessment_is_audited_with_old_and_new_values(ctx, qm, make_user):
    owner = make_user("quality_manager")
    risk = risks.create_risk(
        by=qm,
        kind="risk",
        category="operational",
        title="Key person",
        likelihood=4,
        impact=4,
        owner=qm,
    )
    changes = risks.update_risk(
        risk,
        by=qm,
        likelihood=2,
        treatment="Second analyst trained.",
        owner=owner,
        reason="Cross-training done",
    )
    assert changes["likelihood"] == [4, 2] and changes["owner"] == [qm.email, owner.email]
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "risk.reassessed")
    ).one()
    assert entry.reason == "Cross-training done" and entry.changes == changes
    with pytest.raises(RiskError, match="rated 1 to 5"):
        risks.update_risk(risk, by=qm, impact=6)
    with pytest.raises(QualityError, match="Unknown ISO"):
        risks.update_risk(risk, by=qm, clauses=["4.9"])
    risks.close_risk(risk, by=qm, reason="Analyst retained.")
    with pytest.raises(RiskError, match="closed"):
        risks.update_risk(risk, by=qm, likelihood=1)
    assert risks.register() == [] and risks.register(include_closed=True) == [risk]
