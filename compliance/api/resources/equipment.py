"""GET /api/v1/equipment: the equipment register with each item's calibration status.

The register's own query (equipment/register.py) brings each item's latest calibration from a
set-based subquery; one more query per page finds the last passing intermediate checks.
"""

from __future__ import annotations

import datetime as dt

from flask import abort, url_for
from sqlalchemy import func, select

from compliance.api.core import api_requires, bp, choice_arg, int_arg, paginated, text_arg
from compliance.api.resources.common import (
    DATE,
    INTEGER,
    PAGE_PARAMETERS,
    STRING,
    URI,
    json_response,
    nullable,
    obj,
    operation,
    page_of,
    path_id,
    query,
    ref,
    text_query,
)
from compliance.dates import lab_today
from compliance.equipment import register
from compliance.equipment.models import CheckResult, Equipment, EquipmentStatus, IntermediateCheck
from compliance.equipment.services import check_due_on, due_soon_days
from compliance.extensions import db
from compliance.permissions import Permission
from compliance.web import MAX_ID

STATUSES = [s.value for s in EquipmentStatus]
DUE_FILTERS = list(register.DUE_FILTERS)
SORTS = list(register.SORTS)
CALIBRATION_STATES = ["overdue", "missing", "due_soon", "ok", "not_required", "retired"]


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def last_passing_checks(equipment_ids: list[int]) -> dict[int, dt.date]:
    """The last passing intermediate check of each item, in one query."""
    if not equipment_ids:
        return {}
    return dict(
        db.session.execute(
            select(IntermediateCheck.equipment_id, func.max(IntermediateCheck.performed_on))
            .where(
                IntermediateCheck.equipment_id.in_(equipment_ids),
                IntermediateCheck.result == CheckResult.PASS.value,
            )
            .group_by(IntermediateCheck.equipment_id)
        ).all()
    )


def equipment_json(rows, *, today: dt.date, window_days: int) -> list[dict]:
    """Register rows (Equipment, last calibrated_on, due_on, has calibration) as API items."""
    register_rows = register.to_rows(rows, today=today, window_days=window_days)
    checks = last_passing_checks([row.equipment.id for row in register_rows])
    items = []
    for row in register_rows:
        item, calibration = row.equipment, row.calibration
        items.append(
            {
                "id": item.id,
                "asset_id": item.asset_id,
                "description": item.description,
                "type": item.equipment_type,
                "manufacturer": item.manufacturer,
                "model": item.model,
                "serial_number": item.serial_number,
                "firmware_version": item.firmware_version,
                "location": item.location,
                "custodian": {"id": item.custodian.id, "name": item.custodian.name}
                if item.custodian
                else None,
                "status": item.status,
                "methods": item.method_codes,
                "calibration": {
                    "in_programme": item.calibration_required
                    and item.status != EquipmentStatus.RETIRED.value,
                    "interval_months": item.calibration_interval_months,
                    "last_calibrated_on": _iso(row.last_calibrated_on),
                    "due_on": _iso(calibration.due_on),
                    "days_to_due": calibration.days_to_due,
                    "status": calibration.state,
                    "label": calibration.label,
                    "do_not_use": calibration.do_not_use,
                },
                "intermediate_check": {
                    "interval_months": item.check_interval_months,
                    "last_passed_on": _iso(checks.get(item.id)),
                    "next_due_on": _iso(
                        check_due_on(
                            item.check_interval_months, checks.get(item.id), row.last_calibrated_on
                        )
                    ),
                },
                "url": url_for("equipment.show", equipment_id=item.id, _external=True),
            }
        )
    return items


def _filters() -> register.RegisterFilters:
    return register.RegisterFilters(
        q=text_arg("q"),
        status=choice_arg("status", STATUSES),
        due=choice_arg("due", DUE_FILTERS),
        equipment_type=text_arg("type", 120),
        location=text_arg("location", 120),
        method=text_arg("method", 40),
        custodian_id=int_arg("custodian", default=None, minimum=1, maximum=MAX_ID),
        sort=choice_arg("sort", SORTS) or "asset_id",
    )


@bp.get("/equipment")
@api_requires(Permission.EQUIPMENT_VIEW)
def equipment_list():
    today, window = lab_today(), due_soon_days()
    stmt = register.register_query(_filters(), today=today, window_days=window)
    return paginated(
        stmt,
        serialize_page=lambda rows: equipment_json(rows, today=today, window_days=window),
    )


@bp.get("/equipment/<int:equipment_id>")
@api_requires(Permission.EQUIPMENT_VIEW)
def equipment_item(equipment_id: int):
    today, window = lab_today(), due_soon_days()
    stmt = register.register_query(register.RegisterFilters(), today=today, window_days=window)
    row = db.session.execute(stmt.where(Equipment.id == equipment_id)).first()
    if row is None:
        abort(404, description=f"No equipment has id {equipment_id}.")
    return equipment_json([row], today=today, window_days=window)[0]


SCHEMAS = {
    "Equipment": obj(
        {
            "id": INTEGER,
            "asset_id": STRING,
            "description": STRING,
            "type": STRING,
            "manufacturer": STRING,
            "model": STRING,
            "serial_number": STRING,
            "firmware_version": STRING,
            "location": STRING,
            "custodian": nullable(obj({"id": INTEGER, "name": STRING})),
            "status": {"type": "string", "enum": STATUSES},
            "methods": {"type": "array", "items": STRING, "description": "Method codes served."},
            "calibration": obj(
                {
                    "in_programme": {
                        "type": "boolean",
                        "description": "Needs calibration and is not retired.",
                    },
                    "interval_months": nullable(INTEGER),
                    "last_calibrated_on": nullable(DATE),
                    "due_on": nullable(DATE),
                    "days_to_due": {
                        **nullable(INTEGER),
                        "description": "Negative when overdue.",
                    },
                    "status": {
                        "type": "string",
                        "enum": CALIBRATION_STATES,
                        "description": "overdue and missing mean: do not use.",
                    },
                    "label": STRING,
                    "do_not_use": {"type": "boolean"},
                }
            ),
            "intermediate_check": obj(
                {
                    "interval_months": nullable(INTEGER),
                    "last_passed_on": nullable(DATE),
                    "next_due_on": nullable(DATE),
                }
            ),
            "url": URI,
        }
    ),
    "EquipmentPage": page_of("Equipment"),
}

PATHS = {
    "/api/v1/equipment": {
        "get": operation(
            "listEquipment",
            "The equipment register, each item with its calibration status; the same filters "
            "and sort orders as the register page.",
            json_response("A page of equipment.", ref("EquipmentPage")),
            [
                text_query(
                    "q", "Search asset id, description, manufacturer, model, serial and type."
                ),
                query("status", "Register status.", {"type": "string", "enum": STATUSES}),
                query(
                    "due",
                    "Calibration programme status: "
                    + "; ".join(f"{k}: {v}" for k, v in register.DUE_FILTERS.items())
                    + ".",
                    {"type": "string", "enum": DUE_FILTERS},
                ),
                text_query("type", "Equipment type, exact.", 120),
                text_query("location", "Location, exact.", 120),
                text_query("method", "Serves this method (its code, e.g. AS6171/5).", 40),
                query(
                    "custodian",
                    "The custodian's user id.",
                    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                ),
                query("sort", "Sort order.", {"type": "string", "enum": SORTS}),
                *PAGE_PARAMETERS,
            ],
        )
    },
    "/api/v1/equipment/{equipment_id}": {
        "get": operation(
            "getEquipment",
            "One item of equipment with its calibration status.",
            json_response("The item.", ref("Equipment")),
            [path_id("equipment_id")],
            not_found=True,
        )
    },
}
