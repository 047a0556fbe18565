"""The equipment gap rules (CAL-*, CHECK-OVERDUE, METHOD-EQUIPMENT, PROVIDER-LAPSED): each fires
on a minimal case, not on its compliant twin, clears once fixed through the services, and
respects the as-of date; and the clause evidence equipment records give."""

import datetime as dt

import pytest
import time_machine

from compliance.clauses.evidence import evidence_by_clause
from compliance.equipment import services
from compliance.equipment.services import CalibrationInput
from compliance.extensions import db
from compliance.gaps.engine import evaluate
from compliance.gaps.equipment_rules import (
    cal_missing,
    cal_not_traceable,
    cal_oot_unassessed,
    cal_overdue,
    check_overdue,
    method_equipment,
    provider_lapsed,
)
from compliance.gaps.rules import GapContext
from compliance.scope.models import MethodEquipmentRequirement
from tests.conftest import DEMO_PASSWORD
from tests.equipment.helpers import calibrate, make_item, make_provider
from tests.factories import make_method

D = dt.date
TODAY = D(2026, 6, 10)
EQUIPMENT_RULES = (
    cal_missing,
    cal_overdue,
    cal_not_traceable,
    cal_oot_unassessed,
    check_overdue,
    method_equipment,
    provider_lapsed,
)


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(dt.datetime(2026, 6, 10, 9, tzinfo=dt.UTC), tick=True):
        yield


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def qm(make_user):
    return make_user("quality_manager", name="Quinn Manager")


def findings(rule, as_of=None):
    return [f for f in evaluate(as_of).findings if f.rule == rule]


def summary(rule, as_of=None):
    return [(f.subject_key, f.severity.value, f.due_on) for f in findings(rule, as_of)]


# --- CAL-MISSING ----------------------------------------------------------------------------


def test_cal_missing(ctx, qm):
    item = make_item("EQ-NEW-01")
    calibrate(make_item("EQ-OK-01"), D(2026, 6, 1))  # the compliant twin
    make_item("EQ-GAUGE-01", interval=None)  # needs no calibration
    parked = make_item("EQ-OLD-01")
    services.change_status(parked, "out_of_service", by=qm, reason="awaiting repair")
    (finding,) = findings("CAL-MISSING")
    assert (finding.subject_type, finding.subject_key, finding.clause) == (
        "equipment",
        "EQ-NEW-01",
        "6.4.6",
    )
    assert finding.severity.value == "blocker" and "no calibration on record" in finding.message
    assert finding.href == f"/equipment/{item.id}/calibrations/new"
    calibrate(item, D(2026, 6, 9), by=qm)
    assert findings("CAL-MISSING") == []


# --- CAL-OVERDUE ----------------------------------------------------------------------------


def test_cal_overdue(ctx, qm):
    item = make_item("EQ-BAL-01")
    calibrate(item, D(2025, 5, 1))  # due 2026-05-01
    calibrate(make_item("EQ-BAL-02"), D(2026, 6, 1))  # the compliant twin
    assert summary("CAL-OVERDUE") == [("EQ-BAL-01", "blocker", D(2026, 5, 1))]
    (finding,) = findings("CAL-OVERDUE")
    assert finding.clause == "6.4.7" and "was due for calibration on 2026-05-01" in finding.message
    # As of a date before the due date: a warning inside the window, nothing outside it.
    assert summary("CAL-OVERDUE", D(2026, 4, 20)) == [("EQ-BAL-01", "warning", D(2026, 5, 1))]
    assert summary("CAL-OVERDUE", D(2026, 3, 1)) == []
    calibrate(item, D(2026, 6, 9), by=qm)
    assert findings("CAL-OVERDUE") == []


def test_calibration_due_before_the_assessment_counts_now(ctx):
    calibrate(make_item("EQ-XRF-01"), D(2025, 8, 15))  # due 2026-08-15
    assert findings("CAL-OVERDUE") == []
    assert summary("CAL-OVERDUE", D(2026, 9, 1)) == [("EQ-XRF-01", "blocker", D(2026, 8, 15))]


def test_items_out_of_use_are_not_overdue(ctx, qm):
    retired = make_item("EQ-OLD-01")
    calibrate(retired, D(2024, 1, 1))
    services.change_status(retired, "retired", by=qm, reason="replaced")
    parked = make_item("EQ-OLD-02")
    calibrate(parked, D(2024, 1, 1))
    services.change_status(parked, "out_of_service", by=qm, reason="broken")
    assert findings("CAL-OVERDUE") == [] and findings("CAL-MISSING") == []


# --- CAL-NOT-TRACEABLE ----------------------------------------------------------------------


def test_cal_not_traceable_provider_expired_on_the_calibration_date(ctx, qm):
    lapsed = make_provider("Lapsed Cal", expires_on=D(2026, 1, 1))
    good = make_provider("Good Cal")
    item = make_item("EQ-XRAY-01")
    calibrate(item, D(2026, 3, 1), provider=lapsed)
    # The compliant twin: the same provider, while its accreditation was valid.
    calibrate(make_item("EQ-XRAY-02"), D(2025, 12, 1), provider=lapsed)
    (finding,) = findings("CAL-NOT-TRACEABLE")
    assert (finding.subject_key, finding.clause, finding.severity.value) == (
        "EQ-XRAY-01",
        "6.5.2",
        "blocker",
    )
    assert "Lapsed Cal" in finding.message and "expired on 2026-01-01" in finding.message
    calibrate(item, D(2026, 6, 9), provider=good, by=qm)
    assert findings("CAL-NOT-TRACEABLE") == []


def test_cal_not_traceable_without_accreditation_or_suspended(ctx, qm):
    unknown = services.create_provider(by=qm, name="Unknown Cal")
    suspended = make_provider("Suspended Cal")
    calibrate(make_item("EQ-A-01"), D(2026, 5, 1), provider=unknown)
    calibrate(make_item("EQ-B-01"), D(2026, 5, 1), provider=suspended)
    calibrate(make_item("EQ-C-01"), D(2026, 5, 1))  # in-house, against its procedure
    assert [f.subject_key for f in findings("CAL-NOT-TRACEABLE")] == ["EQ-A-01"]
    services.update_provider(suspended, by=qm, reason="certificate errors", status="suspended")
    by_item = {f.subject_key: f for f in findings("CAL-NOT-TRACEABLE")}
    assert set(by_item) == {"EQ-A-01", "EQ-B-01"}
    assert "not on record" in by_item["EQ-A-01"].message
    assert by_item["EQ-A-01"].href == f"/providers/{unknown.id}/edit"
    assert "suspended" in by_item["EQ-B-01"].message
    services.update_provider(
        unknown,
        by=qm,
        accreditation_body="ANAB",
        accreditation_number="AC-9",
        accreditation_expires_on=D(2027, 1, 1),
    )
    assert [f.subject_key for f in findings("CAL-NOT-TRACEABLE")] == ["EQ-B-01"]


def test_in_house_calibration_is_judged_by_its_procedure(ctx, qm):
    item = make_item("EQ-IMP-01")
    services.record_calibration(
        item,
        CalibrationInput(calibrated_on=D(2026, 5, 1), as_found="in", as_left="in"),
        by=qm,
        source="import",
    )
    (finding,) = findings("CAL-NOT-TRACEABLE")
    assert "without naming the procedure" in finding.message
    event = item.latest_calibration
    services.correct_calibration(
        event,
        CalibrationInput(
            calibrated_on=D(2026, 5, 1), as_found="in", as_left="in", procedure="QP-6.4-03"
        ),
        reason="procedure missing from the import",
        by=qm,
    )
    assert findings("CAL-NOT-TRACEABLE") == []


# --- CAL-OOT-UNASSESSED ---------------------------------------------------------------------


def test_cal_oot_unassessed(ctx, qm):
    item = make_item("EQ-CSAM-01")
    event = calibrate(item, D(2026, 5, 20), found="out", by=qm)
    calibrate(make_item("EQ-CSAM-02"), D(2026, 5, 20), by=qm)  # the compliant twin
    (assessment,) = services.assessments_of(item)
    (finding,) = findings("CAL-OOT-UNASSESSED")
    assert (finding.subject_key, finding.clause, finding.detail) == (
        "EQ-CSAM-01",
        "6.4.9",
        f"calibration {event.id}",
    )
    assert assessment.reference in finding.message and "still open" in finding.message
    assert finding.href == f"/impact-assessments/{assessment.id}"
    # As of a day before the calibration found it, there was nothing to assess.
    assert findings("CAL-OOT-UNASSESSED", D(2026, 5, 1)) == []
    services.update_impact_assessment(
        assessment,
        by=qm,
        assessor=qm,
        conclusion="No reported result affected.",
        actions="None needed.",
        methods=[],
        period_start=None,
    )
    services.close_impact_assessment(assessment, by=qm, password=DEMO_PASSWORD)
    assert findings("CAL-OOT-UNASSESSED") == []


def test_oot_correction_keeps_the_assessment_of_the_record_it_corrects(ctx, qm):
    item = make_item("EQ-CSAM-01")
    event = calibrate(item, D(2026, 5, 20), found="out", by=qm)
    corrected = services.correct_calibration(
        event,
        CalibrationInput(
            calibrated_on=D(2026, 5, 20),
            as_found="out",
            as_left="adjusted",
            procedure="QP-6.4-04",
        ),
        reason="wrong procedure",
        by=qm,
    )
    (finding,) = findings("CAL-OOT-UNASSESSED")
    assert finding.detail == f"calibration {corrected.id}" and "still open" in finding.message


# --- CHECK-OVERDUE --------------------------------------------------------------------------


def test_check_overdue(ctx, qm):
    item = make_item("EQ-BAL-01", check_interval_months=3)
    calibrate(item, D(2026, 1, 5))  # first check due 2026-04-05
    twin = make_item("EQ-BAL-02", check_interval_months=3)
    calibrate(twin, D(2026, 1, 5))
    services.record_check(twin, performed_on=D(2026, 6, 1), result="pass", reference="W1", by=qm)
    assert summary("CHECK-OVERDUE") == [("EQ-BAL-01", "blocker", D(2026, 4, 5))]
    (finding,) = findings("CHECK-OVERDUE")
    assert finding.clause == "6.4.10" and "no check since calibration" in finding.message
    assert summary("CHECK-OVERDUE", D(2026, 3, 20)) == [("EQ-BAL-01", "warning", D(2026, 4, 5))]
    assert summary("CHECK-OVERDUE", D(2026, 2, 1)) == []
    # A failed check does not restart the interval; a passing one does.
    services.record_check(item, performed_on=D(2026, 6, 8), result="fail", reference="W1", by=qm)
    assert [f.subject_key for f in findings("CHECK-OVERDUE")] == ["EQ-BAL-01"]
    services.record_check(item, performed_on=D(2026, 6, 9), result="pass", reference="W1", by=qm)
    assert findings("CHECK-OVERDUE") == []
    assert summary("CHECK-OVERDUE", D(2026, 9, 20)) == [
        ("EQ-BAL-02", "blocker", D(2026, 9, 1)),
        ("EQ-BAL-01", "blocker", D(2026, 9, 9)),
    ]


def test_check_never_performed_on_an_item_without_calibration(ctx, qm):
    item = make_item("EQ-REF-01", interval=None, check_interval_months=6)
    (finding,) = findings("CHECK-OVERDUE")
    assert finding.severity.value == "warning" and "none is on record" in finding.message
    services.record_check(item, performed_on=D(2026, 6, 9), result="pass", reference="R", by=qm)
    assert findings("CHECK-OVERDUE") == []


# --- METHOD-EQUIPMENT -----------------------------------------------------------------------


def test_method_equipment_linked_items(ctx, qm):
    method = make_method("AS6171/3")
    xrf = make_item("EQ-XRF-01", methods=[method])
    calibrate(xrf, D(2025, 5, 1))  # overdue
    ready = make_method("AS6171/2")  # the compliant twin
    calibrate(make_item("EQ-STM-01", methods=[ready]), D(2026, 6, 1))
    (finding,) = findings("METHOD-EQUIPMENT")
    assert (finding.subject_type, finding.subject_key, finding.severity.value) == (
        "method",
        "AS6171/3",
        "blocker",
    )
    assert finding.detail == "linked equipment" and "EQ-XRF-01 calibration overdue" in (
        finding.message
    )
    assert summary("METHOD-EQUIPMENT", D(2026, 3, 1)) == []
    calibrate(xrf, D(2026, 6, 9), by=qm)
    assert findings("METHOD-EQUIPMENT") == []
    # Out of service is unusable whatever its calibration.
    services.change_status(xrf, "out_of_service", by=qm, reason="detector fault")
    (finding,) = findings("METHOD-EQUIPMENT")
    assert "EQ-XRF-01 is out of service" in finding.message
    # A second usable item is enough.
    calibrate(make_item("EQ-XRF-02", methods=[method]), D(2026, 6, 1))
    assert findings("METHOD-EQUIPMENT") == []


def test_method_equipment_due_within_the_window_is_a_warning(ctx):
    method = make_method("AS6171/4")
    calibrate(make_item("EQ-BAL-01", methods=[method]), D(2025, 6, 25))  # due 2026-06-25
    calibrate(make_item("EQ-BAL-02", methods=[method]), D(2025, 6, 20))  # due 2026-06-20
    assert summary("METHOD-EQUIPMENT") == [("AS6171/4", "warning", D(2026, 6, 25))]
    assert summary("METHOD-EQUIPMENT", D(2026, 6, 26)) == [("AS6171/4", "blocker", None)]


def test_method_equipment_scope_requirements(ctx, qm):
    method = make_method("AS6171/5")
    for requirement in (
        MethodEquipmentRequirement(asset_id="EQ-XRAY-01"),
        MethodEquipmentRequirement(asset_id="EQ-GONE-01"),
        MethodEquipmentRequirement(equipment_type="Stereo microscope", min_count=2),
    ):
        method.equipment_requirements.append(requirement)
    db.session.commit()
    xray = make_item("EQ-XRAY-01", equipment_type="X-ray system")
    calibrate(make_item("EQ-STM-01", equipment_type="Stereo microscope"), D(2026, 1, 1))
    second = make_item("EQ-STM-02", equipment_type="Stereo microscope")  # never calibrated
    by_detail = {f.detail: f for f in findings("METHOD-EQUIPMENT")}
    assert set(by_detail) == {"asset EQ-XRAY-01", "asset EQ-GONE-01", "type Stereo microscope"}
    assert all(f.severity.value == "blocker" for f in by_detail.values())
    assert "not in the equipment register" in by_detail["asset EQ-GONE-01"].message
    assert "needs 2 × Stereo microscope" in by_detail["type Stereo microscope"].message
    calibrate(xray, D(2026, 6, 1), by=qm)
    calibrate(second, D(2026, 6, 1), by=qm)
    assert [f.detail for f in findings("METHOD-EQUIPMENT")] == ["asset EQ-GONE-01"]
    # The type count falls short once the first microscope's calibration lapses (2027-01-01).
    assert {f.detail for f in findings("METHOD-EQUIPMENT", D(2027, 1, 2))} == {
        "asset EQ-GONE-01",
        "type Stereo microscope",
    }
    method.status = "suspended"
    db.session.commit()
    assert findings("METHOD-EQUIPMENT") == []


# --- PROVIDER-LAPSED ------------------------------------------------------------------------


def test_provider_lapsed(ctx, qm):
    lapsed = make_provider("Northgate Cal", expires_on=D(2026, 4, 30))
    make_provider("Precision Cal", expires_on=D(2027, 4, 30))  # the compliant twin
    soon = make_provider("Spectra Cal", expires_on=D(2026, 6, 20))
    assert summary("PROVIDER-LAPSED") == [
        ("Northgate Cal", "blocker", D(2026, 4, 30)),
        ("Spectra Cal", "warning", D(2026, 6, 20)),
    ]
    (finding,) = [f for f in findings("PROVIDER-LAPSED") if f.subject_key == "Northgate Cal"]
    assert (finding.subject_type, finding.clause) == ("provider", "6.6.2")
    assert "ANAB AC-0001" in finding.message and "expired on 2026-04-30" in finding.message
    assert finding.href == f"/providers/{lapsed.id}/edit"
    assert summary("PROVIDER-LAPSED", D(2026, 3, 1)) == []
    services.update_provider(lapsed, by=qm, accreditation_expires_on=D(2028, 4, 30))
    services.update_provider(soon, by=qm, reason="no longer used", status="suspended")
    assert findings("PROVIDER-LAPSED") == []


# --- query count ----------------------------------------------------------------------------


def test_query_count_does_not_grow_with_items(ctx, qm, count_queries):
    expired = make_provider("Lapsed Cal", expires_on=D(2024, 12, 1))

    def build(n, prefix):
        for i in range(n):
            method = make_method(f"{prefix}/{i}")
            method.equipment_requirements.append(
                MethodEquipmentRequirement(equipment_type=f"{prefix} type", min_count=2)
            )
            make_item(f"{prefix}-NEW-{i}")
            overdue = make_item(f"{prefix}-OLD-{i}", methods=[method], check_interval_months=1)
            calibrate(overdue, D(2025, 1, 1), provider=expired)
            calibrate(make_item(f"{prefix}-OOT-{i}"), D(2026, 6, 1), found="out", by=qm)
            make_provider(f"{prefix} provider {i}", expires_on=D(2026, 5, 1))

    def run():
        context = GapContext(as_of=TODAY, today=TODAY, warning_days=30)
        return [f for rule in EQUIPMENT_RULES for f in rule(context)]

    build(2, "SMALL")
    run()
    with count_queries() as small:
        few = run()
    build(20, "LARGE")
    with count_queries() as large:
        many = run()
    assert len(many) > len(few) >= 7 * 2
    assert {f.rule for f in few} == {r.rule_id for r in EQUIPMENT_RULES}
    assert large.count == small.count, (small.statements, large.statements)


# --- clause evidence ------------------------------------------------------------------------


def test_equipment_evidence_by_clause(ctx, qm):
    provider = make_provider("Precision Cal")
    balance = make_item("EQ-BAL-01", check_interval_months=3)
    calibrate(balance, D(2026, 3, 1), provider=provider)
    calibrate(make_item("EQ-OLD-01"), D(2025, 1, 1))  # overdue: no longer evidence
    services.record_check(balance, performed_on=D(2026, 5, 1), result="pass", reference="W", by=qm)
    oot = make_item("EQ-CSAM-01")
    calibrate(oot, D(2026, 5, 20), found="out", by=qm)
    (assessment,) = services.assessments_of(oot)

    evidence = evidence_by_clause(TODAY)
    calibrations = [e.key.split(":")[0] for e in evidence["6.4.7"]]
    assert sorted(calibrations) == ["EQ-BAL-01", "EQ-CSAM-01"]
    assert "EQ-BAL-01" in {e.key.split(":")[0] for e in evidence["6.5.1"]}
    assert [e.key for e in evidence["6.4.10"]] == ["EQ-BAL-01:2026-05-01"]
    assert [e.key for e in evidence["6.6.2"]] == ["Precision Cal"]
    assert [e.key for e in evidence["6.4.13"]] == ["equipment register"]
    assert "6.4.9" not in evidence  # the assessment is still open
    # As of the day after the balance's calibration falls due, it is evidence no longer.
    assert "EQ-BAL-01" not in {
        e.key.split(":")[0] for e in evidence_by_clause(D(2027, 3, 2))["6.4.7"]
    }

    services.update_impact_assessment(
        assessment,
        by=qm,
        assessor=qm,
        conclusion="No reported result affected.",
        actions="None needed.",
        methods=[],
        period_start=None,
    )
    services.close_impact_assessment(assessment, by=qm, password=DEMO_PASSWORD)
    closed = evidence_by_clause(TODAY)
    assert [e.key for e in closed["6.4.9"]] == [assessment.reference]
    assert assessment.reference in {e.key for e in closed["7.10"]}
