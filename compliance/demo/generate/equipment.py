"""Equipment (6.4): providers, the register, about six calibrations per item, intermediate checks,
maintenance, and impact assessments of out-of-tolerance results."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict

from compliance.dates import add_months
from compliance.demo.generate.base import Context
from compliance.demo.generate.content import EQUIPMENT_TYPES, LAPSED_PROVIDER, PROVIDERS
from compliance.equipment.models import (
    CalibrationEvent,
    Equipment,
    EquipmentMethod,
    ImpactAssessment,
    ImpactAssessmentMethod,
    IntermediateCheck,
    MaintenanceRecord,
    Provider,
)
from compliance.scope.models import MethodEquipmentRequirement
from compliance.signatures.models import Meaning, Signature

OVERDUE_SHARE = 0.01  # in-service items whose calibration is past due
DUE_SOON_SHARE = 0.01  # ... and due within the month
CHECK_OVERDUE_SHARE = 0.01
OOT_SHARE = 0.015  # calibrations that found the item out of tolerance
UNASSESSED_DAYS = 45  # out-of-tolerance results this recent still have an open assessment


def create_providers(ctx: Context, qm) -> list[tuple[int, str, dt.date]]:
    rng = ctx.rng
    created = ctx.stamp(ctx.start - dt.timedelta(days=20))
    providers = []
    for name, body, number in PROVIDERS:
        expires = ctx.day(25) if name == LAPSED_PROVIDER else ctx.day(-rng.randint(120, 900))
        provider_id = ctx.add(
            Provider,
            name=name,
            accreditation_body=body,
            accreditation_number=number,
            accreditation_expires_on=expires,
            scope="Calibration of laboratory instruments within the accredited scope.",
            status="approved",
            evaluation_notes="Annual evaluation: certificates complete, on-time delivery.",
            evaluated_on=ctx.day(rng.randint(30, 300)),
            created_at=created,
            version=1,
        )
        ctx.event(
            created,
            "provider.created",
            "provider",
            name,
            qm,
            {
                "accreditation_body": body,
                "accreditation_number": number,
                "accreditation_expires_on": expires,
            },
        )
        providers.append((provider_id, name, expires))
    return providers


def create_equipment(ctx: Context, staff, methods, blobs) -> None:
    providers = create_providers(ctx, staff.logins["qm"])
    weights = [t.weight for t in EQUIPMENT_TYPES]
    for site in ctx.sites:
        rng = ctx.rng
        qm = staff.qm[site.index]
        users = [p.login for p in staff.of_site(site) if p.login] or [qm]
        site_methods = methods[site.index]
        numbers: dict[str, int] = defaultdict(int)
        candidates: dict[int, list[str]] = defaultdict(list)  # slash -> good asset ids
        for kind in rng.choices(EQUIPMENT_TYPES, weights, k=ctx.per_site("equipment")):
            numbers[kind.code] += 1
            asset_id = site.key(f"EQ-{kind.code}-{numbers[kind.code]:03d}")
            good = _item(ctx, site, kind, asset_id, qm, users, providers, site_methods, blobs)
            if good:
                for slash in kind.methods:
                    candidates[slash].append(good)
        for slash, method in site_methods.items():
            for asset_id in candidates.get(slash, [])[:2]:
                ctx.add(
                    MethodEquipmentRequirement,
                    method_id=method.id,
                    asset_id=asset_id,
                    equipment_type=None,
                    min_count=1,
                    note="",
                )


def _item(ctx, site, kind, asset_id, qm, users, providers, site_methods, blobs) -> str | None:
    """One item and its history; its asset id when it is in service and calibrated on time."""
    rng = ctx.rng
    draw = rng.random()
    status, reason = "in_service", None
    if draw < 0.03:
        status, reason = "retired", "Replaced by a newer model."
    elif draw < 0.045:
        status, reason = "out_of_service", "Awaiting repair by the manufacturer."
    elif draw < 0.05:
        status, reason = "quarantined", "Dropped during transport; awaiting verification."
    retired_on = ctx.day(rng.randint(60, 900)) if status == "retired" else None
    new_item = status == "in_service" and rng.random() < 0.002  # arrived, not calibrated yet
    # Bought before its first calibration (about seven intervals back) or recently.
    history = int((kind.interval or 12) * 30.4 * 7.5)
    acquired = (retired_on or ctx.today) - dt.timedelta(days=history + rng.randint(10, 90))
    if new_item:
        acquired = ctx.day(rng.randint(5, 25))
    custodian = rng.choice(users)
    created = ctx.stamp(acquired)
    status_changed = ctx.stamp(retired_on or ctx.day(rng.randint(5, 60))) if reason else created
    equipment_id = ctx.add(
        Equipment,
        asset_id=asset_id,
        description=kind.description,
        equipment_type=kind.equipment_type,
        manufacturer=kind.manufacturer,
        model=kind.model,
        serial_number=f"{kind.code[:2]}{rng.randint(100000, 999999)}",
        firmware_version=f"{rng.randint(1, 9)}.{rng.randint(0, 20)}" if kind.check_interval else "",
        location=f"{site.name} lab, room {rng.randint(101, 130)}",
        custodian_id=custodian.id,
        status=status,
        status_changed_at=status_changed,
        status_reason=reason,
        calibration_required=kind.interval is not None,
        calibration_interval_months=kind.interval,
        check_interval_months=kind.check_interval,
        acceptance_criteria="Within the manufacturer's specification." if kind.interval else "",
        created_at=created,
        version=1,
    )
    ctx.event(
        created,
        "equipment.created",
        "equipment",
        asset_id,
        qm,
        {
            "description": kind.description,
            "equipment_type": kind.equipment_type,
            "status": "in_service",
            "calibration_interval_months": kind.interval,
        },
    )
    if reason:
        ctx.event(
            status_changed,
            "equipment.status_changed",
            "equipment",
            asset_id,
            qm,
            {"status": status},
            reason=reason,
        )
    method_ids = [site_methods[s].id for s in kind.methods if s in site_methods]
    for method_id in method_ids:
        ctx.add(EquipmentMethod, equipment_id=equipment_id, method_id=method_id)
    end = retired_on or ctx.today
    on_time = True
    if kind.interval and not new_item:
        on_time = _calibrations(
            ctx,
            kind,
            asset_id,
            equipment_id,
            end,
            status,
            qm,
            users,
            providers,
            method_ids,
            blobs,
        )
    elif kind.interval:
        on_time = False  # a new item not yet calibrated
    if kind.check_interval and status == "in_service":
        _checks(ctx, kind, asset_id, equipment_id, qm, users)
    if rng.random() < 0.08:
        for _ in range(rng.randint(1, 2)):
            day = acquired + dt.timedelta(days=rng.randint(10, max(11, (end - acquired).days - 1)))
            at = ctx.stamp(day)
            kind_of = rng.choice(("maintenance", "maintenance", "repair", "malfunction"))
            ctx.add(
                MaintenanceRecord,
                equipment_id=equipment_id,
                kind=kind_of,
                performed_on=min(day, ctx.day(1)),
                description="Preventive maintenance per the manufacturer's schedule."
                if kind_of == "maintenance"
                else "Fault found and repaired; verified before return to service.",
                performed_by=rng.choice(("manufacturer's engineer", "metrology technician")),
                recorded_by_id=qm.id,
                recorded_at=at,
            )
            ctx.event(at, "maintenance.recorded", "equipment", asset_id, qm, {"kind": kind_of})
    return asset_id if status == "in_service" and on_time else None


def _calibrations(
    ctx, kind, asset_id, equipment_id, end, status, qm, users, providers, method_ids, blobs
) -> bool:
    """About six calibrations, one per interval up to `end`; True when the latest is on time."""
    rng = ctx.rng
    interval = kind.interval
    period = int(interval * 30.4)
    draw = rng.random() if status == "in_service" else 1.0
    overdue = draw < OVERDUE_SHARE
    if overdue:
        latest = add_months(ctx.today, -interval) - dt.timedelta(days=rng.randint(3, 60))
    elif draw < OVERDUE_SHARE + DUE_SOON_SHARE:
        latest = add_months(ctx.today, -interval) + dt.timedelta(days=rng.randint(3, 28))
    else:
        # Recalled ahead of time: due more than a month out.
        latest = end - dt.timedelta(days=rng.randint(1, max(2, period - 35)))
    days = [latest]
    for _ in range(rng.randint(6, 8) - 1):
        days.append(add_months(days[-1], -interval) + dt.timedelta(days=rng.randint(0, 20)))
    days.sort()
    active = [p for p in providers if p[1] != LAPSED_PROVIDER]
    previous_good = None
    for day in days:
        if kind.in_house:
            provider_id, provider_name = None, None
        else:
            provider_id, provider_name, expires = rng.choice(providers)
            if day > expires:
                provider_id, provider_name, expires = rng.choice(active)
        as_found = "out" if rng.random() < OOT_SHARE else "in"
        as_left = "adjusted" if as_found == "out" or rng.random() < 0.1 else "in"
        due = add_months(day, interval)
        at = ctx.stamp(day + dt.timedelta(days=rng.randint(0, 4)))
        recorder = rng.choice(users)
        event_id = ctx.add(
            CalibrationEvent,
            equipment_id=equipment_id,
            calibrated_on=day,
            provider_id=provider_id,
            procedure="QP-6.4-02 in-house calibration" if provider_id is None else "",
            certificate_number=f"C{day:%y%m}-{rng.randint(1000, 99999)}",
            certificate_sha256=blobs.certificate if provider_id else None,
            as_found=as_found,
            as_left=as_left,
            uncertainty="U = 0.5 % of reading (k=2)",
            traceability=f"SI through {provider_name}"
            if provider_name
            else "SI through the lab's reference standards",
            notes="",
            stated_due_on=due if provider_id else None,
            due_on=due,
            source="entry",
            supersedes_id=None,
            correction_reason=None,
            recorded_by_id=recorder.id,
            recorded_at=at,
        )
        ctx.event(
            at,
            "calibration.recorded",
            "equipment",
            asset_id,
            recorder,
            {
                "calibration_event": event_id,
                "calibrated_on": day,
                "provider": provider_name,
                "as_found": as_found,
                "as_left": as_left,
                "due_on": due,
            },
        )
        if as_found == "out":
            _impact_assessment(
                ctx, asset_id, equipment_id, event_id, previous_good, day, qm, at, method_ids
            )
        previous_good = day
    return not overdue and add_months(days[-1], interval) > ctx.day(-60)


def _impact_assessment(ctx, asset_id, equipment_id, event_id, since, day, qm, at, method_ids):
    rng = ctx.rng
    assessment_id = next(ctx._ids[ImpactAssessment.__tablename__])
    reference = f"IA-{assessment_id}"
    ctx.event(
        at,
        "impact_assessment.opened",
        "equipment",
        asset_id,
        None,
        {"impact_assessment": reference, "period_start": since, "period_end": day},
    )
    closed = day < ctx.day(UNASSESSED_DAYS)
    signature_id = closed_at = None
    if closed:
        closed_at = ctx.stamp(day + dt.timedelta(days=rng.randint(5, 30)))
        content = hashlib.sha256(f"{asset_id} {reference} closed".encode()).hexdigest()
        signature_id = ctx.add(
            Signature,
            subject_type="impact_assessment",
            subject_id=assessment_id,
            signer_id=qm.id,
            printed_name=qm.name,
            signer_email=qm.email,
            meaning=Meaning.CLOSED,
            signed_at=closed_at,
            content_sha256=content,
            comment=None,
        )
        ctx.event(
            closed_at,
            "signature.applied",
            "impact_assessment",
            f"{asset_id} {reference}",
            qm,
            {"meaning": Meaning.CLOSED, "content_sha256": content, "signed_at": closed_at},
        )
        ctx.event(
            closed_at, "impact_assessment.closed", "equipment", asset_id, qm, {"status": "closed"}
        )
    ctx.add(
        ImpactAssessment,
        id=assessment_id,
        equipment_id=equipment_id,
        calibration_event_id=event_id,
        period_start=since,
        period_end=day,
        status="closed" if closed else "open",
        assessor_id=qm.id if closed else None,
        conclusion="Results in the period reviewed; the deviation is within the method's "
        "tolerance, no reports affected."
        if closed
        else "",
        actions="Item adjusted; interval kept." if closed else "",
        opened_at=at,
        closed_at=closed_at,
        closure_signature_id=signature_id,
        version=1,
    )
    for method_id in method_ids:
        ctx.add(ImpactAssessmentMethod, assessment_id=assessment_id, method_id=method_id)


def _checks(ctx, kind, asset_id, equipment_id, qm, users) -> None:
    """Intermediate checks over the last year, one per check interval."""
    rng = ctx.rng
    months = kind.check_interval
    if rng.random() < CHECK_OVERDUE_SHARE:
        latest = add_months(ctx.today, -months) - dt.timedelta(days=rng.randint(5, 30))
    else:
        latest = ctx.day(rng.randint(1, max(2, months * 30 - 35)))
    days = [latest]
    while add_months(days[-1], -months) > ctx.day(365):
        days.append(add_months(days[-1], -months))
    for day in sorted(days):
        who = rng.choice(users)
        at = ctx.stamp(day)
        result = "fail" if rng.random() < 0.01 and day != latest else "pass"
        ctx.add(
            IntermediateCheck,
            equipment_id=equipment_id,
            performed_on=day,
            result=result,
            reference="Check standard on file",
            details="",
            performed_by_id=who.id,
            recorded_by_id=who.id,
            recorded_at=at,
        )
        ctx.event(
            at,
            "check.recorded",
            "equipment",
            asset_id,
            who,
            {"performed_on": day, "result": result},
        )
