"""The equipment part of a method's readiness: usable items linked to it, named assets and
counts of a type the scope requires."""

import datetime as dt

import pytest
import time_machine

from compliance.equipment import services
from compliance.equipment.readiness import equipment_check
from compliance.extensions import db
from compliance.scope.models import MethodEquipmentRequirement
from compliance.scope.readiness import BLOCKER, CHECKS, WARNING
from tests.equipment.helpers import calibrate, make_item
from tests.factories import make_method

AS_OF = dt.date(2026, 6, 10)


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(dt.datetime(2026, 6, 10, 9, tzinfo=dt.UTC), tick=True):
        yield


def _reasons(method):
    return [(r.severity, r.message) for r in equipment_check([method], AS_OF).get(method.id, [])]


def test_registered_with_the_scope_readiness_checks(app):
    assert CHECKS["equipment"] is equipment_check


def test_linked_items_one_usable_item_is_enough(app):
    method = make_method("AS6171/2")
    overdue = make_item("EQ-STM-01", methods=[method])
    calibrate(overdue, dt.date(2025, 5, 1))
    fine = make_item("EQ-STM-02", methods=[method])
    calibrate(fine, dt.date(2026, 6, 1))
    assert _reasons(method) == [
        (WARNING, "EQ-STM-01 calibration overdue since 2026-05-01 - do not use.")
    ]
    services.change_status(fine, "quarantined", by=None, reason="dropped")
    [(severity, message)] = _reasons(method)
    assert severity == BLOCKER
    assert message.startswith("No equipment serving AS6171/2 is usable on 2026-06-10: ")
    assert "EQ-STM-02 is quarantined" in message


def test_due_soon_is_a_warning(app):
    method = make_method("AS6171/4")
    balance = make_item("EQ-BAL-01", methods=[method])
    calibrate(balance, dt.date(2025, 6, 20))
    assert _reasons(method) == [(WARNING, "EQ-BAL-01 calibration due 2026-06-20: book it.")]


def test_scope_requirements_by_asset_and_by_type(app):
    method = make_method("AS6171/5")
    for requirement in (
        MethodEquipmentRequirement(asset_id="EQ-XRAY-01"),
        MethodEquipmentRequirement(asset_id="EQ-GONE-01"),
        MethodEquipmentRequirement(equipment_type="Stereo microscope", min_count=2),
    ):
        method.equipment_requirements.append(requirement)
    db.session.commit()
    xray = make_item("EQ-XRAY-01", equipment_type="X-ray system")
    one = make_item("EQ-STM-01", equipment_type="Stereo microscope")
    calibrate(one, dt.date(2026, 1, 1))
    make_item("EQ-STM-02", equipment_type="Stereo microscope")  # never calibrated
    assert _reasons(method) == [
        (BLOCKER, "EQ-XRAY-01 has no calibration on record - do not use."),
        (BLOCKER, "Needs asset EQ-GONE-01, which is not in the equipment register."),
        (BLOCKER, "Needs 2 × Stereo microscope usable on 2026-06-10; 1 is."),
    ]
    calibrate(xray, dt.date(2026, 1, 1))
    assert len(_reasons(method)) == 2
