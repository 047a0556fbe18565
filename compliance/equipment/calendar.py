"""The calibration calendar: calibrations and intermediate checks falling due, by location and
custodian, as a month grid and a list (three queries whatever the size of the register)."""

from __future__ import annotations

import calendar as cal
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from compliance.equipment.models import CheckResult, Equipment, EquipmentStatus, IntermediateCheck
from compliance.equipment.register import RegisterFilters, kept
from compliance.equipment.services import check_due_on, in_programme, latest_calibrations
from compliance.extensions import db


@dataclass(frozen=True)
class Due:
    day: dt.date
    kind: str  # "calibration" or "check"
    equipment: Equipment
    overdue: bool

    @property
    def label(self) -> str:
        if self.kind == "calibration":
            return "calibration overdue - do not use" if self.overdue else "calibration due"
        return "intermediate check overdue" if self.overdue else "intermediate check due"


@dataclass
class Month:
    year: int
    month: int
    weeks: list[list[dt.date]]
    by_day: dict[dt.date, list[Due]] = field(default_factory=dict)

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, self.month, cal.monthrange(self.year, self.month)[1])

    @property
    def title(self) -> str:
        return self.first.strftime("%B %Y")

    @property
    def previous(self) -> str:
        return (self.first - dt.timedelta(days=1)).strftime("%Y-%m")

    @property
    def next(self) -> str:
        return (self.last + dt.timedelta(days=1)).strftime("%Y-%m")


def parse_month(value: str | None, today: dt.date) -> tuple[int, int]:
    """ "2026-12" -> (2026, 12); anything else is this month."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        dt.date(year, month, 1)
    except ValueError:
        return today.year, today.month
    return year, month


def dues(
    end: dt.date,
    *,
    today: dt.date,
    start: dt.date | None = None,
    where: RegisterFilters | None = None,
) -> list[Due]:
    """Calibrations and checks due up to `end` (from `start`, or everything overdue too when
    `start` is None), soonest first; only items at the location and with the custodian that
    `where` names, when given."""
    where = where or RegisterFilters()
    found: list[Due] = []
    latest = latest_calibrations()
    calibrations = kept(
        select(Equipment, latest.c.due_on)
        .join(latest, latest.c.equipment_id == Equipment.id)
        .where(in_programme(), latest.c.due_on <= end),
        where,
    )
    if start is not None:
        calibrations = calibrations.where(latest.c.due_on >= start)
    for equipment, due_on in db.session.execute(calibrations):
        found.append(Due(due_on, "calibration", equipment, due_on < today))

    last_check = (
        select(
            IntermediateCheck.equipment_id.label("equipment_id"),
            func.max(IntermediateCheck.performed_on).label("performed_on"),
        )
        .where(IntermediateCheck.result == CheckResult.PASS.value)
        .group_by(IntermediateCheck.equipment_id)
        .subquery("last_check")
    )
    latest = latest_calibrations()
    checks = kept(
        select(Equipment, last_check.c.performed_on, latest.c.calibrated_on)
        .outerjoin(last_check, last_check.c.equipment_id == Equipment.id)
        .outerjoin(latest, latest.c.equipment_id == Equipment.id)
        .where(
            Equipment.check_interval_months.is_not(None),
            Equipment.status != EquipmentStatus.RETIRED.value,
        ),
        where,
    )
    for equipment, checked_on, calibrated_on in db.session.execute(checks):
        due_on = check_due_on(equipment.check_interval_months, checked_on, calibrated_on)
        if due_on is None or due_on > end or (start is not None and due_on < start):
            continue
        found.append(Due(due_on, "check", equipment, due_on < today))
    return sorted(found, key=lambda d: (d.day, d.kind, d.equipment.asset_id))


def month_view(
    year: int, month: int, *, today: dt.date, where: RegisterFilters | None = None
) -> Month:
    weeks = cal.Calendar(firstweekday=0).monthdatescalendar(year, month)
    view = Month(year, month, weeks)
    by_day: dict[dt.date, list[Due]] = defaultdict(list)
    for due in dues(weeks[-1][-1], start=weeks[0][0], today=today, where=where):
        by_day[due.day].append(due)
    view.by_day = dict(by_day)
    return view
