"""Management reviews: figures the app pre-fills, minuting, signing, the .docx minutes."""

import datetime as dt
import io

import docx
import pytest
from sqlalchemy import select

from compliance.audit.models import AuditEntry
from compliance.audits import services as audits
from compliance.complaints import services as complaints
from compliance.dates import add_months, lab_today
from compliance.extensions import db
from compliance.proficiency import services as proficiency
from compliance.reviews import services
from compliance.reviews.minutes import minutes
from compliance.reviews.services import FIGURE_SOURCES, INPUT_KEYS, ReviewError
from compliance.risks import services as risks
from compliance.scope import services as scope
from compliance.signatures.models import Signature
from compliance.signatures.services import SignatureError
from tests.conftest import DEMO_PASSWORD
from tests.quality.builders import nonconformity


def minute_everything(review, qm):
    services.update_review(
        review,
        by=qm,
        held_on=review.held_on,
        attendees="Quinn Manager\nDirector",
        decisions="The system is effective.\nHire a second analyst.",
        inputs={key: (True, f"Discussed {key}.") for key in INPUT_KEYS},
    )


def test_inputs_are_pre_filled_with_the_figures_of_the_period(ctx, qm, make_user):
    auditor = make_user("auditor", "staff")
    today = lab_today()
    audit = audits.plan_audit(
        by=qm, title="A", planned_on=today - dt.timedelta(10), auditor=auditor, clauses=["8.4"]
    )
    audits.add_finding(audit, by=auditor, kind="observation", clause_number="8.4", description="x")
    audits.complete(audit, by=auditor, performed_on=today - dt.timedelta(5), summary="ok")
    nonconformity(qm, stage="acted", due_on=today - dt.timedelta(2))
    method = scope.create_method(code="AS6171/3", title="XRF", pt_interval_months=1, by=qm)
    proficiency.record_event(
        method,
        provider="P",
        round="1",
        performed_on=today - dt.timedelta(40),
        result="questionable",
        by=qm,
    )
    complaints.log_complaint(by=qm, received_on=today, complainant="C", description="Late report")
    risks.create_risk(
        by=qm, kind="risk", category="impartiality", title="T", likelihood=4, impact=4, owner=qm
    )
    review = services.create_review(by=qm, held_on=today)
    assert review.reference == f"MR-{today.year}-01"
    assert review.period_from == add_months(today, -12)  # no earlier review: the year before
    figures = {row.key: row.figures for row in review.inputs}
    assert [row.key for row in review.inputs] == list(INPUT_KEYS)
    assert (
        f"1 internal audit(s) completed ({audit.reference}); findings: 1 observation"
        in figures["e"]
    )
    assert figures["f"] == (
        "Nonconformities raised in the period: 1 (1 staff report); open now: 1; corrective "
        "actions overdue: 1."
    )
    assert figures["j"] == "1 complaint(s) received, 0 upheld, 1 not yet resolved."
    assert "high" in figures["m"] and "impartiality risks: 1" in figures["m"]
    assert "1 questionable" in figures["n"] and "AS6171/3" in figures["n"]
    assert figures["a"] == ""  # nothing the app knows: the meeting says


def test_other_domains_contribute_figures(ctx, qm, monkeypatch):
    monkeypatch.setitem(
        FIGURE_SOURCES, "o", [("equipment", lambda start, end: "2 instruments out of service.")]
    )
    review = services.create_review(by=qm, held_on=lab_today())
    assert review.input("o").figures == "2 instruments out of service."


def test_signing_needs_every_input_attendees_and_decisions(ctx, qm):
    review = services.create_review(by=qm, held_on=lab_today())
    with pytest.raises(ReviewError) as refused:
        services.finalize(review, by=qm, password=DEMO_PASSWORD)
    message = str(refused.value)
    assert "no attendees" in message and "inputs not covered: a, b, c" in message
    assert "no decisions" in message
    minute_everything(review, qm)
    with pytest.raises(SignatureError):
        services.finalize(review, by=qm, password="wrong")
    signature = services.finalize(review, by=qm, password=DEMO_PASSWORD)
    assert review.is_final and signature.meaning == "approved"
    with pytest.raises(ReviewError, match="are signed"):
        minute_everything(review, qm)
    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.entity_key == review.reference)
        .order_by(AuditEntry.seq)
    ).all()
    assert actions == [
        "management_review.created",
        "management_review.minuted",
        "signature.applied",
        "management_review.finalized",
    ]


def test_minutes_docx_opens(ctx, qm):
    review = services.create_review(by=qm, held_on=lab_today())
    minute_everything(review, qm)
    services.add_action(
        review,
        by=qm,
        description="Cross-train a second C-SAM analyst.",
        owner=qm,
        due_on=lab_today() + dt.timedelta(90),
    )
    draft = docx.Document(io.BytesIO(minutes(review, "Test Lab", None)))
    assert any("DRAFT" in p.text for p in draft.paragraphs)
    services.finalize(review, by=qm, password=DEMO_PASSWORD)
    signature = db.session.get(Signature, review.signature_id)
    document = docx.Document(io.BytesIO(minutes(review, "Test Lab", signature)))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert f"Management review minutes {review.reference}" in text
    assert "Hire a second analyst." in text and "approved by Quinn Manager" in text
    assert "e) Recent internal audits" in cells and "Discussed e." in cells
    assert "Cross-train a second C-SAM analyst." in cells


def test_actions_are_followed_up_after_signing(ctx, qm):
    review = services.create_review(by=qm, held_on=lab_today())
    minute_everything(review, qm)
    action = services.add_action(
        review, by=qm, description="Buy a microscope.", owner=qm, due_on=lab_today()
    )
    services.finalize(review, by=qm, password=DEMO_PASSWORD)
    with pytest.raises(ReviewError, match="are signed"):
        services.add_action(review, by=qm, description="x", owner=qm, due_on=lab_today())
    services.complete_action(action, by=qm)
    assert action.completed_on == lab_today()
    assert services.last_final_review(lab_today()) == review
    assert services.last_final_review(lab_today() - dt.timedelta(1)) is None
