"""The scope of accreditation (7.2): methods, the equipment they need, verification records.

Every function flushes and writes its audit entry; none commits.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import current_app
from sqlalchemy import select

from compliance.audit.services import diff, record
from compliance.dates import lab_today
from compliance.documents.models import Document
from compliance.extensions import db
from compliance.files.services import store_bytes
from compliance.quality.rules import QualityError, clean_text
from compliance.scope.models import (
    Method,
    MethodEquipmentRequirement,
    MethodStatus,
    MethodValidation,
    ValidationKind,
)
from compliance.uploads.evidence import check_evidence_file

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9 .\-/_()]{0,39}$")
ASSET_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-/_]{0,39}$")


class ScopeError(QualityError):
    """A refused change to the scope; the message names the rule."""


def validate_code(code: str) -> str:
    code = " ".join((code or "").split()).upper()
    if not CODE_RE.match(code):
        raise ScopeError(
            f"'{code}' is not a method code: capitals, digits, spaces and . - / _ ( ) "
            "(up to 40 characters), e.g. AS6171/2."
        )
    return code


def validate_asset_id(asset_id: str) -> str:
    asset_id = (asset_id or "").strip()
    if not ASSET_RE.match(asset_id):
        raise ScopeError(
            f"'{asset_id}' is not an asset id: letters, digits and . - / _ (up to 40), "
            "e.g. XRF-001."
        )
    return asset_id


def validate_interval(months) -> int | None:
    if months in (None, ""):
        return None
    months = int(months)
    if not 1 <= months <= 120:
        raise ScopeError("The PT interval must be between 1 and 120 months.")
    return months


def method_by_code(code: str) -> Method | None:
    return db.session.scalar(select(Method).where(Method.code == validate_code(code)))


def _values(method: Method) -> dict:
    return {
        "title": method.title,
        "technique": method.technique,
        "items_tested": method.items_tested,
        "procedure": method.procedure.number if method.procedure else None,
        "pt_interval_months": method.pt_interval_months,
        "in_scope_since": method.in_scope_since,
        "notes": method.notes,
        "equipment": sorted(r.display for r in method.equipment_requirements),
    }


def _audit(method: Method, action: str, by, changes: dict, reason: str | None = None) -> None:
    record(
        action,
        entity_type="method",
        entity_key=method.code,
        actor=by,
        changes=changes,
        reason=reason,
    )


def create_method(
    *,
    code: str,
    title: str,
    by,
    technique: str = "",
    items_tested: str = "",
    procedure: Document | None = None,
    pt_interval_months: int | None = None,
    in_scope_since: dt.date | None = None,
    notes: str = "",
) -> Method:
    """Add a method to the scope. Raises ScopeError on a bad or taken code."""
    code = validate_code(code)
    if db.session.scalar(select(Method.id).where(Method.code == code)):
        raise ScopeError(f"Method {code} is already on the scope.")
    method = Method(
        code=code,
        title=clean_text(title, "A title", limit=300),
        technique=clean_text(technique, "The technique", required=False, limit=120),
        items_tested=clean_text(items_tested, "Items tested", required=False, limit=300),
        procedure_id=procedure.id if procedure else None,
        procedure=procedure,
        pt_interval_months=validate_interval(pt_interval_months),
        in_scope_since=in_scope_since or lab_today(),
        notes=(notes or "").strip(),
        status=MethodStatus.IN_SCOPE.value,
        equipment_requirements=[],
    )
    db.session.add(method)
    db.session.flush()
    _audit(method, "method.created", by, diff({}, {**_values(method), "status": method.status}))
    return method


def update_method(method: Method, *, by, reason: str | None = None, **fields) -> dict:
    """Change the method's description, procedure, PT interval or notes; returns the diff."""
    before = _values(method)
    if "title" in fields:
        method.title = clean_text(fields["title"], "A title", limit=300)
    if "technique" in fields:
        method.technique = clean_text(fields["technique"], "The technique", required=False)
    if "items_tested" in fields:
        method.items_tested = clean_text(fields["items_tested"], "Items tested", required=False)
    if "procedure" in fields:
        procedure = fields["procedure"]
        method.procedure_id = procedure.id if procedure else None
        method.procedure = procedure
    if "pt_interval_months" in fields:
        method.pt_interval_months = validate_interval(fields["pt_interval_months"])
    if "in_scope_since" in fields and fields["in_scope_since"]:
        method.in_scope_since = fields["in_scope_since"]
    if "notes" in fields:
        method.notes = (fields["notes"] or "").strip()
    changes = diff(before, _values(method))
    if changes:
        db.session.flush()
        _audit(method, "method.updated", by, changes, reason)
    return changes


def set_status(method: Method, *, status: str, reason: str, by) -> None:
    """Put a method in scope, suspend or withdraw it (a reason is required)."""
    if status not in {s.value for s in MethodStatus}:
        raise ScopeError(f"Unknown method status '{status}'.")
    reason = clean_text(reason, "A reason")
    if status == method.status:
        raise ScopeError(f"{method.code} is already {MethodStatus(status).label}.")
    if method.status == MethodStatus.WITHDRAWN.value:
        raise ScopeError(
            f"{method.code} was withdrawn from the scope; add it again under a new code once "
            "the accreditation body has extended the scope."
        )
    old = method.status
    method.status = status
    method.status_reason = None if status == MethodStatus.IN_SCOPE.value else reason
    db.session.flush()
    _audit(method, "method.status_changed", by, {"status": [old, status]}, reason)


def add_equipment_requirement(
    method: Method,
    *,
    by,
    asset_id: str | None = None,
    equipment_type: str | None = None,
    min_count: int = 1,
    note: str = "",
) -> MethodEquipmentRequirement:
    """The method needs one asset (by id) or `min_count` items of an equipment type."""
    asset_id = validate_asset_id(asset_id) if asset_id else None
    equipment_type = " ".join((equipment_type or "").split()) or None
    if (asset_id is None) == (equipment_type is None):
        raise ScopeError("Give either an asset id or an equipment type, not both.")
    if equipment_type and len(equipment_type) > 120:
        raise ScopeError("The equipment type is limited to 120 characters.")
    min_count = int(min_count or 1)
    if min_count < 1 or (asset_id and min_count != 1):
        raise ScopeError("The minimum count is at least 1 (and exactly 1 for an asset id).")
    for existing in method.equipment_requirements:
        same_asset = asset_id and existing.asset_id == asset_id
        same_type = equipment_type and existing.equipment_type == equipment_type
        if same_asset or same_type:
            raise ScopeError(f"{method.code} already needs {existing.display}.")
    requirement = MethodEquipmentRequirement(
        asset_id=asset_id, equipment_type=equipment_type, min_count=min_count, note=note.strip()
    )
    method.equipment_requirements.append(requirement)
    db.session.flush()
    _audit(method, "method.equipment_added", by, {"equipment": [None, requirement.display]})
    return requirement


def remove_equipment_requirement(requirement: MethodEquipmentRequirement, *, by) -> None:
    method = requirement.method
    shown = requirement.display
    method.equipment_requirements.remove(requirement)
    db.session.flush()
    _audit(method, "method.equipment_removed", by, {"equipment": [shown, None]})


def set_required_assets(method: Method, asset_ids: list[str], *, by) -> bool:
    """Make the method's by-asset requirements exactly `asset_ids` (type rows stay as they are).
    Returns whether anything changed."""
    wanted = [validate_asset_id(a) for a in asset_ids]
    current = method.asset_ids
    if sorted(current) == sorted(wanted):
        return False
    for requirement in list(method.equipment_requirements):
        if requirement.asset_id and requirement.asset_id not in wanted:
            method.equipment_requirements.remove(requirement)
    for asset_id in wanted:
        if asset_id not in current:
            method.equipment_requirements.append(
                MethodEquipmentRequirement(asset_id=asset_id, min_count=1)
            )
    db.session.flush()
    _audit(method, "method.equipment_set", by, {"assets": [sorted(current), sorted(wanted)]})
    return True


def record_validation(
    method: Method,
    *,
    by,
    kind: str,
    performed_on: dt.date,
    summary: str,
    report_document: Document | None = None,
    file_data: bytes | None = None,
    filename: str | None = None,
) -> MethodValidation:
    """Record a verification (standard method) or validation (own or modified method).
    An evidence file must be a clean PDF or image (UploadRejected otherwise)."""
    if kind not in {k.value for k in ValidationKind}:
        raise ScopeError(f"Unknown record kind '{kind}': verification or validation.")
    if performed_on > lab_today():
        raise ScopeError("A verification cannot be recorded before it was performed.")
    sha256 = None
    if file_data:
        media_type = check_evidence_file(
            file_data, filename=filename or "", max_bytes=current_app.config["UPLOAD_MAX_BYTES"]
        )
        sha256 = store_bytes(file_data, filename=filename or "report", media_type=media_type).sha256
    user = getattr(by, "user", by)
    validation = MethodValidation(
        method_id=method.id,
        method=method,
        kind=kind,
        performed_on=performed_on,
        summary=clean_text(summary, "A summary of what was done and the outcome"),
        report_document_id=report_document.id if report_document else None,
        file_sha256=sha256,
        recorded_by_id=user.id if user else None,
    )
    db.session.add(validation)
    db.session.flush()
    _audit(
        method,
        f"method.{kind}_recorded",
        by,
        {
            "kind": [None, kind],
            "performed_on": [None, performed_on],
            "report": [None, report_document.number if report_document else None],
            "file_sha256": [None, sha256],
        },
    )
    return validation


def validations_of(method: Method) -> list[MethodValidation]:
    return list(
        db.session.scalars(
            select(MethodValidation)
            .where(MethodValidation.method_id == method.id)
            .order_by(MethodValidation.performed_on.desc(), MethodValidation.id.desc())
        )
    )


def scope_methods(*, include_all: bool = False) -> list[Method]:
    """The methods of the scope listing (in scope and suspended; withdrawn ones on request)."""
    stmt = select(Method).order_by(Method.code)
    if not include_all:
        stmt = stmt.where(Method.status != MethodStatus.WITHDRAWN.value)
    return list(db.session.scalars(stmt))
