"""Gap rules on equipment, calibration and external providers (6.4, 6.5, 6.6).

Each rule reads the register in a fixed number of queries. Every item's latest current
calibration is read once per evaluation (`_latest`) and shared by the rules that need it: each
used to join it anew, a pass over every calibration event apiece.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from compliance.equipment.models import (
    AssessmentStatus,
    CalibrationEvent,
    CheckResult,
    Equipment,
    EquipmentMethod,
    EquipmentStatus,
    ImpactAssessment,
    IntermediateCheck,
    Provider,
    ProviderStatus,
    Tolerance,
)
from compliance.equipment.readiness import ItemState, item_states
from compliance.equipment.services import (
    LatestCalibration,
    check_due_on,
    latest_calibration_by_item,
)
from compliance.extensions import db
from compliance.gaps.findings import Finding, Severity
from compliance.gaps.rules import GapContext, _due_severity, rule
from compliance.scope.models import Method, MethodStatus

# The rules read columns of the rows they load, never their relations: skip the eager loads the
# models declare for the pages (they would run for every item of the register).
BARE = lazyload("*")


def _in_service_needing_calibration():
    return (
        Equipment.status == EquipmentStatus.IN_SERVICE.value,
        Equipment.calibration_required.is_(True),
    )


def _latest(ctx: GapContext) -> dict[int, LatestCalibration]:
    return ctx.memo("latest calibrations", latest_calibration_by_item)


def _calibrated_items(ctx: GapContext):
    """In-service items that need calibration, as (id, asset_id, description) rows, read once
    per evaluation for the CAL rules."""
    stmt = (
        select(Equipment.id, Equipment.asset_id, Equipment.description)
        .where(*_in_service_needing_calibration())
        .order_by(Equipment.asset_id)
    )
    return ctx.memo("calibrated items", lambda: db.session.execute(stmt).all())


def _show(item: Equipment) -> str:
    return url_for("equipment.show", equipment_id=item.id)


def _months(n: int) -> str:
    return f"{n} month{'s' if n != 1 else ''}"


def _new_calibration(item: Equipment) -> str:
    return url_for("equipment.new_calibration", equipment_id=item.id)


@rule("CAL-MISSING", "6.4.6")
def cal_missing(ctx: GapContext) -> Iterator[Finding]:
    """In-service equipment that needs calibration has no current calibration on record (or
    its latest one gives no due date, so the programme cannot schedule it)."""
    latest = _latest(ctx)
    for item in _calibrated_items(ctx):
        calibration = latest.get(item.id)
        if calibration is not None and calibration.due_on is not None:
            continue
        if calibration is None:
            message = (
                f"{item.asset_id} ({item.description}) is in service and needs calibration but "
                "has no calibration on record: record its calibration, or take it out of service."
            )
        else:
            message = (
                f"{item.asset_id} ({item.description}) is in service but its latest calibration "
                "has no due date: set the item's calibration interval, or correct the record "
                "with the due date the certificate states."
            )
        yield Finding(
            "CAL-MISSING",
            "6.4.6",
            Severity.BLOCKER,
            "equipment",
            item.asset_id,
            message,
            href=_new_calibration(item),
        )


@rule("CAL-OVERDUE", "6.4.7")
def cal_overdue(ctx: GapContext) -> Iterator[Finding]:
    """In-service equipment whose calibration falls due before the as-of date (blocker) or
    within the warning window after it (warning)."""
    latest = _latest(ctx)
    horizon = ctx.as_of + dt.timedelta(days=ctx.warning_days)
    soon = [
        (calibration, item)
        for item in _calibrated_items(ctx)
        if (calibration := latest.get(item.id)) and calibration.due_on
        if calibration.due_on <= horizon
    ]
    soon.sort(key=lambda pair: (pair[0].due_on, pair[1].asset_id))
    for calibration, item in soon:
        due = calibration.due_on
        severity = _due_severity(due, ctx)
        if severity is None:
            continue
        overdue = severity == Severity.BLOCKER
        yield Finding(
            "CAL-OVERDUE",
            "6.4.7",
            severity,
            "equipment",
            item.asset_id,
            f"{item.asset_id} ({item.description}) {'was' if overdue else 'is'} due for "
            f"calibration on {due} (last calibrated {calibration.calibrated_on}): "
            + (
                "stop using it, calibrate it and record the certificate."
                if overdue
                else "book the calibration and record the certificate."
            ),
            due_on=due,
            href=_new_calibration(item),
        )


@rule("CAL-NOT-TRACEABLE", "6.5.2")
def cal_not_traceable(ctx: GapContext) -> Iterator[Finding]:
    """The latest calibration of in-service equipment came from a provider without valid
    accreditation on the calibration date (none recorded, expired, or suspended from the
    approved list), or was done in-house without naming the procedure followed."""
    latest = _latest(ctx)
    providers = {p.id: p for p in db.session.scalars(select(Provider).options(BARE))}
    for item in _calibrated_items(ctx):
        event = latest.get(item.id)
        if event is None:
            continue  # CAL-MISSING
        untraceable = _why_untraceable(item, event, providers.get(event.provider_id))
        if untraceable is None:
            continue
        message, href = untraceable
        yield Finding(
            "CAL-NOT-TRACEABLE",
            "6.5.2",
            Severity.BLOCKER,
            "equipment",
            item.asset_id,
            message,
            href=href,
        )


def _why_untraceable(item, event: LatestCalibration, provider: Provider | None):
    """(message, href) when the calibration is not shown traceable, else None."""
    calibration = f"{item.asset_id}'s calibration of {event.calibrated_on}"
    if provider is None:
        if event.procedure:
            return None  # in-house, following the procedure it names
        return (
            f"{calibration} was done in-house without naming the procedure followed: "
            "correct the record with the procedure, or recalibrate.",
            url_for("equipment.correct_calibration", calibration_id=event.event_id),
        )
    if not provider.accreditation_number or provider.accreditation_expires_on is None:
        return (
            f"{calibration} is by {provider.name}, whose accreditation (number and expiry) "
            "is not on record: record it from the provider's accreditation certificate, or "
            "recalibrate with an accredited provider.",
            url_for("equipment.edit_provider", provider_id=provider.id),
        )
    if provider.accreditation_expires_on < event.calibrated_on:
        return (
            f"{calibration} is by {provider.name}, whose accreditation had expired on "
            f"{provider.accreditation_expires_on}: the result is not traceable; recalibrate "
            "with an accredited provider.",
            _new_calibration(item),
        )
    if provider.status == ProviderStatus.SUSPENDED.value:
        return (
            f"{calibration} is by {provider.name}, which is suspended from the approved "
            "provider list: confirm the certificate's traceability, or recalibrate with an "
            "approved provider.",
            _new_calibration(item),
        )
    return None


@rule("CAL-OOT-UNASSESSED", "6.4.9")
def cal_oot_unassessed(ctx: GapContext) -> Iterator[Finding]:
    """A current calibration found out of tolerance as found, with no impact assessment on
    its record (or on a record it corrects), or one that is not closed."""
    oot = db.session.execute(
        select(
            CalibrationEvent.id,
            CalibrationEvent.calibrated_on,
            Equipment.id.label("equipment_id"),
            Equipment.asset_id,
        )
        .join(Equipment, Equipment.id == CalibrationEvent.equipment_id)
        .where(
            CalibrationEvent.as_found == Tolerance.OUT.value,
            CalibrationEvent.is_current_clause(),
            CalibrationEvent.calibrated_on <= ctx.as_of,
        )
        .order_by(Equipment.asset_id, CalibrationEvent.calibrated_on)
    ).all()
    if not oot:
        return
    equipment_ids = {event.equipment_id for event in oot}
    # A correction keeps the assessment opened for the record it supersedes: walk the chain.
    supersedes = dict(
        db.session.execute(
            select(CalibrationEvent.id, CalibrationEvent.supersedes_id).where(
                CalibrationEvent.equipment_id.in_(equipment_ids),
                CalibrationEvent.supersedes_id.is_not(None),
            )
        ).all()
    )
    assessments = {
        a.calibration_event_id: a
        for a in db.session.scalars(
            select(ImpactAssessment)
            .where(ImpactAssessment.equipment_id.in_(equipment_ids))
            .options(BARE)
        )
    }
    for event in oot:
        assessment, current = None, event.id
        while current is not None and assessment is None:
            assessment, current = assessments.get(current), supersedes.get(current)
        if assessment is not None and assessment.status == AssessmentStatus.CLOSED.value:
            continue
        found = f"{event.asset_id} was found out of tolerance on {event.calibrated_on}"
        if assessment is None:
            message = (
                f"{found} and no impact assessment is on record: assess the work done with it "
                "since it was last known good."
            )
            href = url_for("equipment.show", equipment_id=event.equipment_id)
        else:
            message = (
                f"{found}; impact assessment {assessment.reference} is still open: record the "
                "conclusion and actions, and close it with your signature."
            )
            href = url_for("equipment.assessment", impact_assessment_id=assessment.id)
        yield Finding(
            "CAL-OOT-UNASSESSED",
            "6.4.9",
            Severity.BLOCKER,
            "equipment",
            event.asset_id,
            message,
            href=href,
            detail=f"calibration {event.id}",
        )


@rule("CHECK-OVERDUE", "6.4.10")
def check_overdue(ctx: GapContext) -> Iterator[Finding]:
    """In-service equipment with an intermediate-check interval whose next check (an interval
    after the last passing check or calibration) falls before the as-of date (blocker) or
    within the warning window (warning); a warning when nothing starts the interval."""
    latest = _latest(ctx)
    last_check = (
        select(
            IntermediateCheck.equipment_id.label("equipment_id"),
            func.max(IntermediateCheck.performed_on).label("performed_on"),
        )
        .where(IntermediateCheck.result == CheckResult.PASS.value)
        .group_by(IntermediateCheck.equipment_id)
        .subquery("last_check")
    )
    stmt = (
        select(Equipment, last_check.c.performed_on)
        .outerjoin(last_check, last_check.c.equipment_id == Equipment.id)
        .where(
            Equipment.status == EquipmentStatus.IN_SERVICE.value,
            Equipment.check_interval_months.is_not(None),
        )
        .order_by(Equipment.asset_id)
    )
    for item, checked_on in db.session.execute(stmt.options(BARE)):
        calibration = latest.get(item.id)
        calibrated_on = calibration.calibrated_on if calibration else None
        if checked_on is None and calibrated_on is None:
            if item.calibration_required:
                continue  # CAL-MISSING already asks for the calibration that starts the interval
            yield Finding(
                "CHECK-OVERDUE",
                "6.4.10",
                Severity.WARNING,
                "equipment",
                item.asset_id,
                f"{item.asset_id} ({item.description}) needs an intermediate check every "
                f"{_months(item.check_interval_months)} but none is on record: perform one and "
                "record it.",
                href=_show(item),
            )
            continue
        due = check_due_on(item.check_interval_months, checked_on, calibrated_on)
        severity = _due_severity(due, ctx)
        if severity is None:
            continue
        last = f"last check {checked_on}" if checked_on else "no check since calibration"
        yield Finding(
            "CHECK-OVERDUE",
            "6.4.10",
            severity,
            "equipment",
            item.asset_id,
            f"The intermediate check of {item.asset_id} ({item.description}) "
            f"{'was' if severity == Severity.BLOCKER else 'is'} due on {due} ({last}, every "
            f"{_months(item.check_interval_months)}): perform it and record the result.",
            due_on=due,
            href=_show(item),
        )


@rule("METHOD-EQUIPMENT", "6.4.1")
def method_equipment(ctx: GapContext) -> Iterator[Finding]:
    """A method in scope depends on equipment that is out of service, uncalibrated, overdue or
    not in the register as of the date (blocker), or whose calibration falls due within the
    warning window (warning). Linked items: any one usable item will do; each named asset of
    the scope must be usable; a type requirement needs its count of usable items."""
    methods = db.session.scalars(
        select(Method)
        .where(Method.status == MethodStatus.IN_SCOPE.value)
        .order_by(Method.code)
        .options(lazyload(Method.procedure))  # no document is read
    ).all()
    if not methods:
        return
    method_ids = [m.id for m in methods]
    links = db.session.execute(
        select(EquipmentMethod.method_id, EquipmentMethod.equipment_id).where(
            EquipmentMethod.method_id.in_(method_ids)
        )
    ).all()
    requirements = [r for m in methods for r in m.equipment_requirements]
    asset_ids = {r.asset_id.upper() for r in requirements if r.asset_id}
    types = {r.equipment_type for r in requirements if r.equipment_type}
    wanted = {equipment_id for _, equipment_id in links}
    # As a subquery: thousands of linked items make a slow list of bound parameters.
    linked = select(EquipmentMethod.equipment_id).where(EquipmentMethod.method_id.in_(method_ids))
    if not (wanted or asset_ids or types):
        return
    states = item_states(
        Equipment.id.in_(linked)
        | Equipment.asset_id.in_(asset_ids)
        | Equipment.equipment_type.in_(types),
        order_by=Equipment.asset_id,
        latest=_latest(ctx),
    )
    by_id = {s.equipment.id: s for s in states}
    by_asset = {s.equipment.asset_id: s for s in states}
    serving: dict[int, list[ItemState]] = defaultdict(list)
    for method_id, equipment_id in links:
        serving[method_id].append(by_id[equipment_id])
    for method in methods:
        items = sorted(serving.get(method.id, []), key=lambda s: s.equipment.asset_id)
        if items:
            yield from _linked_items(method, items, ctx)
        for requirement in method.equipment_requirements:
            if requirement.asset_id:
                yield from _named_asset(method, requirement.asset_id.upper(), by_asset, ctx)
            else:
                of_type = [
                    s for s in states if s.equipment.equipment_type == requirement.equipment_type
                ]
                yield from _type_count(method, requirement, of_type, ctx)


def _method_finding(method: Method, severity: Severity, message: str, **kw) -> Finding:
    return Finding("METHOD-EQUIPMENT", "6.4.1", severity, "method", method.code, message, **kw)


def _last_usable_day(usable: list[ItemState], needed: int = 1) -> dt.date | None:
    """The due date after which fewer than `needed` of the usable items remain (None: never,
    some need no calibration)."""
    dues = sorted((s.due_on or dt.date.max for s in usable), reverse=True)
    due = dues[needed - 1]
    return None if due == dt.date.max else due


def _linked_items(method: Method, items: list[ItemState], ctx: GapContext) -> Iterator[Finding]:
    usable = [s for s in items if s.problem(ctx.as_of) is None]
    if not usable:
        yield _method_finding(
            method,
            Severity.BLOCKER,
            f"No equipment serving {method.code} is usable on {ctx.as_of}: "
            + "; ".join(s.problem(ctx.as_of) for s in items)
            + ". Calibrate or return an item to service, or suspend the method.",
            href=_show(items[0].equipment),
            detail="linked equipment",
        )
        return
    due = _last_usable_day(usable)
    severity = _due_severity(due, ctx) if due else None
    if severity is not None:
        yield _method_finding(
            method,
            severity,
            f"Every item serving {method.code} is due for calibration by {due} ("
            + ", ".join(s.equipment.asset_id for s in usable)
            + "): book a calibration so the method stays available.",
            due_on=due,
            href=_show(max(usable, key=lambda s: s.due_on).equipment),
            detail="linked equipment",
        )


def _named_asset(
    method: Method, asset_id: str, by_asset: dict[str, ItemState], ctx: GapContext
) -> Iterator[Finding]:
    detail = f"asset {asset_id}"
    state = by_asset.get(asset_id)
    if state is None:
        yield _method_finding(
            method,
            Severity.BLOCKER,
            f"{method.code} needs asset {asset_id}, which is not in the equipment register: "
            "register it, or change the method's equipment requirements.",
            href=url_for("equipment.create"),
            detail=detail,
        )
        return
    problem = state.problem(ctx.as_of)
    if problem:
        yield _method_finding(
            method,
            Severity.BLOCKER,
            f"{method.code} needs {problem}.",
            href=_show(state.equipment),
            detail=detail,
        )
        return
    severity = _due_severity(state.due_on, ctx) if state.due_on else None
    if severity is not None:
        yield _method_finding(
            method,
            severity,
            f"{method.code} needs {asset_id}, due for calibration on {state.due_on}: book it.",
            due_on=state.due_on,
            href=_show(state.equipment),
            detail=detail,
        )


def _type_count(method: Method, requirement, of_type: list[ItemState], ctx: GapContext):
    detail = f"type {requirement.equipment_type}"
    href = url_for("equipment.index", type=requirement.equipment_type)
    needed = requirement.min_count
    usable = [s for s in of_type if s.problem(ctx.as_of) is None]
    if len(usable) < needed:
        yield _method_finding(
            method,
            Severity.BLOCKER,
            f"{method.code} needs {needed} × {requirement.equipment_type} usable on "
            f"{ctx.as_of}; {len(usable)} {'is' if len(usable) == 1 else 'are'}: calibrate or "
            "return items to service, or register more.",
            href=href,
            detail=detail,
        )
        return
    due = _last_usable_day(usable, needed)
    severity = _due_severity(due, ctx) if due else None
    if severity is not None:
        yield _method_finding(
            method,
            severity,
            f"{method.code} needs {needed} × {requirement.equipment_type}; from {due} fewer "
            "will be in calibration: book the calibrations.",
            due_on=due,
            href=href,
            detail=detail,
        )


@rule("PROVIDER-LAPSED", "6.6.2")
def provider_lapsed(ctx: GapContext) -> Iterator[Finding]:
    """An approved provider whose accreditation expired before the as-of date (blocker) or
    expires within the warning window (warning)."""
    horizon = ctx.as_of + dt.timedelta(days=ctx.warning_days)
    stmt = (
        select(Provider)
        .where(
            Provider.status == ProviderStatus.APPROVED.value,
            Provider.accreditation_expires_on <= horizon,
        )
        .order_by(Provider.name)
    )
    for provider in db.session.scalars(stmt):
        expires = provider.accreditation_expires_on
        severity = _due_severity(expires, ctx)
        if severity is None:
            continue
        accreditation = " ".join(
            filter(None, [provider.accreditation_body, provider.accreditation_number])
        )
        yield Finding(
            "PROVIDER-LAPSED",
            "6.6.2",
            severity,
            "provider",
            provider.name,
            f"{provider.name}'s accreditation ({accreditation or 'no number recorded'}) "
            f"{'expired' if severity == Severity.BLOCKER else 'expires'} on {expires}: record "
            "the renewed certificate, or suspend the provider and calibrate elsewhere.",
            due_on=expires,
            href=url_for("equipment.edit_provider", provider_id=provider.id),
        )
