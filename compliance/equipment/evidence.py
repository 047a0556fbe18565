"""Clause evidence from the equipment register, calibrations, checks, impact assessments and
approved providers (6.4, 6.5, 6.6), one query per source.

compliance.clauses.evidence lists these in SOURCES. Evidence is imported inside each function
because that module imports this one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload

from compliance.clauses.source import STREAM_BATCH, yields
from compliance.dates import add_months
from compliance.equipment.models import (
    AssessmentStatus,
    CalibrationEvent,
    CheckResult,
    Equipment,
    EquipmentStatus,
    ImpactAssessment,
    IntermediateCheck,
    Provider,
    ProviderStatus,
)
from compliance.equipment.services import in_programme, latest_calibrations
from compliance.extensions import db

# How far back a closed impact assessment still shows the out-of-tolerance process working.
RECORD_WINDOW_MONTHS = 24


@yields("6.4.7", "6.5.1")
def current_calibrations(as_of: dt.date) -> Iterable:
    """Each item's latest calibration while it is not overdue: 6.4.7 (the programme is kept),
    and 6.5.1 when it is traceable (an accredited provider on the day, or an in-house
    procedure)."""
    from compliance.clauses.evidence import Evidence

    latest = latest_calibrations()
    # Without the eager relations (every row would load them) and streamed, so that a reader
    # stopping at the first record pays for one batch. event.provider comes from this row.
    stmt = (
        select(Equipment.id, Equipment.asset_id, CalibrationEvent, Provider)
        .join(latest, latest.c.equipment_id == Equipment.id)
        .join(CalibrationEvent, CalibrationEvent.id == latest.c.event_id)
        .outerjoin(Provider, Provider.id == CalibrationEvent.provider_id)
        .where(
            in_programme(),
            CalibrationEvent.calibrated_on <= as_of,
            CalibrationEvent.due_on >= as_of,
        )
        .options(lazyload("*"))
        .execution_options(yield_per=STREAM_BATCH)
    )
    # Streamed (a server-side cursor on PostgreSQL): closed however the reader stops.
    with db.session.execute(stmt) as rows:
        for item_id, asset_id, event, provider in rows:
            key = f"{asset_id}:{event.id}"
            label = f"{asset_id} calibrated {event.calibrated_on} by {event.performed_by}"
            href = url_for("equipment.show", equipment_id=item_id)
            note = f"due {event.due_on}"
            yield Evidence("6.4.7", "calibration", key, label, event.calibrated_on, href, note)
            traceable = (
                provider.accredited_on(event.calibrated_on)
                and provider.status == ProviderStatus.APPROVED.value
                if provider is not None
                else bool(event.procedure)
            )
            if traceable:
                yield Evidence("6.5.1", "calibration", key, label, event.calibrated_on, href, note)


@yields("6.4.10")
def intermediate_checks(as_of: dt.date) -> Iterable:
    """Each in-service item's latest passing intermediate check, within its interval: 6.4.10."""
    from compliance.clauses.evidence import Evidence

    last = (
        select(
            IntermediateCheck.equipment_id.label("equipment_id"),
            func.max(IntermediateCheck.performed_on).label("performed_on"),
        )
        .where(
            IntermediateCheck.result == CheckResult.PASS.value,
            IntermediateCheck.performed_on <= as_of,
        )
        .group_by(IntermediateCheck.equipment_id)
        .subquery("last_check")
    )
    # Columns: a whole item would bring its methods, their procedures and owners along.
    rows = db.session.execute(
        select(
            Equipment.id, Equipment.asset_id, Equipment.check_interval_months, last.c.performed_on
        )
        .join(last, last.c.equipment_id == Equipment.id)
        .where(
            Equipment.status == EquipmentStatus.IN_SERVICE.value,
            Equipment.check_interval_months.is_not(None),
        )
    )
    for item_id, asset_id, interval, performed_on in rows:
        if add_months(performed_on, interval) < as_of:
            continue
        yield Evidence(
            "6.4.10",
            "intermediate check",
            f"{asset_id}:{performed_on}",
            f"{asset_id} intermediate check of {performed_on} (every {interval} months)",
            performed_on,
            url_for("equipment.show", equipment_id=item_id),
        )


@yields("6.6.2")
def approved_providers(as_of: dt.date) -> Iterable:
    """Approved providers holding an accreditation valid on the date: 6.6.2."""
    from compliance.clauses.evidence import Evidence

    rows = db.session.scalars(
        select(Provider).where(
            Provider.status == ProviderStatus.APPROVED.value,
            Provider.accreditation_number != "",
            Provider.accreditation_expires_on >= as_of,
        )
    )
    for provider in rows:
        yield Evidence(
            "6.6.2",
            "approved provider",
            provider.name,
            f"{provider.name} · {provider.accreditation_body} {provider.accreditation_number} "
            f"until {provider.accreditation_expires_on}",
            provider.evaluated_on,
            url_for("equipment.provider", provider_id=provider.id),
        )


@yields("6.4.9", "7.10")
def closed_impact_assessments(as_of: dt.date) -> Iterable:
    """Out-of-tolerance impact assessments closed recently: 6.4.9 and 7.10."""
    from compliance.clauses.evidence import Evidence

    since = add_months(as_of, -RECORD_WINDOW_MONTHS)
    rows = db.session.scalars(
        select(ImpactAssessment)
        .where(
            ImpactAssessment.status == AssessmentStatus.CLOSED.value,
            ImpactAssessment.period_end > since,
            ImpactAssessment.closed_at
            < dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), dt.UTC),
        )
        # The item's asset id only: not its methods, their procedures, the signature.
        .options(lazyload("*"), joinedload(ImpactAssessment.equipment).lazyload("*"))
    )
    for assessment in rows:
        label = (
            f"{assessment.reference} · {assessment.equipment.asset_id} out of tolerance on "
            f"{assessment.period_end}, closed"
        )
        href = url_for("equipment.assessment", impact_assessment_id=assessment.id)
        for clause in ("6.4.9", "7.10"):
            yield Evidence(
                clause,
                "impact assessment",
                assessment.reference,
                label,
                assessment.closed_at.date(),
                href,
            )


@yields("6.4.13")
def equipment_register(as_of: dt.date) -> Iterable:
    """The register itself, while it lists equipment in use: 6.4.13."""
    from compliance.clauses.evidence import Evidence

    count = db.session.scalar(
        select(func.count())
        .select_from(Equipment)
        .where(Equipment.status != EquipmentStatus.RETIRED.value)
    )
    if count:
        yield Evidence(
            "6.4.13",
            "equipment register",
            "equipment register",
            f"Equipment register · {count} item{'s' if count != 1 else ''} not retired",
            None,
            url_for("equipment.index"),
        )


EQUIPMENT_SOURCES = [
    current_calibrations,
    intermediate_checks,
    approved_providers,
    closed_impact_assessments,
    equipment_register,
]
