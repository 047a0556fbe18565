"""The equipment list filtered to "overdue" over 10,000 items renders with a bounded number of SQL
statements: each item's latest calibration comes from one set-based subquery, not a query per row.
"""

import datetime as dt
import time

import pytest
import time_machine
from sqlalchemy import insert, select

from compliance.db import utcnow
from compliance.equipment.models import CalibrationEvent, Equipment, EquipmentMethod
from compliance.extensions import db
from tests.factories import make_method

TODAY = dt.date(2026, 6, 10)
# Sign-in session and roles, the page's count and rows, the methods of its 25 rows, the
# due-soon setting and the filter drop-downs: a fixed number, whatever the register's size.
MAX_STATEMENTS = 20


def _bulk_register(start: int, stop: int, method_id: int) -> None:
    """Items start..stop-1, one calibration each: every other one a year overdue."""
    now = utcnow()
    db.session.execute(
        insert(Equipment),
        [
            {
                "asset_id": f"EQ-{n:05d}",
                "description": f"Gauge {n}",
                "equipment_type": "Gauge",
                "location": f"Bay {n % 20}",
                "status": "in_service",
                "status_changed_at": now,
                "calibration_required": True,
                "calibration_interval_months": 12,
                "created_at": now,
            }
            for n in range(start, stop)
        ],
    )
    ids = db.session.execute(
        select(Equipment.id, Equipment.asset_id).where(
            Equipment.asset_id.between(f"EQ-{start:05d}", f"EQ-{stop - 1:05d}")
        )
    ).all()
    events, links = [], []
    for equipment_id, asset_id in ids:
        overdue = int(asset_id[3:]) % 2 == 0
        calibrated_on = dt.date(2024, 6, 1) if overdue else dt.date(2026, 3, 1)
        events.append(
            {
                "equipment_id": equipment_id,
                "calibrated_on": calibrated_on,
                "as_found": "in",
                "as_left": "in",
                "procedure": "QP-6.4-03",
                "due_on": calibrated_on.replace(year=calibrated_on.year + 1),
                "recorded_at": now,
            }
        )
        links.append({"equipment_id": equipment_id, "method_id": method_id})
    db.session.execute(insert(CalibrationEvent), events)
    db.session.execute(insert(EquipmentMethod), links)
    db.session.commit()


def _overdue_page(client, count_queries) -> tuple[int, float, str]:
    with count_queries() as counter:
        started = time.perf_counter()
        response = client.get("/equipment/?due=overdue")
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    return counter.count, elapsed, response.text


@pytest.mark.slow
def test_overdue_list_of_10000_items_uses_a_bounded_number_of_queries(
    app, client, auth, make_user, count_queries
):
    method = make_method("AS6171/2")
    qm = make_user("quality_manager")
    with time_machine.travel(dt.datetime(2026, 6, 10, 9, tzinfo=dt.UTC), tick=True):
        auth.login(qm.email)
        _bulk_register(0, 50, method.id)
        small, _, html = _overdue_page(client, count_queries)
        assert html.count(">overdue - do not use</span>") == 25

        _bulk_register(50, 10_000, method.id)
        large, elapsed, html = _overdue_page(client, count_queries)
        assert "5000 in all" in html
        assert html.count("OVERDUE - DO NOT USE") == 0  # the badge is lower case, styled upper
        assert html.count(">overdue - do not use</span>") == 25
        assert "EQ-00000" in html and "EQ-00001" not in html and "AS6171/2" in html
    print(f"\noverdue list: {small} statements at 50 items, {large} at 10,000 ({elapsed:.2f} s)")
    assert large == small <= MAX_STATEMENTS
