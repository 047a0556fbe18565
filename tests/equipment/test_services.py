"""The equipment rules: register, status and return to service, calibrations, corrections,
out-of-tolerance impact assessments, checks and maintenance, each written to the audit trail."""

import datetime as dt

import pytest
import time_machine
from sqlalchemy import func, select, text

from compliance.audit.models import AuditEntry
from compliance.equipment import services
from compliance.equipment.models import CalibrationEvent, ImpactAssessment
from compliance.equipment.services import CalibrationInput, EquipmentError
from compliance.extensions import db
from compliance.scope.models import Method
from compliance.signatures.models import Signature
from compliance.signatures.services import SignatureError
from tests.conftest import DEMO_PASSWORD
from tests.equipment.helpers import calibrate, make_item, make_provider

D = dt.date
TODAY = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture
def qm(make_user):
    return make_user("quality_manager", name="Quinn Manager")


def _audit(action: str, key: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
    if key is not None:
        stmt = stmt.where(AuditEntry.entity_key == key)
    return list(db.session.scalars(stmt))


def _method(code: str) -> Method:
    method = Method(code=code, title=f"Method {code}")
    db.session.add(method)
    db.session.flush()
    return method


# --- register -------------------------------------------------------------------------------


def test_register_an_item_audited_and_asset_ids_unique(app, qm):
    method = _method("AS6171/3")
    item = make_item(
        "eq-xrf-01", by=qm, equipment_type="XRF analyser", custodian=qm, methods=[method]
    )
    assert item.asset_id == "EQ-XRF-01" and item.method_codes == ["AS6171/3"]
    [entry] = _audit("equipment.created", "EQ-XRF-01")
    assert entry.actor_id == qm.id
    assert entry.changes["methods"] == [None, ["AS6171/3"]]
    assert entry.changes["calibration_interval_months"] == [None, 12]
    with pytest.raises(EquipmentError, match="already registered"):
        make_item("EQ-XRF-01")
    with pytest.raises(EquipmentError, match="calibration interval"):
        services.create_equipment(asset_id="EQ-2", description="x", by=qm)
    with pytest.raises(EquipmentError, match="not an asset id"):
        make_item("bad id with spaces")


def test_update_writes_old_and_new_values(app, qm):
    item = make_item(by=qm, location="Lab A")
    changed = services.update_equipment(
        item,
        by=qm,
        reason="moved",
        description=item.description,
        location="Lab B",
        calibration_interval_months=6,
    )
    assert changed
    [entry] = _audit("equipment.updated")
    assert entry.changes["location"] == ["Lab A", "Lab B"]
    assert entry.changes["calibration_interval_months"] == [12, 6]
    assert entry.reason == "moved"


# --- calibrations and due dates -------------------------------------------------------------


def test_a_calibration_is_due_an_interval_later_or_when_the_certificate_says(app, qm):
    item = make_item(interval=1, by=qm)
    event = calibrate(item, D(2026, 1, 31), by=qm)
    assert event.due_on == D(2026, 2, 28)
    assert event.recorded_by_id == qm.id
    stated = calibrate(item, D(2026, 5, 31), stated_due_on=D(2026, 11, 30), by=qm)
    assert (stated.due_on, stated.stated_due_on) == (D(2026, 11, 30), D(2026, 11, 30))
    assert item.calibration_due_on == D(2026, 11, 30)
    [first, second] = _audit("calibration.recorded", item.asset_id)
    assert first.changes["due_on"] == [None, "2026-02-28"]
    assert second.changes["stated_due_on"] == [None, "2026-11-30"]


def test_calibration_inputs_are_checked(app, qm):
    item = make_item(by=qm)
    with pytest.raises(EquipmentError, match="future"):
        calibrate(item, D(2026, 6, 11))
    with pytest.raises(EquipmentError, match="must be after"):
        calibrate(item, D(2026, 6, 1), stated_due_on=D(2026, 6, 1))
    provider = make_provider()
    with pytest.raises(EquipmentError, match="certificate number"):
        services.record_calibration(
            item,
            CalibrationInput(
                calibrated_on=D(2026, 6, 1), as_found="in", as_left="in", provider=provider
            ),
            by=qm,
        )
    with pytest.raises(EquipmentError, match="procedure"):
        services.record_calibration(
            item,
            CalibrationInput(calibrated_on=D(2026, 6, 1), as_found="in", as_left="in"),
            by=qm,
        )
    no_interval = make_item("EQ-T-02", interval=None)
    calibrate(no_interval, D(2026, 6, 1))  # not required: no due date is fine
    db.session.rollback()


def test_traceable_only_while_the_provider_is_accredited(app, qm):
    item = make_item(by=qm)
    provider = make_provider(expires_on=D(2026, 3, 31))
    before = calibrate(item, D(2026, 3, 31), provider=provider)
    after = calibrate(item, D(2026, 4, 1), provider=provider)
    assert before.is_traceable and not after.is_traceable


# --- status and the return-to-service rule (6.4.4) ------------------------------------------


def test_status_changes_need_a_reason_and_are_audited(app, qm):
    item = make_item(by=qm)
    with pytest.raises(EquipmentError, match="reason"):
        services.change_status(item, "out_of_service", by=qm, reason=" ")
    services.change_status(item, "out_of_service", by=qm, reason="moved to storage")
    [entry] = _audit("equipment.status_changed")
    assert entry.changes == {"status": ["in_service", "out_of_service"]}
    assert entry.reason == "moved to storage"
    with pytest.raises(EquipmentError, match="already out of service"):
        services.change_status(item, "out_of_service", by=qm, reason="again")


@pytest.mark.parametrize("away", ["out_of_service", "quarantined", "retired"])
def test_back_to_service_needs_a_passing_check_recorded_after_the_change(app, qm, away):
    item = make_item(by=qm)
    calibrate(item, D(2026, 6, 1))
    services.record_check(item, performed_on=D(2026, 6, 10), result="pass", reference="CW-1", by=qm)
    services.change_status(item, away, by=qm, reason="dropped")
    db.session.commit()
    # The calibration and check before the change do not count.
    with pytest.raises(EquipmentError, match="6.4.4"):
        services.change_status(item, "in_service", by=qm, reason="repaired")
    # A failing check does not count either.
    services.record_check(item, performed_on=D(2026, 6, 10), result="fail", reference="CW-1", by=qm)
    with pytest.raises(EquipmentError, match="6.4.4"):
        services.change_status(item, "in_service", by=qm, reason="repaired")
    check = services.record_check(
        item, performed_on=D(2026, 6, 10), result="pass", reference="CW-1", by=qm
    )
    services.change_status(item, "in_service", by=qm, reason="repaired and checked")
    assert item.status == "in_service"
    entry = _audit("equipment.status_changed")[-1]
    assert entry.changes["verified_by"] == [
        None,
        f"intermediate check of 2026-06-10 (check {check.id})",
    ]


def test_a_passing_calibration_after_quarantine_also_returns_it(app, qm):
    item = make_item(by=qm)
    services.change_status(item, "quarantined", by=qm, reason="suspect readings")
    calibrate(item, D(2026, 6, 10), found="out", left="adjusted")
    services.change_status(item, "in_service", by=qm, reason="recalibrated")
    assert item.status == "in_service"
    # Going out of service needs no verification.
    services.change_status(item, "out_of_service", by=qm, reason="idle")


def test_left_out_of_tolerance_takes_the_item_out_of_use(app, qm):
    item = make_item(by=qm)
    calibrate(item, D(2026, 6, 1), found="out", left="out", by=qm)
    assert item.status == "quarantined"
    [entry] = _audit("equipment.status_changed")
    assert entry.changes["status"] == ["in_service", "quarantined"]
    assert "6.4.9" in entry.reason


# --- out of tolerance: the impact assessment (6.4.9, 7.10) ----------------------------------


def test_out_of_tolerance_as_found_opens_an_assessment_that_stays_open(app, qm):
    methods = [_method("AS6171/7"), _method("AS6171/3")]
    item = make_item(by=qm, methods=methods)
    calibrate(item, D(2024, 1, 10))
    calibrate(item, D(2025, 1, 10), found="in", left="adjusted")
    assert db.session.scalar(select(func.count()).select_from(ImpactAssessment)) == 0
    oot = calibrate(item, D(2026, 1, 10), found="out", left="adjusted", by=qm)
    [assessment] = services.assessments_of(item)
    assert assessment.calibration_event_id == oot.id and assessment.is_open
    # The period runs from the last calibration that left it in tolerance.
    assert (assessment.period_start, assessment.period_end) == (D(2025, 1, 10), D(2026, 1, 10))
    assert assessment.method_codes == ["AS6171/3", "AS6171/7"]
    [opened] = _audit("impact_assessment.opened", item.asset_id)
    assert opened.changes["period_start"] == [None, "2025-01-10"]
    # A later good calibration does not close it; closing without the findings is refused.
    calibrate(item, D(2026, 6, 1))
    assert assessment.is_open and services.open_assessment_count() == 1
    with pytest.raises(EquipmentError, match="an assessor, a conclusion"):
        services.close_impact_assessment(assessment, by=qm, password=DEMO_PASSWORD)


def test_an_assessment_is_recorded_then_closed_with_a_signature(app, qm, make_user):
    analyst = make_user("staff", name="Ana Lyst")
    item = make_item(by=qm, methods=[_method("AS6171/7")])
    calibrate(item, D(2026, 1, 10), found="out")
    [assessment] = services.assessments_of(item)
    assert assessment.period_start is None  # no in-tolerance calibration before it
    services.update_impact_assessment(
        assessment,
        by=qm,
        assessor=analyst,
        conclusion="No reported result relied on the affected range.",
        actions="None needed: reviewed 14 reports.",
        methods=assessment.methods,
        period_start=D(2025, 6, 1),
    )
    db.session.commit()
    [updated] = _audit("impact_assessment.updated")
    assert updated.changes["assessor"] == [None, analyst.email]
    with pytest.raises(SignatureError):
        services.close_impact_assessment(assessment, by=qm, password="wrong password!")
    db.session.rollback()
    assert assessment.is_open
    signature = services.close_impact_assessment(
        assessment, by=qm, password=DEMO_PASSWORD, comment="done"
    )
    db.session.commit()
    assert not assessment.is_open and assessment.closure_signature_id == signature.id
    assert signature.meaning == "closed" and signature.printed_name == "Quinn Manager"
    assert signature.binds(services.assessment_content_sha256(assessment))
    [closed] = _audit("impact_assessment.closed")
    assert closed.changes["status"] == ["open", "closed"]
    with pytest.raises(EquipmentError, match="closed"):
        services.update_impact_assessment(
            assessment,
            by=qm,
            assessor=analyst,
            conclusion="changed",
            actions="",
            methods=[],
            period_start=None,
        )
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 1


# --- corrections keep both records (7.5.2) --------------------------------------------------


def _corrected_input(event: CalibrationEvent, **changes) -> CalibrationInput:
    values = {
        "calibrated_on": event.calibrated_on,
        "as_found": event.as_found,
        "as_left": event.as_left,
        "provider": event.provider,
        "procedure": event.procedure,
        "certificate_number": event.certificate_number,
        "stated_due_on": event.stated_due_on,
    }
    return CalibrationInput(**{**values, **changes})


def test_a_correction_supersedes_and_both_records_stay(app, qm):
    item = make_item(by=qm)
    provider = make_provider()
    original = calibrate(item, D(2026, 3, 1), provider=provider, certificate_number="C-1O1")
    corrected = services.correct_calibration(
        original,
        _corrected_input(original, certificate_number="C-101", stated_due_on=D(2026, 12, 1)),
        reason="certificate number mistyped",
        by=qm,
    )
    db.session.commit()
    rows = db.session.scalars(
        select(CalibrationEvent).where(CalibrationEvent.equipment_id == item.id)
    ).all()
    assert len(rows) == 2
    db.session.expire_all()
    assert original.certificate_number == "C-1O1" and original.due_on == D(2027, 3, 1)
    assert corrected.supersedes_id == original.id
    assert corrected.correction_reason == "certificate number mistyped"
    assert original.superseded_by.id == corrected.id
    assert item.latest_calibration.id == corrected.id
    assert item.calibration_due_on == D(2026, 12, 1)
    history = services.calibration_history(item)
    assert [(e.id, by) for e, by in history] == [(corrected.id, None), (original.id, corrected.id)]
    [entry] = _audit("calibration.corrected")
    assert entry.changes["certificate_number"] == ["C-1O1", "C-101"]
    assert entry.changes["calibration_event"] == [original.id, corrected.id]
    assert entry.reason == "certificate number mistyped"
    with pytest.raises(EquipmentError, match="already corrected"):
        services.correct_calibration(original, _corrected_input(original), reason="x", by=qm)
    with pytest.raises(EquipmentError, match="changes nothing"):
        services.correct_calibration(corrected, _corrected_input(corrected), reason="x", by=qm)
    with pytest.raises(EquipmentError, match="Say why"):
        services.correct_calibration(corrected, _corrected_input(corrected), reason="", by=qm)


def test_every_reader_of_the_latest_calibration_picks_the_same_event(app, qm):
    """The register's subquery, the gap rules' map (DISTINCT ON on PostgreSQL) and the item's
    own property agree: superseded events never count, a correction that moves the date back
    gives way to a newer event, and the later of two records on one day wins."""
    provider = make_provider()
    never = make_item("EQ-T-00", by=qm)
    plain = make_item("EQ-T-01", by=qm)
    calibrate(plain, D(2025, 3, 1))
    calibrate(plain, D(2026, 3, 1), provider=provider)
    moved_back = make_item("EQ-T-02", by=qm)
    calibrate(moved_back, D(2026, 2, 15))
    misdated = calibrate(moved_back, D(2026, 3, 1))
    services.correct_calibration(
        misdated,
        _corrected_input(misdated, calibrated_on=D(2026, 2, 1)),
        reason="date typed wrong",
        by=qm,
    )
    same_day = make_item("EQ-T-03", by=qm)
    calibrate(same_day, D(2026, 4, 1))
    calibrate(same_day, D(2026, 4, 1), found="out")
    corrected_twice = make_item("EQ-T-04", by=qm)
    first = calibrate(corrected_twice, D(2026, 5, 1))
    second = services.correct_calibration(
        first, _corrected_input(first, certificate_number="X-1"), reason="cert", by=qm
    )
    services.correct_calibration(
        second, _corrected_input(second, certificate_number="X-2"), reason="cert", by=qm
    )
    db.session.commit()
    items = [never, plain, moved_back, same_day, corrected_twice]

    expected = {item.id: item.latest_calibration.id for item in items if item.latest_calibration}
    assert never.id not in expected and len(expected) == 4
    assert db.session.get(CalibrationEvent, expected[moved_back.id]).calibrated_on == D(2026, 2, 15)
    assert db.session.get(CalibrationEvent, expected[same_day.id]).as_found == "out"
    assert (
        db.session.get(CalibrationEvent, expected[corrected_twice.id]).certificate_number == "X-2"
    )

    latest = services.latest_calibrations()
    by_subquery = dict(db.session.execute(select(latest.c.equipment_id, latest.c.event_id)).all())
    by_map = {
        item_id: row.event_id for item_id, row in services.latest_calibration_by_item().items()
    }
    assert by_subquery == expected
    assert by_map == expected


def test_correcting_an_in_tolerance_record_to_out_opens_one_assessment(app, qm):
    item = make_item(by=qm)
    original = calibrate(item, D(2026, 3, 1))
    corrected = services.correct_calibration(
        original,
        _corrected_input(original, as_found="out", as_left="adjusted"),
        reason="as-found data misread",
        by=qm,
    )
    again = services.correct_calibration(
        corrected,
        _corrected_input(corrected, notes="x", procedure="QP-6.4-04"),
        reason="procedure",
        by=qm,
    )
    assert again.found_out_of_tolerance
    [assessment] = services.assessments_of(item)
    assert assessment.calibration_event_id == corrected.id
    assert services.assessment_for_chain(again).id == assessment.id


def test_calibration_records_cannot_be_updated_or_deleted_in_the_database(app, qm):
    item = make_item(by=qm)
    calibrate(item, D(2026, 3, 1))
    services.record_check(item, performed_on=D(2026, 3, 2), result="pass", reference="R", by=qm)
    services.record_maintenance(
        item, kind="repair", performed_on=D(2026, 3, 3), description="fan", by=qm
    )
    db.session.commit()
    for statement in (
        "UPDATE calibration_events SET certificate_number = 'forged'",
        "DELETE FROM calibration_events",
        "UPDATE intermediate_checks SET result = 'fail'",
        "DELETE FROM maintenance_records",
    ):
        with pytest.raises(Exception, match="append-only"), db.session.begin_nested():
            db.session.execute(text(statement))


# --- checks, maintenance and settings -------------------------------------------------------


def test_checks_and_maintenance_are_recorded_and_audited(app, qm, make_user):
    tech = make_user("staff")
    item = make_item(by=qm, check_interval_months=1)
    calibrate(item, D(2026, 1, 15))
    check = services.record_check(
        item, performed_on=D(2026, 5, 31), result="pass", reference="CW-01", by=tech
    )
    assert check.performed_by_id == tech.id and check.recorded_by_id == tech.id
    assert services.next_check_on(item) == D(2026, 6, 30)
    services.record_maintenance(
        item, kind="damage", performed_on=D(2026, 6, 1), description="dropped", by=tech
    )
    assert [a.actor_id for a in _audit("check.recorded") + _audit("maintenance.recorded")] == [
        tech.id,
        tech.id,
    ]
    with pytest.raises(EquipmentError, match="reference"):
        services.record_check(
            item, performed_on=D(2026, 6, 1), result="pass", reference="", by=tech
        )
    with pytest.raises(EquipmentError, match="future"):
        services.record_maintenance(
            item, kind="repair", performed_on=D(2026, 6, 11), description="x", by=tech
        )


def test_the_due_soon_window_is_a_setting(app, qm):
    assert services.due_soon_days() == 30
    item = make_item(by=qm)
    calibrate(item, D(2025, 7, 20))  # due 2026-07-20: 40 days out
    assert services.status_of(item).state == "ok"
    services.set_due_soon_days(45, by=qm)
    assert services.due_soon_days() == 45
    assert services.status_of(item).state == "due_soon"
    [entry] = _audit("lab.calibration_due_soon_days")
    assert entry.changes == {"days": [30, 45]}
    with pytest.raises(EquipmentError):
        services.set_due_soon_days(0, by=qm)


def test_programme_counts(app, qm):
    overdue = make_item("EQ-1", by=qm)
    calibrate(overdue, D(2025, 6, 1))
    soon = make_item("EQ-2", by=qm)
    calibrate(soon, D(2025, 6, 20))
    make_item("EQ-3", by=qm)  # never calibrated
    fine = make_item("EQ-4", by=qm)
    calibrate(fine, D(2026, 6, 1))
    retired = make_item("EQ-5", by=qm)
    services.change_status(retired, "retired", by=qm, reason="scrapped")
    assert services.programme_counts(D(2026, 6, 10), 30) == {
        "overdue": 1,
        "due_soon": 1,
        "missing": 1,
    }
