"""The equipment list: search, filter, sort and export, each item with its calibration status.

One query per page whatever the size of the register: each item's latest calibration comes from
a set-based subquery (services.latest_calibrations), never from a query per row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import lazyload, selectinload

from compliance.equipment.models import Equipment, EquipmentMethod, EquipmentStatus
from compliance.equipment.services import (
    CalibrationStatus,
    calibration_status,
    in_programme,
    latest_calibrations,
)
from compliance.extensions import db
from compliance.scope.models import Method
from compliance.stored.results import Recipe, stored
from compliance.users.models import User
from compliance.web import record_id

DUE_FILTERS = {
    "overdue": "overdue - do not use",
    "due_soon": "due soon",
    "missing": "not calibrated",
    "ok": "calibrated, not due soon",
    "not_required": "no calibration required",
}
SORTS = ("asset_id", "due", "description", "location")
FEW = ("overdue", "due_soon", "missing")  # due filters that pick a small part of the register
# A filter lists its values (a drop-down, or suggestions) up to this many; a network of labs has
# a thousand locations and custodians, and the pages then offer a search field alone.
LISTED_CHOICES = 100


@dataclass
class RegisterFilters:
    q: str = ""
    status: str = ""
    due: str = ""
    equipment_type: str = ""
    location: str = ""  # exact (links, the API)
    method: str = ""  # a method code
    custodian_id: int | None = None
    location_search: str = ""  # part of the location, any case (the pages' field)
    custodian_search: str = ""  # part of the custodian's name or e-mail address
    sort: str = "asset_id"

    @classmethod
    def from_args(cls, args) -> RegisterFilters:
        sort = args.get("sort", "asset_id")
        return cls(
            q=args.get("q", "").strip(),
            status=args.get("status", ""),
            due=args.get("due", ""),
            equipment_type=args.get("type", "").strip(),
            location=args.get("location", "").strip(),
            method=args.get("method", "").strip(),
            custodian_id=args.get("custodian", type=record_id),
            location_search=args.get("location_search", "").strip(),
            custodian_search=args.get("custodian_search", "").strip(),
            sort=sort if sort in SORTS else "asset_id",
        )

    def as_args(self, *, without: str | None = None) -> dict:
        """The filters as query-string arguments (for export and label links), less the
        argument `without` (a link that drops one filter)."""
        values = {
            "q": self.q,
            "status": self.status,
            "due": self.due,
            "type": self.equipment_type,
            "location": self.location,
            "location_search": self.location_search,
            "method": self.method,
            "custodian": self.custodian_id,
            "custodian_search": self.custodian_search,
            "sort": self.sort if self.sort != "asset_id" else None,
        }
        return {k: v for k, v in values.items() if v and k != without}

    def whereabouts_args(self) -> dict:
        """Only the location and custodian filters (the calendar's)."""
        keys = ("location", "location_search", "custodian", "custodian_search")
        return {k: v for k, v in self.as_args().items() if k in keys}


def kept(stmt, filters: RegisterFilters):
    """`stmt` (selecting Equipment) narrowed to the items at the filters' location and with
    their custodian: the register's and the calendar's."""
    if filters.location:
        stmt = stmt.where(Equipment.location == filters.location)
    if filters.location_search:
        part = filters.location_search.lower()
        stmt = stmt.where(func.lower(Equipment.location).contains(part, autoescape=True))
    if filters.custodian_id:
        stmt = stmt.where(Equipment.custodian_id == filters.custodian_id)
    if filters.custodian_search:
        part = filters.custodian_search.lower()
        stmt = stmt.where(
            Equipment.custodian_id.in_(
                select(User.id).where(
                    or_(
                        func.lower(User.name).contains(part, autoescape=True),
                        func.lower(User.email).contains(part, autoescape=True),
                    )
                )
            )
        )
    return stmt


@dataclass
class RegisterRow:
    equipment: Equipment
    last_calibrated_on: dt.date | None
    calibration: CalibrationStatus


def register_query(
    filters: RegisterFilters, *, today: dt.date, window_days: int, with_methods: bool = True
):
    """(Equipment, last calibrated_on, due_on, has calibration) rows matching the filters;
    `with_methods=False` leaves each item's methods unloaded (the export reads their codes in
    one query of its own)."""
    horizon = today + dt.timedelta(days=window_days)
    due_ids = None
    if filters.due in FEW:
        everything = latest_calibrations()
        condition = _due_conditions(everything, today, horizon)[filters.due]
        due_ids = _ids_due(everything, condition, filters.due, today, horizon)
    # With a few items picked, only theirs: SQLite would otherwise find every item's latest
    # calibration for the page and again for its count.
    latest = latest_calibrations(equipment_ids=due_ids)
    stmt = select(
        Equipment,
        latest.c.calibrated_on,
        latest.c.due_on,
        latest.c.event_id.is_not(None).label("has_calibration"),
    ).outerjoin(latest, latest.c.equipment_id == Equipment.id)
    if filters.q:
        like = f"%{filters.q.lower()}%"
        stmt = stmt.where(
            or_(
                *(
                    func.lower(column).like(like)
                    for column in (
                        Equipment.asset_id,
                        Equipment.description,
                        Equipment.manufacturer,
                        Equipment.model,
                        Equipment.serial_number,
                        Equipment.equipment_type,
                    )
                )
            )
        )
    if filters.status in {s.value for s in EquipmentStatus}:
        stmt = stmt.where(Equipment.status == filters.status)
    if filters.equipment_type:
        stmt = stmt.where(Equipment.equipment_type == filters.equipment_type)
    stmt = kept(stmt, filters)
    if filters.method:
        stmt = stmt.where(
            Equipment.id.in_(
                select(EquipmentMethod.equipment_id)
                .join(Method, Method.id == EquipmentMethod.method_id)
                .where(func.upper(Method.code) == filters.method.upper())
            )
        )
    due_conditions = _due_conditions(latest, today, horizon)
    if due_ids is not None:
        stmt = stmt.where(Equipment.id.in_(due_ids))
    elif filters.due in due_conditions:
        stmt = stmt.where(due_conditions[filters.due])
    order = {
        "due": (latest.c.due_on.is_(None), latest.c.due_on, Equipment.asset_id),
        "description": (Equipment.description, Equipment.asset_id),
        "location": (Equipment.location, Equipment.asset_id),
    }.get(filters.sort, (Equipment.asset_id,))
    stmt = stmt.order_by(*order)
    if not with_methods:
        return stmt.options(lazyload(Equipment.methods))
    # A row shows its methods' codes: not their procedures or equipment requirements.
    return stmt.options(
        selectinload(Equipment.methods).options(
            lazyload(Method.procedure), lazyload(Method.equipment_requirements)
        )
    )


def _due_conditions(latest, today: dt.date, horizon: dt.date) -> dict:
    """SQL per due filter, on `latest` (latest_calibrations)."""
    return {
        "overdue": and_(in_programme(), latest.c.due_on < today),
        "due_soon": and_(in_programme(), latest.c.due_on >= today, latest.c.due_on <= horizon),
        "missing": and_(
            in_programme(), or_(latest.c.event_id.is_(None), latest.c.due_on.is_(None))
        ),
        "ok": and_(in_programme(), latest.c.due_on > horizon),
        "not_required": Equipment.calibration_required.is_(False),
    }


def _ids_due(latest, condition, due: str, today: dt.date, horizon: dt.date) -> list[int]:
    """The items in a due state (`condition`, on `latest`), stored (compliance.stored):
    deciding it takes every item's latest calibration, the page then reads only its rows."""
    stmt = (
        select(Equipment.id)
        .outerjoin(latest, latest.c.equipment_id == Equipment.id)
        .where(condition)
        .order_by(Equipment.id)
    )
    inputs = {"due": due, "today": today.isoformat(), "horizon": horizon.isoformat()}
    return stored(Recipe("equipment due", inputs, lambda: db.session.scalars(stmt).all()))


def to_rows(result_rows, *, today: dt.date, window_days: int) -> list[RegisterRow]:
    return [
        RegisterRow(
            equipment=equipment,
            last_calibrated_on=calibrated_on,
            calibration=calibration_status(
                status=equipment.status,
                calibration_required=equipment.calibration_required,
                due_on=due_on,
                has_calibration=bool(has_calibration),
                today=today,
                window_days=window_days,
            ),
        )
        for equipment, calibrated_on, due_on, has_calibration in result_rows
    ]


def filter_choices() -> dict:
    """Values for the filters: types, locations, methods and custodians in use, each list None
    when longer than LISTED_CHOICES (the page then offers a search field without suggestions).
    """
    types = _listed(
        select(Equipment.equipment_type)
        .where(Equipment.equipment_type != "")
        .distinct()
        .order_by(Equipment.equipment_type)
    )
    locations = _listed(
        select(Equipment.location)
        .where(Equipment.location != "")
        .distinct()
        .order_by(Equipment.location)
    )
    methods = _listed(select(Method.code, Method.title).order_by(Method.code), scalars=False)
    custodians = _listed(
        select(User.name)
        .distinct()
        .where(
            User.id.in_(select(Equipment.custodian_id).where(Equipment.custodian_id.is_not(None)))
        )
        .order_by(User.name)
    )
    return {"types": types, "locations": locations, "methods": methods, "custodians": custodians}


def _listed(stmt, *, scalars: bool = True) -> list | None:
    rows = db.session.execute(stmt.limit(LISTED_CHOICES + 1))
    found = rows.scalars().all() if scalars else rows.all()
    return found if len(found) <= LISTED_CHOICES else None


EXPORT_HEADER = [
    "asset_id",
    "description",
    "type",
    "manufacturer",
    "model",
    "serial_number",
    "firmware_version",
    "location",
    "custodian",
    "status",
    "calibration_required",
    "calibration_interval_months",
    "check_interval_months",
    "last_calibrated_on",
    "calibration_due_on",
    "calibration_status",
    "methods",
]


def export_rows(filters: RegisterFilters, *, today: dt.date, window_days: int):
    """Every matching item as a row for the XLSX/CSV export (two queries in all)."""
    stmt = register_query(filters, today=today, window_days=window_days, with_methods=False)
    rows = to_rows(
        db.session.execute(stmt).all(),
        today=today,
        window_days=window_days,
    )
    codes: dict[int, list[str]] = defaultdict(list)
    ids = stmt.with_only_columns(Equipment.id).order_by(None)
    if rows:
        for equipment_id, code in db.session.execute(
            select(EquipmentMethod.equipment_id, Method.code)
            .join(Method, Method.id == EquipmentMethod.method_id)
            .where(EquipmentMethod.equipment_id.in_(ids))
            .order_by(Method.code)
        ):
            codes[equipment_id].append(code)
    for row in rows:
        item = row.equipment
        yield [
            item.asset_id,
            item.description,
            item.equipment_type,
            item.manufacturer,
            item.model,
            item.serial_number,
            item.firmware_version,
            item.location,
            item.custodian.name if item.custodian else None,
            item.status_label,
            item.calibration_required,
            item.calibration_interval_months,
            item.check_interval_months,
            row.last_calibrated_on,
            row.calibration.due_on,
            row.calibration.label,
            ";".join(codes[item.id]),
        ]
