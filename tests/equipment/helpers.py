"""Builders for equipment tests: items, providers and calibrations through the services."""

from __future__ import annotations

import datetime as dt

from compliance.equipment import services
from compliance.equipment.services import CalibrationInput
from compliance.extensions import db


def make_item(asset_id: str = "EQ-T-01", *, interval: int | None = 12, by=None, **fields):
    fields.setdefault("description", f"Test instrument {asset_id}")
    fields.setdefault("calibration_required", interval is not None)
    item = services.create_equipment(
        asset_id=asset_id, calibration_interval_months=interval, by=by, **fields
    )
    db.session.commit()
    return item


def make_provider(name: str = "Acme Calibration", *, expires_on: dt.date | None = None, by=None):
    provider = services.create_provider(
        by=by,
        name=name,
        accreditation_body="ANAB",
        accreditation_number="AC-0001",
        accreditation_expires_on=expires_on or dt.date(2099, 1, 1),
    )
    db.session.commit()
    return provider


def calibrate(
    item,
    day: dt.date,
    *,
    found: str = "in",
    left: str | None = None,
    provider=None,
    stated_due_on: dt.date | None = None,
    certificate_number: str = "",
    by=None,
    commit: bool = True,
):
    event = services.record_calibration(
        item,
        CalibrationInput(
            calibrated_on=day,
            as_found=found,
            as_left=left or ("adjusted" if found == "out" else "in"),
            provider=provider,
            procedure="" if provider else "QP-6.4-03",
            certificate_number=certificate_number or (f"C-{day.isoformat()}" if provider else ""),
            stated_due_on=stated_due_on,
        ),
        by=by,
    )
    if commit:
        db.session.commit()
    return event
