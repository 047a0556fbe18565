"""Internal audits: the independence rule (what "own work" means), findings, nonconformities,
completion, the programme's coverage, and the .docx report."""

import datetime as dt
import io

import docx
import pytest
from sqlalchemy import select

from compliance.audit.models import AuditEntry
from compliance.audits import services
from compliance.audits.independence import CONFLICT_CHECKS, independence_conflicts
from compliance.audits.report import audit_report
from compliance.audits.services import AuditError
from compliance.dates import lab_today
from compliance.documents import services as documents
from compliance.extensions import db
from compliance.quality.rules import QualityError
from compliance.scope import services as scope
from tests.factories import effective_document


@pytest.fixture
def auditor(make_user):
    return make_user("auditor", "staff", name="Rita Auditor")


def plan(qm, auditor, clauses=("8.3",), methods=(), auditee=None, days=10):
    return services.plan_audit(
        by=qm,
        title="Document control",
        planned_on=lab_today() + dt.timedelta(days=days),
        auditor=auditor,
        clauses=list(clauses),
        methods=list(methods),
        auditee=auditee,
    )


# --- independence ---------------------------------------------------------------------------


def test_an_independent_auditor_is_accepted(ctx, qm, auditor):
    effective_document(qm, number="QP-8.3-01", clauses=["8.3.2"])
    audit = plan(qm, auditor)
    assert audit.reference == f"IA-{audit.planned_on.year}-01" and audit.is_planned
    assert independence_conflicts(auditor, ["8.3"], []) == []


def test_the_auditee_cannot_audit(ctx, qm, auditor):
    with pytest.raises(AuditError, match="is the auditee of this audit"):
        plan(qm, auditor, auditee=auditor)


@pytest.mark.parametrize("audited", ["8.3", "8.3.2", "8", "8.3.2 b"])
def test_owner_of_a_document_for_an_audited_clause_cannot_audit(ctx, qm, auditor, audited):
    effective_document(auditor, number="QP-8.3-01", clauses=["8.3.2"])
    with pytest.raises(AuditError) as refused:
        plan(qm, auditor, clauses=[audited])
    assert "Rita Auditor cannot audit their own work" in str(refused.value)
    assert "owns QP-8.3-01, which addresses clause 8.3.2" in str(refused.value)


def test_owning_a_document_for_another_clause_is_no_conflict(ctx, qm, auditor):
    effective_document(auditor, number="QP-6.4-01", clauses=["6.4.1"])
    assert plan(qm, auditor, clauses=["8.3", "7.2"]).is_planned


def test_owner_of_an_audited_methods_procedure_cannot_audit(ctx, qm, auditor):
    document, _ = effective_document(auditor, number="TM-AS6171-3", doc_type="test_method")
    method = scope.create_method(code="AS6171/3", title="XRF", procedure=document, by=qm)
    with pytest.raises(AuditError, match="owns TM-AS6171-3, the procedure of method AS6171/3"):
        plan(qm, auditor, clauses=["7.2"], methods=[method])


def test_other_domains_add_their_own_work_rules(ctx, qm, auditor, monkeypatch):
    """Personnel registers "authorized analyst for an audited method" like this."""
    method = scope.create_method(code="AS6171/5", title="X-ray", by=qm)

    def authorized(user, clauses, methods):
        return [f"is authorized for {m.code}" for m in methods if user.id == auditor.id]

    monkeypatch.setitem(CONFLICT_CHECKS, "authorized analyst", authorized)
    with pytest.raises(AuditError, match="is authorized for AS6171/5"):
        plan(qm, auditor, clauses=["7.2"], methods=[method])
    assert plan(qm, auditor, clauses=["7.2"]).is_planned  # without the method: independent


def test_independence_is_checked_again_on_replanning_and_completion(ctx, qm, auditor):
    audit = plan(qm, auditor, clauses=["8.4"])
    with pytest.raises(AuditError, match="auditee"):
        services.update_plan(
            audit,
            by=qm,
            title=audit.title,
            planned_on=audit.planned_on,
            auditor=auditor,
            auditee=auditor,
            clauses=["8.4"],
        )
    # Ownership that arrived after planning is caught when the audit is completed.
    document, _ = effective_document(qm, number="QP-8.4-01", clauses=["8.4.1"])
    documents.update_document(
        document,
        by=qm,
        title=document.title,
        owner=auditor,
        review_interval_months=24,
        clauses=["8.4.1"],
        audiences=[],
        reason="new owner",
    )
    with pytest.raises(AuditError, match="owns QP-8.4-01"):
        services.complete(audit, by=auditor, performed_on=lab_today(), summary="Fine.")
    assert audit.is_planned


# --- conducting -----------------------------------------------------------------------------


def test_findings_nonconformity_and_completion(ctx, qm, auditor, make_user):
    audit = plan(qm, auditor, clauses=["8.3", "8.4"], days=-1)
    with pytest.raises(AuditError, match="outside the audit"):
        services.add_finding(
            audit, by=auditor, kind="observation", clause_number="6.2", description="x"
        )
    with pytest.raises(AuditError, match="Only the auditor"):
        services.add_finding(
            audit,
            by=make_user("staff"),
            kind="observation",
            clause_number="8.3",
            description="x",
        )
    nc_finding = services.add_finding(
        audit,
        by=auditor,
        kind="nonconformity",
        clause_number="8.3.2",
        description="Obsolete copy of QP-7.4 at the receiving bench.",
        evidence="Copy stamped Rev B found; Rev C effective.",
    )
    observation = services.add_finding(
        audit, by=auditor, kind="observation", clause_number="8.4", description="Slow retrieval."
    )
    assert [f.number for f in audit.findings] == [1, 2]
    with pytest.raises(AuditError, match="only a nonconformity finding"):
        services.raise_nonconformity(observation, by=auditor)
    nc = services.raise_nonconformity(nc_finding, by=auditor, risk="high")
    assert (nc.source, nc.source_id, nc.clause_number, nc.risk) == (
        "audit",
        nc_finding.id,
        "8.3.2",
        "high",
    )
    assert nc.source_label == f"{audit.reference} finding 1"
    with pytest.raises(AuditError, match="already opened"):
        services.raise_nonconformity(nc_finding, by=auditor)
    with pytest.raises(AuditError, match="today or earlier"):
        services.complete(
            audit, by=auditor, performed_on=lab_today() + dt.timedelta(1), summary="x"
        )
    services.complete(audit, by=auditor, performed_on=lab_today(), summary="Mostly effective.")
    assert audit.is_completed
    with pytest.raises(AuditError, match="findings are final"):
        services.add_finding(
            audit, by=auditor, kind="observation", clause_number="8.3", description="x"
        )
    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.entity_key == audit.reference)
        .order_by(AuditEntry.seq)
    ).all()
    assert actions == [
        "internal_audit.planned",
        "internal_audit.finding_recorded",
        "internal_audit.finding_recorded",
        "internal_audit.nonconformity_raised",
        "internal_audit.completed",
    ]


def test_cancel_needs_a_reason_and_only_for_planned(ctx, qm, auditor):
    audit = plan(qm, auditor)
    with pytest.raises(QualityError, match="A reason is required"):
        services.cancel(audit, by=qm, reason=" ")
    services.cancel(audit, by=qm, reason="Merged into IA-02")
    with pytest.raises(AuditError, match="only a planned audit"):
        services.cancel(audit, by=qm, reason="again")


# --- the programme --------------------------------------------------------------------------


def test_programme_coverage_as_of_a_date(ctx, qm, auditor):
    today = lab_today()
    done = plan(qm, auditor, clauses=["8.3.2", "7.2"], days=-200)
    services.complete(done, by=auditor, performed_on=today - dt.timedelta(days=190), summary="ok")
    later = plan(qm, auditor, clauses=["6.4"], days=100)
    late = plan(qm, auditor, clauses=["7.7"], days=-5)
    status = services.programme_status(today, ["6.4", "7.2", "7.7", "8.3", "8.5"])
    assert status.last_completed == done
    assert status.due_on == done.performed_on.replace(year=done.performed_on.year + 1)
    assert status.late_planned == [late]
    assert status.coverage["8.3"] == [done] and status.coverage["6.4"] == [later]
    assert status.unaudited(["6.4", "7.2", "7.7", "8.3", "8.5"]) == ["7.7", "8.5"]
    # Before the audit was completed there was no completed audit at all.
    before = services.programme_status(today - dt.timedelta(days=195), ["8.3"])
    assert before.last_completed is None and before.unaudited(["8.3"]) == ["8.3"]


def test_report_docx_opens_and_lists_the_findings(ctx, qm, auditor):
    audit = plan(qm, auditor, clauses=["8.3"], days=-1)
    finding = services.add_finding(
        audit,
        by=auditor,
        kind="nonconformity",
        clause_number="8.3",
        description="Obsolete copy at the bench.",
    )
    nc = services.raise_nonconformity(finding, by=auditor)
    services.complete(audit, by=auditor, performed_on=lab_today(), summary="One nonconformity.")
    data = audit_report(audit, "Test Lab")
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert f"Internal audit report {audit.reference}" in text
    assert "One nonconformity." in text
    assert "Obsolete copy at the bench." in cells and f"Rita Auditor ({auditor.email})" in cells
    assert f"{nc.reference} (investigation)" in cells
    assert "Control of management system documents (Option A)" in cells


def test_the_programme_answers_coverage_as_covers_does():
    """The programme's set lookups give quality.rules.covers' answer for every pair of clauses
    in the catalogue (and lettered items), both ways round."""
    from compliance.audits.services import _Audited
    from compliance.clauses.catalogue_iso17025 import CLAUSES
    from compliance.quality.rules import covers

    numbers = [row.number for row in CLAUSES] + ["8.3.2 a", "7.1.1 b"]
    for audited in numbers:
        scope = _Audited([audited])
        for clause in numbers:
            assert scope.covers(clause) == covers(audited, clause), (audited, clause)
