"""The PT/ILC plan and its events (7.7.2): when each method's next round is due, results,
report files, and the nonconformity an unsatisfactory result opens.

Every function flushes and writes its audit entry; none commits.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased, joinedload, lazyload

from compliance.audit.services import record
from compliance.capa.models import NCSource, Nonconformity, RiskLevel
from compliance.capa.services import open_nonconformity
from compliance.dates import add_months, lab_today
from compliance.extensions import db
from compliance.files.services import store_bytes
from compliance.proficiency.models import PTEvent, PTResult
from compliance.quality.rules import QualityError, clean_text
from compliance.scope.models import Method, MethodStatus
from compliance.scope.services import validate_interval
from compliance.stored.results import Recipe, stored
from compliance.uploads.evidence import check_evidence_file


def pt_due_on(method: Method, last_performed_on: dt.date | None) -> dt.date | None:
    """One interval after the last round; with no round yet, one interval after the method
    joined the scope. None when the method has no PT interval planned."""
    if method.pt_interval_months is None:
        return None
    start = last_performed_on or method.scope_start
    return add_months(start, method.pt_interval_months)


@dataclass
class PTStatus:
    method: Method
    last: PTEvent | None
    due_on: dt.date | None
    state: str  # "not planned", "overdue", "due soon", "current"

    @property
    def tone(self) -> str:
        return {"overdue": "danger", "due soon": "warning", "current": "success"}.get(
            self.state, "secondary"
        )


def latest_events(method_ids: Sequence[int], as_of: dt.date) -> dict[int, PTEvent]:
    """Each method's most recent round on or before the date (one query, loading only those
    rounds: no later round of the method on or before the date)."""
    if not method_ids:
        return {}
    later = aliased(PTEvent)
    newer_exists = (
        select(later.id)
        .where(
            later.method_id == PTEvent.method_id,
            later.performed_on <= as_of,
            or_(
                later.performed_on > PTEvent.performed_on,
                and_(later.performed_on == PTEvent.performed_on, later.id > PTEvent.id),
            ),
        )
        .exists()
    )
    events = db.session.scalars(
        select(PTEvent)
        .where(
            PTEvent.method_id.in_(list(method_ids)), PTEvent.performed_on <= as_of, ~newer_exists
        )
        # Callers hold the methods; the round's nonconformity needs no method of its own.
        .options(
            lazyload(PTEvent.method),
            joinedload(PTEvent.nonconformity).lazyload(Nonconformity.method),
        )
    )
    return {event.method_id: event for event in events}


def pt_status(
    methods: Sequence[Method], as_of: dt.date, warning_days: int | None = None
) -> list[PTStatus]:
    """Where each method stands against its PT interval on the date."""
    if warning_days is None:
        warning_days = current_app.config["GAP_WARNING_DAYS"]
    latest = latest_events([m.id for m in methods], as_of)
    rows = []
    for method in methods:
        last = latest.get(method.id)
        due = pt_due_on(method, last.performed_on if last else None)
        if due is None:
            state = "not planned"
        elif due < as_of:
            state = "overdue"
        elif due <= as_of + dt.timedelta(days=warning_days):
            state = "due soon"
        else:
            state = "current"
        rows.append(PTStatus(method, last, due, state))
    return rows


def pt_plan(as_of: dt.date) -> list[PTStatus]:
    """The plan: every method on the scope (not withdrawn) and its PT status."""
    methods = db.session.scalars(
        select(Method)
        .where(Method.status != MethodStatus.WITHDRAWN.value)
        .order_by(Method.code)
        .options(lazyload(Method.procedure))  # the plan shows no procedure
    ).all()
    return pt_status(methods, as_of)


def pt_overdue_codes(as_of: dt.date) -> list[str]:
    """Codes of the methods whose PT is overdue (stored: see compliance.stored)."""

    def compute():
        return [row.method.code for row in pt_plan(as_of) if row.state == "overdue"]

    return stored(Recipe("PT overdue", {"as_of": as_of.isoformat()}, compute))


def set_interval(method: Method, months: int | None, *, by, reason: str | None = None) -> None:
    """The planned PT/ILC interval of a method (None: no PT planned)."""
    months = validate_interval(months)
    old = method.pt_interval_months
    if old == months:
        return
    method.pt_interval_months = months
    db.session.flush()
    record(
        "method.pt_interval_set",
        entity_type="method",
        entity_key=method.code,
        actor=by,
        changes={"pt_interval_months": [old, months]},
        reason=reason,
    )


def result_from_z(z_score: float) -> PTResult:
    """The usual ISO 13528 bands: |z| <= 2 satisfactory, < 3 questionable, else unsatisfactory."""
    size = abs(z_score)
    if size <= 2:
        return PTResult.SATISFACTORY
    if size < 3:
        return PTResult.QUESTIONABLE
    return PTResult.UNSATISFACTORY


def record_event(
    method: Method,
    *,
    by,
    provider: str,
    round: str,
    performed_on: dt.date,
    result: str,
    scheme: str = "",
    z_score: float | None = None,
    notes: str = "",
    report_data: bytes | None = None,
    report_filename: str | None = None,
) -> PTEvent:
    """Record a round. An unsatisfactory result opens a nonconformity on the method at once.
    Raises QualityError (or UploadRejected for a bad report file)."""
    if result not in {r.value for r in PTResult}:
        raise QualityError(f"Unknown PT result '{result}'.")
    if performed_on > lab_today():
        raise QualityError("A PT round cannot be recorded before it took place.")
    if z_score is not None and not math.isfinite(z_score):
        raise QualityError("The z-score must be a number.")
    sha256 = None
    if report_data:
        media_type = check_evidence_file(
            report_data,
            filename=report_filename or "",
            max_bytes=current_app.config["UPLOAD_MAX_BYTES"],
        )
        sha256 = store_bytes(
            report_data, filename=report_filename or "pt-report", media_type=media_type
        ).sha256
    user = getattr(by, "user", by)
    event = PTEvent(
        method_id=method.id,
        method=method,
        provider=clean_text(provider, "The PT provider", limit=200),
        scheme=clean_text(scheme, "The scheme", required=False, limit=200),
        round=clean_text(round, "The round", limit=60),
        performed_on=performed_on,
        result=result,
        z_score=z_score,
        report_sha256=sha256,
        notes=(notes or "").strip(),
        recorded_by_id=user.id if user else None,
    )
    db.session.add(event)
    db.session.flush()
    record(
        "pt_event.recorded",
        entity_type="method",
        entity_key=method.code,
        actor=by,
        changes={
            "pt_round": [None, f"{event.provider} {event.round}"],
            "performed_on": [None, performed_on],
            "result": [None, result],
            "z_score": [None, z_score],
            "report_sha256": [None, sha256],
        },
    )
    if result == PTResult.UNSATISFACTORY.value:
        score = f" (z = {z_score:g})" if z_score is not None else ""
        nc = open_nonconformity(
            by=by,
            source=NCSource.PT.value,
            source_id=event.id,
            source_label=f"PT {event.display}, {performed_on.isoformat()}",
            description=(
                f"Unsatisfactory proficiency test result for {method.code} in "
                f"{event.display}{score}. Results reported under this method since the "
                "previous satisfactory round need an impact review."
            ),
            clause_number="7.7.2",
            method=method,
            risk=RiskLevel.HIGH.value,
            raised_on=performed_on,
        )
        event.nonconformity_id = nc.id
        event.nonconformity = nc
        db.session.flush()
    return event


def events_of(method: Method) -> list[PTEvent]:
    return list(
        db.session.scalars(
            select(PTEvent)
            .where(PTEvent.method_id == method.id)
            .order_by(PTEvent.performed_on.desc(), PTEvent.id.desc())
        )
    )


def recent_events(limit: int = 50) -> list[PTEvent]:
    return list(
        db.session.scalars(
            select(PTEvent).order_by(PTEvent.performed_on.desc(), PTEvent.id.desc()).limit(limit)
        )
    )
