"""Each gap rule: fires on a minimal case, not on its compliant twin, clears once fixed,
and respects the as-of date."""

import datetime as dt
import json

import pytest
from flask import current_app
from sqlalchemy import update

from compliance.dates import lab_today
from compliance.documents import services
from compliance.documents.models import AcknowledgementTask, Revision
from compliance.extensions import db
from compliance.gaps.engine import accept, evaluate
from compliance.scope.models import Method
from tests.conftest import DEMO_PASSWORD
from tests.factories import effective_document, make_docx


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def findings(rule, as_of=None):
    return [f for f in evaluate(as_of).findings if f.rule == rule]


@pytest.fixture
def qm(make_user):
    return make_user("quality_manager", name="Quinn Manager")


def test_doc_review_overdue(ctx, qm):
    document, rev = effective_document(
        qm, number="QP-OLD-1", effective_days_ago=740, review_interval_months=24
    )
    twin, _ = effective_document(qm, number="QP-NEW-1", effective_days_ago=10)
    due = services.next_review_on(document, rev)
    assert due < lab_today()
    (finding,) = findings("DOC-REVIEW-OVERDUE")
    assert (finding.subject_key, finding.severity.value, finding.due_on) == (
        "QP-OLD-1",
        "blocker",
        due,
    )
    # As of a date before the due date (and outside the warning window) it is not a gap yet.
    assert findings("DOC-REVIEW-OVERDUE", due - dt.timedelta(days=40)) == []
    # As of a date inside the window it is a warning.
    (early,) = findings("DOC-REVIEW-OVERDUE", due - dt.timedelta(days=5))
    assert early.severity.value == "warning"
    services.periodic_review(document, by=qm, password=DEMO_PASSWORD)
    assert findings("DOC-REVIEW-OVERDUE") == []


def test_review_due_before_the_assessment_counts_now(ctx, qm):
    document, rev = effective_document(qm, effective_days_ago=700, review_interval_months=24)
    due = services.next_review_on(document, rev)
    assert due > lab_today()
    assert all(f.severity.value == "warning" for f in findings("DOC-REVIEW-OVERDUE"))
    (at_visit,) = findings("DOC-REVIEW-OVERDUE", due + dt.timedelta(days=1))
    assert at_visit.severity.value == "blocker"


def test_doc_not_approved(ctx, qm, make_user):
    document, rev = effective_document(qm)
    assert findings("DOC-NOT-APPROVED") == []  # the compliant twin: approved by non-author
    other = make_user("quality_manager")
    # An effective revision whose only approval is by its own author.
    db.session.execute(update(Revision).where(Revision.id == rev.id).values(author_id=qm.id))
    db.session.commit()
    db.session.refresh(rev)
    (finding,) = findings("DOC-NOT-APPROVED")
    assert finding.subject_key == document.number and finding.clause == "8.3.2 a"
    # Fix: a new revision approved by someone else.
    new = services.add_revision(
        document, data=make_docx("B"), filename="b.docx", change_summary="x", by=qm
    )
    services.submit_for_review(new, by=qm)
    services.sign_review(new, by=other, password=DEMO_PASSWORD)
    services.approve(new, by=other, password=DEMO_PASSWORD, effective_on=lab_today())
    assert findings("DOC-NOT-APPROVED") == []


def test_doc_ack_overdue(ctx, qm, make_user):
    tech = make_user("staff", name="Tess Tech")
    document, rev = effective_document(qm, audiences=["role:staff"], effective_days_ago=30)
    services.create_acknowledgement_tasks(rev)  # due 16 days ago
    (finding,) = findings("DOC-ACK-OVERDUE")
    assert finding.subject_key == tech.email and document.number in finding.message
    assert findings("DOC-ACK-OVERDUE", lab_today() - dt.timedelta(days=20)) == []
    task = db.session.query(AcknowledgementTask).one()
    services.acknowledge(task, by=tech, password=DEMO_PASSWORD)
    assert findings("DOC-ACK-OVERDUE") == []


def test_doc_obsolete_in_use(ctx, qm):
    document, rev = effective_document(qm, number="TM-AS6171-2")
    method = Method(code="AS6171/2", title="External visual", procedure_id=document.id)
    db.session.add(method)
    db.session.flush()
    assert findings("DOC-OBSOLETE-IN-USE") == []
    services.withdraw(rev, by=qm, reason="replaced")
    (finding,) = findings("DOC-OBSOLETE-IN-USE")
    assert finding.subject_key == "AS6171/2" and "TM-AS6171-2" in finding.message
    method.status = "suspended"  # out of scope: no longer a gap
    assert findings("DOC-OBSOLETE-IN-USE") == []


def test_clause_no_evidence_and_acceptance(ctx, qm):
    before = {f.subject_key for f in findings("CLAUSE-NO-EVIDENCE")}
    assert "8.3" in before
    effective_document(qm, number="QP-8.3-01", clauses=["8.3.2"])
    after = {f.subject_key for f in findings("CLAUSE-NO-EVIDENCE")}
    assert "8.3" not in after and "7.3" in after
    (sampling,) = [f for f in findings("CLAUSE-NO-EVIDENCE") if f.subject_key == "7.3"]
    accept(sampling.ident, sampling.rule, by=qm, reason="We do not sample; items are submitted.")
    evaluation = evaluate()
    (accepted,) = [f for f in evaluation.findings if f.ident == sampling.ident]
    assert accepted.accepted and "do not sample" in accepted.accepted_reason
    assert sampling.ident not in {f.ident for f in evaluation.open}


def test_query_count_does_not_grow_with_records(ctx, qm, make_user, count_queries):
    staff = [make_user("staff") for _ in range(3)]

    def build(n, prefix):
        for i in range(n):
            document, rev = effective_document(
                qm,
                number=f"{prefix}-{i}",
                audiences=["role:staff"],
                effective_days_ago=800,
                review_interval_months=24,
            )
            services.create_acknowledgement_tasks(rev)

    build(2, "QP-A")
    with count_queries() as small:
        evaluate()
    build(20, "QP-B")
    with count_queries() as large:
        result = evaluate()
    assert len([f for f in result.findings if f.rule == "DOC-ACK-OVERDUE"]) == 22 * len(staff)
    assert large.count == small.count, (small.statements, large.statements)


def test_cli_json_schema_and_fail_on(app, qm):
    effective_document(qm, number="QP-OLD-1", effective_days_ago=800, review_interval_months=24)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["gaps", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"as_of", "findings", "summary"}
    assert set(data["summary"]) == {"blocker", "warning", "info"}
    for finding in data["findings"]:
        assert {"rule", "clause", "severity", "subject", "message", "due_on"} <= set(finding)
        assert set(finding["subject"]) == {"type", "key"}
        assert finding["severity"] in ("blocker", "warning", "info")
    assert data["summary"]["blocker"] == 1
    assert runner.invoke(args=["gaps", "--fail-on", "blocker"]).exit_code == 1
    assert runner.invoke(args=["gaps", "--fail-on", "warning"]).exit_code == 1
    early = runner.invoke(
        args=["gaps", "--as-of", "2020-01-01", "--format", "json", "--fail-on", "blocker"]
    )
    assert early.exit_code == 0 and json.loads(early.output)["as_of"] == "2020-01-01"
    bad = runner.invoke(args=["gaps", "--as-of", "31/12/2026"])
    assert bad.exit_code == 2 and "expected a date like" in bad.output
    text = runner.invoke(args=["gaps"])
    assert "DOC-REVIEW-OVERDUE" in text.output and "QP-OLD-1" in text.output


def test_settings_drive_the_warning_window(ctx, qm):
    document, rev = effective_document(qm, effective_days_ago=700, review_interval_months=24)
    current_app.config["GAP_WARNING_DAYS"] = 1
    assert findings("DOC-REVIEW-OVERDUE") == []
