"""The equipment part of a method's readiness (6.4, 7.2): is the equipment it needs registered,
in service and calibrated on the date? Registered with the scope's readiness checks.

Two sources say what a method needs: the items linked to it in the register (any one usable
item will do), and the scope's equipment requirements (a named asset, or N items of a type).
Three queries for any number of methods.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select

from compliance.equipment.models import Equipment, EquipmentMethod, EquipmentStatus
from compliance.equipment.services import (
    LatestCalibration,
    due_soon_days,
    latest_calibrations,
)
from compliance.extensions import db
from compliance.scope.models import Method, MethodEquipmentRequirement
from compliance.scope.readiness import BLOCKER, WARNING, Reason, readiness_check


@dataclass(frozen=True)
class ItemFacts:
    """What readiness reads of an item, as columns: a large lab's methods can draw on
    thousands of items, and whole Equipment rows cost ten times as much to load."""

    id: int
    asset_id: str
    equipment_type: str | None
    status: str
    calibration_required: bool

    @property
    def status_label(self) -> str:
        return EquipmentStatus(self.status).label


ITEM_FACTS = (
    Equipment.id,
    Equipment.asset_id,
    Equipment.equipment_type,
    Equipment.status,
    Equipment.calibration_required,
)


def item_states(
    condition, *, order_by=None, latest: Mapping[int, LatestCalibration] | None = None
) -> list[ItemState]:
    """The items matching `condition` with their latest calibration's due date (one query);
    `latest`: every item's latest calibration, when the caller holds it already."""
    if latest is not None:
        stmt = select(*ITEM_FACTS).where(condition)
        rows = [
            (*facts, calibration.due_on if calibration else None, calibration is not None)
            for facts in db.session.execute(stmt.order_by(order_by))
            for calibration in [latest.get(facts.id)]
        ]
    else:
        joined = latest_calibrations()
        stmt = (
            select(*ITEM_FACTS, joined.c.due_on, joined.c.event_id.is_not(None))
            .outerjoin(joined, joined.c.equipment_id == Equipment.id)
            .where(condition)
        )
        rows = db.session.execute(stmt.order_by(order_by))
    return [ItemState(ItemFacts(*row[:5]), row[5], bool(row[6])) for row in rows]


@dataclass(frozen=True)
class ItemState:
    equipment: ItemFacts
    due_on: dt.date | None
    has_calibration: bool

    def problem(self, as_of: dt.date) -> str | None:
        """Why the item cannot be used on `as_of`, or None."""
        item = self.equipment
        if item.status != EquipmentStatus.IN_SERVICE.value:
            return f"{item.asset_id} is {item.status_label}"
        if not item.calibration_required:
            return None
        if not self.has_calibration or self.due_on is None:
            return f"{item.asset_id} has no calibration on record - do not use"
        if self.due_on < as_of:
            return f"{item.asset_id} calibration overdue since {self.due_on} - do not use"
        return None

    def due_soon(self, as_of: dt.date, window: int) -> bool:
        return (
            self.problem(as_of) is None
            and self.due_on is not None
            and self.due_on <= as_of + dt.timedelta(days=window)
        )


def _href(item: ItemFacts) -> str:
    return url_for("equipment.show", equipment_id=item.id)


@readiness_check("equipment")
def equipment_check(methods: Sequence[Method], as_of: dt.date) -> dict[int, list[Reason]]:
    reasons: dict[int, list[Reason]] = defaultdict(list)
    ids = [m.id for m in methods]
    window = due_soon_days()

    links = db.session.execute(
        select(EquipmentMethod.method_id, EquipmentMethod.equipment_id).where(
            EquipmentMethod.method_id.in_(ids)
        )
    ).all()
    requirements = [r for m in methods for r in m.equipment_requirements]
    asset_ids = {r.asset_id for r in requirements if r.asset_id}
    types = {r.equipment_type for r in requirements if r.equipment_type}
    wanted = {equipment_id for _, equipment_id in links}
    # As a subquery: thousands of linked items make a slow list of bound parameters.
    linked = select(EquipmentMethod.equipment_id).where(EquipmentMethod.method_id.in_(ids))
    states = (
        item_states(
            Equipment.id.in_(linked)
            | Equipment.asset_id.in_(asset_ids)
            | Equipment.equipment_type.in_(types)
        )
        if (wanted or asset_ids or types)
        else []
    )
    by_id = {s.equipment.id: s for s in states}
    by_asset = {s.equipment.asset_id: s for s in states}

    serving: dict[int, list[ItemState]] = defaultdict(list)
    for method_id, equipment_id in links:
        serving[method_id].append(by_id[equipment_id])
    for method in methods:
        items = sorted(serving.get(method.id, []), key=lambda s: s.equipment.asset_id)
        usable = [s for s in items if s.problem(as_of) is None]
        if items and not usable:
            reasons[method.id].append(
                Reason(
                    "equipment",
                    f"No equipment serving {method.code} is usable on {as_of}: "
                    + "; ".join(s.problem(as_of) for s in items)
                    + ".",
                    BLOCKER,
                    _href(items[0].equipment),
                )
            )
        elif usable:
            for state in items:
                if state.problem(as_of) and state.equipment.status == EquipmentStatus.IN_SERVICE:
                    reasons[method.id].append(
                        Reason(
                            "equipment", f"{state.problem(as_of)}.", WARNING, _href(state.equipment)
                        )
                    )
        for state in usable:
            if state.due_soon(as_of, window):
                reasons[method.id].append(
                    Reason(
                        "equipment",
                        f"{state.equipment.asset_id} calibration due {state.due_on}: book it.",
                        WARNING,
                        _href(state.equipment),
                    )
                )
        for requirement in method.equipment_requirements:
            reasons[method.id].extend(_requirement_reasons(requirement, by_asset, states, as_of))
    return dict(reasons)


def _requirement_reasons(
    requirement: MethodEquipmentRequirement,
    by_asset: dict[str, ItemState],
    states: list[ItemState],
    as_of: dt.date,
) -> list[Reason]:
    if requirement.asset_id:
        state = by_asset.get(requirement.asset_id.upper())
        if state is None:
            return [
                Reason(
                    "equipment",
                    f"Needs asset {requirement.asset_id}, which is not in the equipment register.",
                )
            ]
        problem = state.problem(as_of)
        return (
            [Reason("equipment", f"{problem}.", BLOCKER, _href(state.equipment))] if problem else []
        )
    usable = [
        s
        for s in states
        if s.equipment.equipment_type == requirement.equipment_type and s.problem(as_of) is None
    ]
    if len(usable) >= requirement.min_count:
        return []
    return [
        Reason(
            "equipment",
            f"Needs {requirement.min_count} × {requirement.equipment_type} usable on {as_of}; "
            f"{len(usable)} {'is' if len(usable) == 1 else 'are'}.",
            BLOCKER,
            url_for("equipment.index", type=requirement.equipment_type),
        )
    ]
