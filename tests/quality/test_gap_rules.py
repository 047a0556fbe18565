"""PT-DUE, IA-OVERDUE, MR-OVERDUE and CA-OVERDUE: each fires on a minimal case, not on its
compliant twin, clears once fixed, and respects the as-of date; and the clause evidence the
quality-system records give."""

import datetime as dt

import pytest
from flask import current_app

from compliance.audits import services as audits
from compliance.capa import services as capa
from compliance.clauses.evidence import evidence_by_clause
from compliance.complaints import services as complaints
from compliance.dates import add_months, lab_today
from compliance.gaps.engine import evaluate
from compliance.gaps.rules import requirement_clauses
from compliance.proficiency import services as proficiency
from compliance.reviews import services as reviews
from compliance.risks import services as risks
from compliance.scope import services as scope
from tests.conftest import DEMO_PASSWORD
from tests.quality.builders import nonconformity


def findings(rule, as_of=None):
    return [f for f in evaluate(as_of).findings if f.rule == rule]


def days(n: int) -> dt.date:
    return lab_today() + dt.timedelta(days=n)


@pytest.fixture
def auditor(make_user):
    return make_user("auditor", "staff", name="Rita Auditor")


# --- PT-DUE ---------------------------------------------------------------------------------


def pt_method(qm, code, *, last_days_ago, interval=12):
    method = scope.create_method(
        code=code, title=code, pt_interval_months=interval, in_scope_since=days(-2000), by=qm
    )
    proficiency.record_event(
        method,
        provider="P",
        round="R1",
        performed_on=days(-last_days_ago),
        result="satisfactory",
        by=qm,
    )
    return method


def test_pt_due(ctx, qm):
    late = pt_method(qm, "AS6171/6", last_days_ago=400)
    pt_method(qm, "AS6171/2", last_days_ago=30)  # the compliant twin
    due = add_months(days(-400), 12)
    (finding,) = findings("PT-DUE")
    assert (finding.subject_key, finding.severity.value, finding.clause, finding.due_on) == (
        "AS6171/6",
        "blocker",
        "7.7.2",
        due,
    )
    assert f"was due on {due}" in finding.message

    # As of a date before the due date: a warning inside the window, nothing outside it.
    def on(as_of):
        return [f for f in findings("PT-DUE", as_of) if f.subject_key == "AS6171/6"]

    (soon,) = on(due - dt.timedelta(days=10))
    assert soon.severity.value == "warning"
    assert on(due - dt.timedelta(days=60)) == []
    proficiency.record_event(
        late, provider="P", round="R2", performed_on=lab_today(), result="satisfactory", by=qm
    )
    assert findings("PT-DUE") == []


def test_pt_due_ignores_methods_out_of_scope_and_reports_a_missing_plan(ctx, qm):
    late = pt_method(qm, "AS6171/6", last_days_ago=400)
    scope.set_status(late, status="suspended", reason="C-SAM broken", by=qm)
    assert findings("PT-DUE") == []
    unplanned = scope.create_method(code="AS6171/8", title="Raman", by=qm)
    (info,) = findings("PT-DUE")
    assert (info.subject_key, info.severity.value) == (unplanned.code, "info")


# --- IA-OVERDUE -----------------------------------------------------------------------------


def complete_audit(qm, auditor, clauses, performed_days_ago):
    audit = audits.plan_audit(
        by=qm,
        title="Audit",
        planned_on=days(-performed_days_ago - 1),
        auditor=auditor,
        clauses=clauses,
    )
    audits.complete(audit, by=auditor, performed_on=days(-performed_days_ago), summary="ok")
    return audit


def programme_finding(as_of=None):
    return [f for f in findings("IA-OVERDUE", as_of) if f.subject_type == "audit programme"]


def test_ia_overdue_when_no_audit_in_the_interval(ctx, qm, auditor):
    (none_yet,) = programme_finding()
    assert none_yet.severity.value == "warning"
    assert "No completed internal audit is on record" in none_yet.message
    old = complete_audit(qm, auditor, requirement_clauses(), 400)
    (late,) = programme_finding()
    assert late.severity.value == "blocker" and old.reference in late.message
    assert late.due_on == add_months(old.performed_on, 12)
    # As of 100 days after that audit it was not late yet.
    assert programme_finding(old.performed_on + dt.timedelta(days=100)) == []
    complete_audit(qm, auditor, ["8.8"], 1)
    assert programme_finding() == []


def test_ia_interval_is_a_setting(ctx, qm, auditor):
    complete_audit(qm, auditor, requirement_clauses(), 400)
    current_app.config["INTERNAL_AUDIT_INTERVAL_MONTHS"] = 24
    assert programme_finding() == []


def test_ia_overdue_for_a_planned_audit_past_its_date(ctx, qm, auditor):
    complete_audit(qm, auditor, requirement_clauses(), 10)
    late = audits.plan_audit(
        by=qm, title="Late", planned_on=days(-3), auditor=auditor, clauses=["8.4"]
    )
    audits.plan_audit(by=qm, title="Twin", planned_on=days(30), auditor=auditor, clauses=["8.4"])
    (finding,) = [f for f in findings("IA-OVERDUE") if f.subject_type == "internal audit"]
    assert finding.subject_key == late.reference and finding.severity.value == "warning"
    assert [f for f in findings("IA-OVERDUE", days(-4)) if f.subject_type == "internal audit"] == []
    audits.cancel(late, by=qm, reason="Merged with the autumn audit")
    assert [f for f in findings("IA-OVERDUE") if f.subject_type == "internal audit"] == []


def test_ia_overdue_names_clauses_not_audited_in_the_cycle(ctx, qm, auditor):
    clauses = requirement_clauses()
    done = complete_audit(qm, auditor, [c for c in clauses if c not in ("7.3", "6.3")], 30)

    def unaudited(as_of=None):
        return sorted(
            f.subject_key for f in findings("IA-OVERDUE", as_of) if f.subject_type == "clause"
        )

    assert unaudited() == ["6.3", "7.3"]
    # A planned audit within the cycle puts a clause in the programme.
    audits.plan_audit(
        by=qm, title="Sampling", planned_on=days(60), auditor=auditor, clauses=["7.3"]
    )
    assert unaudited() == ["6.3"]
    # Before the audit was done, everything but the planned clause was outside the cycle.
    assert len(unaudited(done.performed_on - dt.timedelta(days=1))) == len(clauses) - 1


# --- MR-OVERDUE -----------------------------------------------------------------------------


def signed_review(qm, held_on):
    review = reviews.create_review(by=qm, held_on=held_on, attendees="Quinn Manager")
    reviews.update_review(
        review,
        by=qm,
        held_on=held_on,
        attendees="Quinn Manager",
        decisions="Effective.",
        inputs={key: (True, "") for key in reviews.INPUT_KEYS},
    )
    reviews.finalize(review, by=qm, password=DEMO_PASSWORD)
    return review


def test_mr_overdue(ctx, qm):
    (none_yet,) = findings("MR-OVERDUE")
    assert none_yet.severity.value == "warning" and none_yet.clause == "8.9.1"
    old = signed_review(qm, days(-400))
    (late,) = findings("MR-OVERDUE")
    assert late.severity.value == "blocker" and old.reference in late.message
    assert late.due_on == add_months(old.held_on, 12)
    assert findings("MR-OVERDUE", old.held_on + dt.timedelta(days=100)) == []
    (soon,) = findings("MR-OVERDUE", late.due_on - dt.timedelta(days=5))
    assert soon.severity.value == "warning"
    # A draft (unsigned) review does not count; a signed one does.
    draft = reviews.create_review(by=qm, held_on=lab_today())
    assert findings("MR-OVERDUE") != []
    reviews.update_review(
        draft,
        by=qm,
        held_on=lab_today(),
        attendees="Quinn Manager",
        decisions="Effective.",
        inputs={key: (True, "") for key in reviews.INPUT_KEYS},
    )
    reviews.finalize(draft, by=qm, password=DEMO_PASSWORD)
    assert findings("MR-OVERDUE") == []


def test_mr_interval_is_a_setting(ctx, qm):
    signed_review(qm, days(-400))
    current_app.config["MANAGEMENT_REVIEW_INTERVAL_MONTHS"] = 18
    assert findings("MR-OVERDUE") == []


# --- CA-OVERDUE -----------------------------------------------------------------------------


def test_ca_overdue(ctx, qm):
    late = nonconformity(qm, stage="acted", due_on=days(-5), raised_on=days(-40))
    nonconformity(qm, stage="acted", due_on=days(60), raised_on=days(-40))  # the twin
    (finding,) = findings("CA-OVERDUE")
    assert (finding.subject_key, finding.severity.value, finding.due_on) == (
        late.reference,
        "blocker",
        days(-5),
    )
    assert f"#{late.actions[0].id}" in finding.message
    (soon,) = findings("CA-OVERDUE", days(-10))
    assert soon.severity.value == "warning"
    assert findings("CA-OVERDUE", days(-39)) == []
    capa.complete_action(late.actions[0], by=qm, note="Done late.")
    assert findings("CA-OVERDUE") == []
    # As of yesterday it was still open and late.
    assert [f.subject_key for f in findings("CA-OVERDUE", days(-1))] == [late.reference]


def test_ca_overdue_stops_when_the_nonconformity_is_closed(ctx, qm):
    nc = nonconformity(qm, stage="checked", due_on=days(-5), raised_on=days(-40))
    assert findings("CA-OVERDUE") == []  # the action is done
    assert nc.actions[0].completed_on == lab_today()
    capa.close(nc, by=qm, password=DEMO_PASSWORD)
    assert findings("CA-OVERDUE") == []


# --- cost and evidence ----------------------------------------------------------------------


def test_queries_do_not_grow_with_records(ctx, qm, auditor, count_queries):
    def build(n, prefix):
        for i in range(n):
            pt_method(qm, f"{prefix}/{i}", last_days_ago=400)
            nonconformity(qm, stage="acted", due_on=days(-5), raised_on=days(-40))
            complete_audit(qm, auditor, ["8.8", "7.2"], 20 + i)

    build(1, "A")
    with count_queries() as small:
        evaluate()
    build(6, "B")
    with count_queries() as large:
        evaluate()
    assert large.count == small.count, (small.statements, large.statements)


def test_quality_records_are_clause_evidence(ctx, qm, auditor):
    method = pt_method(qm, "AS6171/3", last_days_ago=30)
    scope.record_validation(
        method, kind="verification", performed_on=days(-300), summary="ok", by=qm
    )
    audit = complete_audit(qm, auditor, ["6.4", "7.2"], 30)
    review = signed_review(qm, days(-20))
    nc = nonconformity(qm, stage="acted", raised_on=days(-10))
    complaint = complaints.log_complaint(
        by=qm, received_on=days(-3), complainant="C", description="Late"
    )
    risk = risks.create_risk(
        by=qm,
        kind="risk",
        category="impartiality",
        title="Pressure",
        likelihood=3,
        impact=3,
        owner=qm,
        identified_on=days(-50),
    )
    evidence = evidence_by_clause(lab_today())

    def keys(clause):
        return {(e.kind, e.key) for e in evidence.get(clause, [])}

    assert ("internal audit", audit.reference) in keys("8.8")
    assert ("internal audit", audit.reference) in keys("6.4")
    assert ("management review", review.reference) in keys("8.9")
    assert ("nonconformity", nc.reference) in keys("7.10")
    assert ("corrective action", nc.reference) in keys("8.7")
    assert ("PT round", "AS6171/3:R1") in keys("7.7.2")
    assert ("risk register", risk.reference) in keys("8.5")
    assert ("risk register", risk.reference) in keys("4.1")
    assert ("complaint", complaint.reference) in keys("7.9")
    assert any(kind == "method verification" for kind, _ in keys("7.2.1"))
    # As of a date before the records existed, none of it is evidence.
    earlier = evidence_by_clause(days(-400))
    assert not earlier.get("8.8") and not earlier.get("8.9") and not earlier.get("7.9")
    assert not earlier.get("7.7.2") and not earlier.get("4.1")
