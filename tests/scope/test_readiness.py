"""Method readiness: each reason it can fail, the compliant method, and the extension points."""

import datetime as dt

import pytest
from sqlalchemy import select, update

from compliance.capa import services as capa
from compliance.dates import lab_today
from compliance.documents import services as documents
from compliance.documents.models import Revision
from compliance.extensions import db
from compliance.proficiency import services as proficiency
from compliance.scope import readiness, services
from compliance.scope.models import Method
from compliance.scope.readiness import CHECKS, Reason, assess, assess_one
from tests.conftest import DEMO_PASSWORD
from tests.quality.builders import ready_method


@pytest.fixture
def other_domains(monkeypatch):
    """Equipment and personnel answer "all fine", as their registered checks would."""
    monkeypatch.setitem(CHECKS, "equipment", lambda methods, as_of: {})
    monkeypatch.setitem(CHECKS, "personnel", lambda methods, as_of: {})


def messages(result, check=None):
    return [r.message for r in result.reasons if check is None or r.check == check]


def test_a_method_in_order_is_ready(ctx, qm, other_domains):
    method = ready_method(qm)
    result = assess_one(method, lab_today())
    assert result.reasons == [] and result.unchecked == []
    assert result.status == "ready" and result.is_ready


def test_parts_nobody_answers_are_not_checked_never_fine(ctx, qm, monkeypatch):
    for name in ("equipment", "personnel"):
        monkeypatch.delitem(CHECKS, name, raising=False)
    method = ready_method(qm)
    result = assess_one(method, lab_today())
    assert result.unchecked == ["equipment", "personnel"]
    assert result.status == "unchecked" and not result.is_ready


def test_a_registered_check_adds_its_reasons(ctx, qm, monkeypatch):
    method = ready_method(qm)

    def equipment(methods, as_of):
        return {m.id: [Reason("equipment", "EQ-XRF-01 calibration overdue.")] for m in methods}

    monkeypatch.setitem(CHECKS, "equipment", equipment)
    monkeypatch.setitem(
        CHECKS,
        "personnel",
        readiness.per_method(lambda m, as_of: [Reason("personnel", "No authorized analyst.")]),
    )
    result = assess_one(method, lab_today())
    assert messages(result) == ["EQ-XRF-01 calibration overdue.", "No authorized analyst."]
    assert result.status == "not ready" and result.unchecked == []


def test_suspended_method(ctx, qm, other_domains):
    method = ready_method(qm)
    services.set_status(method, status="suspended", reason="XRF out for repair", by=qm)
    result = assess_one(method, lab_today())
    assert messages(result, "status") == [
        "AS6171/2 is suspended: XRF out for repair. Reinstate it on the scope before reporting "
        "results under accreditation."
    ]
    services.set_status(method, status="in_scope", reason="Repaired", by=qm)
    assert assess_one(method, lab_today()).is_ready


def test_no_procedure(ctx, qm, other_domains):
    method = ready_method(qm)
    services.update_method(method, procedure=None, by=qm)
    (message,) = messages(assess_one(method, lab_today()), "procedure")
    assert "has no governing procedure" in message


def test_procedure_without_effective_revision(ctx, qm, other_domains):
    method = ready_method(qm)
    revision = documents.current_revision(method.procedure)
    documents.withdraw(revision, by=qm, reason="replaced by a new method")
    (message,) = messages(assess_one(method, lab_today()), "procedure")
    assert message.startswith("TM-AS6171-2 has no effective revision")


def test_procedure_approved_only_by_its_author(ctx, qm, other_domains):
    method = ready_method(qm)
    revision = documents.current_revision(method.procedure)
    db.session.execute(update(Revision).where(Revision.id == revision.id).values(author_id=qm.id))
    db.session.commit()
    (message,) = messages(assess_one(method, lab_today()), "procedure")
    assert "lacks a valid approval by someone other than its author" in message


def test_procedure_review_overdue_respects_the_date(ctx, qm, other_domains):
    method = ready_method(qm)
    revision = documents.current_revision(method.procedure)
    due = documents.next_review_on(method.procedure, revision)
    assert messages(assess_one(method, due), "procedure") == []  # due that day: not overdue
    (message,) = messages(assess_one(method, due + dt.timedelta(days=1)), "procedure")
    assert f"was due for periodic review on {due.isoformat()}" in message
    documents.periodic_review(method.procedure, by=qm, password=DEMO_PASSWORD)
    assert messages(assess_one(method, due + dt.timedelta(days=1)), "procedure") == []


def test_no_verification_record(ctx, qm, other_domains):
    method = ready_method(qm)
    fresh = services.create_method(code="AS6171/9", title="FTIR", procedure=method.procedure, by=qm)
    proficiency.set_interval(fresh, None, by=qm)
    (message,) = messages(assess_one(fresh, lab_today()), "verification")
    assert "no verification or validation record" in message
    # A record dated after the as-of day does not count on that day.
    services.record_validation(
        fresh, kind="validation", performed_on=lab_today(), summary="Study", by=qm
    )
    assert messages(assess_one(fresh, lab_today()), "verification") == []
    yesterday = lab_today() - dt.timedelta(days=1)
    assert messages(assess_one(fresh, yesterday), "verification") != []


def test_pt_overdue(ctx, qm, other_domains):
    method = ready_method(qm, interval=1, pt_days_ago=45)  # every month; last 45 days ago
    (message,) = messages(assess_one(method, lab_today()), "proficiency")
    last = lab_today() - dt.timedelta(days=45)
    due = proficiency.pt_due_on(method, last)
    assert f"PT for AS6171/2 was due on {due.isoformat()}" in message
    assert f"the last round was Sentinel PT round R1 on {last.isoformat()}" in message
    proficiency.record_event(
        method,
        provider="Sentinel PT",
        round="R2",
        performed_on=lab_today(),
        result="satisfactory",
        by=qm,
    )
    assert assess_one(method, lab_today()).is_ready


def test_pt_never_taken_falls_due_one_interval_after_joining_the_scope(ctx, qm, other_domains):
    method = ready_method(qm)
    new = services.create_method(
        code="AS6171/8",
        title="Raman",
        procedure=method.procedure,
        pt_interval_months=6,
        in_scope_since=dt.date(2020, 1, 31),
        by=qm,
    )
    services.record_validation(
        new, kind="validation", performed_on=dt.date(2020, 1, 2), summary="Study", by=qm
    )
    assert assess_one(new, dt.date(2020, 7, 31)).is_ready
    (message,) = messages(assess_one(new, dt.date(2020, 8, 1)), "proficiency")
    assert "was due on 2020-07-31 (no round since it joined the scope on 2020-01-31)" in message


def test_no_pt_interval_is_a_warning(ctx, qm, other_domains):
    method = ready_method(qm)
    proficiency.set_interval(method, None, by=qm)
    result = assess_one(method, lab_today())
    (reason,) = result.reasons
    assert reason.severity == "warning" and "No PT/ILC interval is planned" in reason.message
    assert result.status == "ready" and result.warnings == [reason]


def test_unsatisfactory_pt_blocks_until_its_nonconformity_closes(ctx, qm, other_domains):
    method = ready_method(qm)
    event = proficiency.record_event(
        method,
        provider="Sentinel PT",
        round="R2",
        performed_on=lab_today(),
        result="unsatisfactory",
        z_score=3.6,
        by=qm,
    )
    nc = event.nonconformity
    (message,) = messages(assess_one(method, lab_today()), "proficiency")
    assert f"unsatisfactory and {nc.reference} is still open" in message
    capa.update_investigation(
        nc,
        by=qm,
        description=nc.description,
        clause_number="7.7.2",
        risk="high",
        immediate_correction="Reports since R1 reviewed.",
        root_cause="Wrong calibration curve.",
    )
    action = capa.add_action(nc, by=qm, description="Fix", owner=qm, due_on=lab_today())
    capa.complete_action(action, by=qm, note="Fixed")
    capa.record_effectiveness(nc, by=qm, check="Re-test passed", is_effective=True)
    capa.close(nc, by=qm, password=DEMO_PASSWORD)
    assert assess_one(method, lab_today()).is_ready


def test_questionable_pt_is_a_warning(ctx, qm, other_domains):
    method = ready_method(qm)
    proficiency.record_event(
        method,
        provider="Sentinel PT",
        round="R2",
        performed_on=lab_today(),
        result="questionable",
        z_score=2.4,
        by=qm,
    )
    result = assess_one(method, lab_today())
    assert [r.severity for r in result.reasons] == ["warning"]
    assert "questionable" in result.reasons[0].message


def test_assessing_the_whole_scope_takes_a_fixed_number_of_queries(
    ctx, qm, other_domains, count_queries
):
    first = ready_method(qm)

    def scope_methods():
        return db.session.scalars(select(Method).order_by(Method.id)).all()

    methods = scope_methods()
    with count_queries() as small:
        assess(methods, lab_today())
    for n in range(3, 9):
        method = services.create_method(
            code=f"AS6171/{n}", title="m", procedure=first.procedure, pt_interval_months=12, by=qm
        )
        services.record_validation(
            method, kind="verification", performed_on=lab_today(), summary="ok", by=qm
        )
    db.session.commit()
    methods = scope_methods()
    with count_queries() as large:
        results = assess(methods, lab_today())
    assert len(results) == 7
    assert large.count == small.count, (small.statements, large.statements)
