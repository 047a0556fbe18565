"""The demo lab's equipment plants what an assessor looks for."""

import datetime as dt

import time_machine
from sqlalchemy import func, select

from compliance.audit.services import verify
from compliance.dates import lab_today
from compliance.db import utcnow
from compliance.demo.equipment import INSTRUMENTS, load_equipment
from compliance.demo.lab import SCOPE_METHODS
from compliance.demo.loader import load_people
from compliance.equipment import services
from compliance.equipment.models import CalibrationEvent, Equipment, Provider
from compliance.extensions import db
from compliance.scope.models import Method
from tests.factories import make_method


def test_demo_equipment_has_history_and_the_planted_problems(app):
    with time_machine.travel(dt.datetime(2026, 2, 28, 8, tzinfo=dt.UTC), tick=True):
        make_method("AS6171/3", title="XRF, created by another loader first")
        accounts = load_people(utcnow())
        message = load_equipment(accounts, lab_today())
        db.session.commit()
        today = lab_today()
        assert f"{len(INSTRUMENTS) + 1} instruments" in message  # and a retired one
        # The other loader's method is reused; the missing ones are not invented.
        assert db.session.scalar(select(func.count()).select_from(Method)) == 1
        assert services.equipment_by_asset_id("EQ-XRF-01").method_codes == ["AS6171/3"]

        counts = services.programme_counts(today, services.due_soon_days())
        assert counts == {"overdue": 1, "due_soon": 0, "missing": 0}
        assert services.status_of(services.equipment_by_asset_id("EQ-CAL-01")).label == (
            "overdue - do not use"
        )
        balance = services.equipment_by_asset_id("EQ-BAL-01")
        assert balance.calibration_due_on == today + dt.timedelta(days=45)

        [open_one] = services.open_assessments()
        assert open_one.equipment.asset_id == "EQ-CT-01" and open_one.assessor is not None
        [closed] = services.assessments_of(services.equipment_by_asset_id("EQ-XRF-01"))
        assert not closed.is_open and closed.closure_signature.meaning == "closed"

        lapsed = [p for p in db.session.scalars(select(Provider)) if not p.accredited_on(today)]
        assert [p.name for p in lapsed] == ["Northgate Instruments Calibration"]
        chamber = services.equipment_by_asset_id("EQ-ENV-01")
        assert not chamber.latest_calibration.is_traceable

        assert services.equipment_by_asset_id("EQ-STM-03").status == "quarantined"
        sem = services.equipment_by_asset_id("EQ-SEM-01")
        assert sem.latest_calibration.supersedes_id is not None
        for spec in INSTRUMENTS:
            item = services.equipment_by_asset_id(spec.asset_id)
            current = [
                e for e, corrected_by in services.calibration_history(item) if not corrected_by
            ]
            assert len(current) >= 2 and current[-1].calibrated_on < today - dt.timedelta(days=700)
        assert (
            db.session.scalar(select(func.count()).select_from(Equipment)) == len(INSTRUMENTS) + 1
        )
        assert db.session.scalar(select(func.count()).select_from(CalibrationEvent)) > 30
        assert verify().ok


def test_demo_creates_the_scope_methods_when_none_exist(app):
    with time_machine.travel(dt.datetime(2026, 2, 28, 8, tzinfo=dt.UTC), tick=True):
        load_equipment(load_people(utcnow()), lab_today())
        codes = set(db.session.scalars(select(Method.code)))
        assert codes == {code for code, _ in SCOPE_METHODS}
        assert services.equipment_by_asset_id("EQ-STM-01").method_codes == ["AS6171/2", "AS6171/4"]
