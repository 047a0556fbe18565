"""Spreadsheet imports of the equipment register, the provider list and calibration history.

Each is an ImportSpec on the shared contract (`.csv` or `.xlsx`, ISO dates, all rows or none,
`FILE:ROW: column: message`, re-importing the same file changes nothing) registered as an
ImportKind, which gives it `flask --app compliance import NAME FILE` and the upload -> preview ->
confirm pages. On existing records an empty cell changes nothing, as in the personnel imports.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from compliance.dates import lab_today
from compliance.equipment import services
from compliance.equipment.models import (
    CalibrationEvent,
    Equipment,
    EquipmentStatus,
    Provider,
    Tolerance,
)
from compliance.equipment.services import CalibrationInput, EquipmentError
from compliance.extensions import db
from compliance.imports import (
    Column,
    FieldError,
    ImportResult,
    ImportSpec,
    ImportSummary,
    ParsedRow,
    ParseOptions,
    RowError,
    Upload,
    cell_text,
    date_field,
    int_field,
    list_field,
    run_import,
    text_field,
)
from compliance.imports.registry import ImportKind, register_import
from compliance.permissions import Permission
from compliance.scope.models import Method

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


# --- cells ------------------------------------------------------------------------------------


def asset_id_field(value: Any, options: ParseOptions) -> str:
    try:
        return services.validate_asset_id(cell_text(value))
    except EquipmentError as exc:
        raise FieldError(str(exc)) from None


def squashed(max_length: int):
    def parse(value: Any, options: ParseOptions) -> str:
        return " ".join(text_field(max_length=max_length)(value, options).split())

    return parse


def status_field(value: Any, options: ParseOptions) -> str:
    """in_service, out_of_service, quarantined or retired (also "in service", any case)."""
    text = "_".join(cell_text(value).casefold().replace("-", " ").split())
    if text not in {s.value for s in EquipmentStatus}:
        listed = ", ".join(s.value for s in EquipmentStatus)
        raise FieldError(f'expected one of {listed}; got "{cell_text(value)}"')
    return text


def tolerance_field(*allowed: Tolerance):
    values = {t.value for t in allowed}
    synonyms = {"in tolerance": "in", "out of tolerance": "out", "pass": "in", "fail": "out"}

    def parse(value: Any, options: ParseOptions) -> str:
        text = " ".join(cell_text(value).casefold().split())
        text = synonyms.get(text, text)
        if text not in values:
            raise FieldError(
                f'expected one of {", ".join(t.value for t in allowed)}; got "{cell_text(value)}"'
            )
        return text

    return parse


def _shown(value) -> str:
    if value is None or value == "" or value == []:
        return "none"
    if isinstance(value, list):
        return ";".join(value)
    return value.isoformat() if isinstance(value, dt.date) else str(value)


# --- shared lookups -------------------------------------------------------------------------


@dataclass
class EquipmentContext:
    today: dt.date
    by: Any = None
    file: str = ""
    _equipment: dict[str, Equipment | None] = field(default_factory=dict)
    _methods: dict[str, Method | None] = field(default_factory=dict)
    _providers: dict[str, Provider | None] = field(default_factory=dict)

    def equipment(self, asset_id: str) -> Equipment | None:
        if asset_id not in self._equipment:
            self._equipment[asset_id] = services.equipment_by_asset_id(asset_id)
        return self._equipment[asset_id]

    def method(self, code: str) -> Method | None:
        key = code.strip().upper()
        if key not in self._methods:
            self._methods[key] = services.methods_by_code([key]).get(key)
        return self._methods[key]

    def provider(self, name: str) -> Provider | None:
        key = name.casefold()
        if key not in self._providers:
            self._providers[key] = services.provider_by_name(name)
        return self._providers[key]


def _preview(rows: list[ParsedRow], ctx: EquipmentContext) -> ImportSummary:
    summary = ImportSummary()
    for row in rows:
        outcome = row.resolved.get("outcome", CREATE)
        if outcome == CREATE:
            summary.created += 1
        elif outcome == UPDATE:
            summary.updated += 1
        else:
            summary.unchanged += 1
    return summary


def _reason(ctx: EquipmentContext) -> str:
    return f"imported from {ctx.file}" if ctx.file else "imported from a spreadsheet"


# --- equipment --------------------------------------------------------------------------------

_TEXT_COLUMNS = {
    "description": "description",
    "type": "equipment_type",
    "manufacturer": "manufacturer",
    "model": "model",
    "serial_number": "serial_number",
    "location": "location",
}


def _register_fields(equipment: Equipment) -> dict:
    return {
        "description": equipment.description,
        "equipment_type": equipment.equipment_type,
        "manufacturer": equipment.manufacturer,
        "model": equipment.model,
        "serial_number": equipment.serial_number,
        "firmware_version": equipment.firmware_version,
        "location": equipment.location,
        "acceptance_criteria": equipment.acceptance_criteria,
        "custodian": equipment.custodian,
        "calibration_required": equipment.calibration_required,
        "calibration_interval_months": equipment.calibration_interval_months,
        "check_interval_months": equipment.check_interval_months,
        "methods": list(equipment.methods),
    }


def _wanted_fields(row: ParsedRow, current: dict | None) -> dict:
    """The register fields after this row: empty cells keep what an existing item has."""
    fields = dict(current) if current else {"firmware_version": "", "acceptance_criteria": ""}
    for column, name in _TEXT_COLUMNS.items():
        if row[column] is not None:
            fields[name] = row[column]
        elif current is None:
            fields[name] = ""
    interval = row["calibration_interval_months"]
    if interval is not None:
        fields["calibration_interval_months"] = interval
        fields["calibration_required"] = True
    elif current is None:
        fields["calibration_interval_months"] = None
        fields["calibration_required"] = False
    if row["check_interval_months"] is not None or current is None:
        fields["check_interval_months"] = row["check_interval_months"]
    if row.resolved.get("methods") is not None:
        fields["methods"] = row.resolved["methods"]
    elif current is None:
        fields["methods"] = []
    fields.setdefault("custodian", None)
    return fields


def _comparable(fields: dict) -> dict:
    return {
        **fields,
        "custodian": fields["custodian"].id if fields.get("custodian") else None,
        "methods": sorted(m.id for m in fields.get("methods", [])),
    }


def check_equipment_row(row: ParsedRow, ctx: EquipmentContext):
    if row["methods"] is not None:
        found, unknown = [], []
        for code in row["methods"]:
            method = ctx.method(code)
            (found if method is not None else unknown).append(method or code)
        if unknown:
            yield RowError(
                "methods",
                f"no method has the code {', '.join(unknown)}; add it to the scope first",
            )
            return
        row.resolved["methods"] = found
    equipment = ctx.equipment(row["asset_id"])
    current = _register_fields(equipment) if equipment is not None else None
    fields = _wanted_fields(row, current)
    row.resolved.update(equipment=equipment, fields=fields, outcome=CREATE)
    if equipment is None:
        return
    status = row["status"]
    status_changes = status is not None and status != equipment.status
    returning = (
        status_changes
        and status == EquipmentStatus.IN_SERVICE.value
        and equipment.status_enum in services.NEEDS_VERIFICATION
    )
    if returning and services.verification_since_status_change(equipment) is None:
        yield RowError(
            "status",
            f"{equipment.asset_id} is {equipment.status_label}; it returns to service only "
            "after a passing calibration or check recorded after its status changed "
            "(6.4.4): record that first",
        )
        return
    changed = _comparable(fields) != _comparable(current) or status_changes
    row.resolved["outcome"] = UPDATE if changed else UNCHANGED


def apply_equipment(rows: list[ParsedRow], ctx: EquipmentContext) -> ImportSummary:
    summary = _preview(rows, ctx)
    for row in rows:
        outcome = row.resolved["outcome"]
        if outcome == UNCHANGED:
            continue
        fields = row.resolved["fields"]
        try:
            if outcome == CREATE:
                ctx._equipment[row["asset_id"]] = services.create_equipment(
                    asset_id=row["asset_id"],
                    status=row["status"] or EquipmentStatus.IN_SERVICE.value,
                    by=ctx.by,
                    **fields,
                )
                continue
            equipment = row.resolved["equipment"]
            services.update_equipment(equipment, by=ctx.by, reason=_reason(ctx), **fields)
            if row["status"] is not None and row["status"] != equipment.status:
                services.change_status(equipment, row["status"], by=ctx.by, reason=_reason(ctx))
        except EquipmentError as exc:
            raise RowError(None, str(exc), row=row.number) from None
    return summary


EQUIPMENT = ImportSpec(
    name="equipment",
    columns=[
        Column("asset_id", parse=asset_id_field, required=True),
        Column("description", parse=squashed(300), required=True),
        Column("type", parse=squashed(120)),
        Column("manufacturer", parse=squashed(120)),
        Column("model", parse=squashed(120)),
        Column("serial_number", parse=squashed(120)),
        Column("location", parse=squashed(120)),
        Column("status", parse=status_field),
        Column("calibration_interval_months", parse=int_field(minimum=1, maximum=120)),
        Column("check_interval_months", parse=int_field(minimum=1, maximum=120)),
        Column("methods", parse=list_field(text_field(max_length=40), separator=";")),
    ],
    unique=["asset_id"],
    check_row=check_equipment_row,
    apply=apply_equipment,
    preview=_preview,
)


# --- providers --------------------------------------------------------------------------------

_PROVIDER_COLUMNS = {
    "accreditation_body": "accreditation_body",
    "accreditation_number": "accreditation_number",
    "accreditation_expires_on": "accreditation_expires_on",
    "scope": "scope",
}


def check_provider_row(row: ParsedRow, ctx: EquipmentContext):
    if row["name"].casefold() == services.IN_HOUSE:
        yield RowError(
            "name", f'"{services.IN_HOUSE}" means the lab itself and cannot name a provider'
        )
        return
    provider = ctx.provider(row["name"])
    row.resolved.update(provider=provider, outcome=CREATE)
    if provider is None:
        return
    changes = {
        name: row[column]
        for column, name in _PROVIDER_COLUMNS.items()
        if row[column] is not None and row[column] != getattr(provider, name)
    }
    if row["name"] != provider.name:
        changes["name"] = row["name"]
    row.resolved.update(changes=changes, outcome=UPDATE if changes else UNCHANGED)


def check_provider_rows(rows: list[ParsedRow], ctx: EquipmentContext):
    """Names are one provider whatever their case."""
    first: dict[str, int] = {}
    for row in rows:
        earlier = first.setdefault(row["name"].casefold(), row.number)
        if earlier != row.number:
            yield RowError("name", f"same provider as row {earlier}", row=row.number)


def apply_providers(rows: list[ParsedRow], ctx: EquipmentContext) -> ImportSummary:
    summary = _preview(rows, ctx)
    for row in rows:
        outcome = row.resolved["outcome"]
        try:
            if outcome == CREATE:
                services.create_provider(
                    by=ctx.by,
                    name=row["name"],
                    **{
                        name: row[column] or _empty(name)
                        for column, name in _PROVIDER_COLUMNS.items()
                    },
                )
            elif outcome == UPDATE:
                services.update_provider(
                    row.resolved["provider"],
                    by=ctx.by,
                    reason=_reason(ctx),
                    **row.resolved["changes"],
                )
        except EquipmentError as exc:
            raise RowError(None, str(exc), row=row.number) from None
    return summary


def _empty(name: str):
    return None if name.endswith("_on") else ""


PROVIDERS = ImportSpec(
    name="providers",
    columns=[
        Column("name", parse=squashed(200), required=True),
        Column("accreditation_body", parse=squashed(120)),
        Column("accreditation_number", parse=squashed(80)),
        Column("accreditation_expires_on", parse=date_field),
        Column("scope", parse=text_field(max_length=4000)),
    ],
    check_row=check_provider_row,
    check_rows=check_provider_rows,
    apply=apply_providers,
    preview=_preview,
)


# --- calibrations -----------------------------------------------------------------------------


def _same_event(event: CalibrationEvent, row: ParsedRow, provider: Provider | None) -> list[str]:
    """The columns where an existing calibration differs from the row."""
    differs = []
    if event.provider_id != (provider.id if provider else None):
        differs.append("provider")
    if event.certificate_number != (row["certificate_number"] or ""):
        differs.append("certificate_number")
    for column in ("as_found", "as_left"):
        if getattr(event, column) != row[column]:
            differs.append(column)
    if row["due_on"] is not None and event.stated_due_on != row["due_on"]:
        differs.append("due_on")
    return differs


def check_calibration_row(row: ParsedRow, ctx: EquipmentContext):
    equipment = ctx.equipment(row["asset_id"])
    if equipment is None:
        yield RowError("asset_id", f"no equipment has the asset id {row['asset_id']}")
        return
    provider = None
    if row["provider"].casefold() != services.IN_HOUSE:
        provider = ctx.provider(row["provider"])
        if provider is None:
            yield RowError(
                "provider",
                f'no provider is named "{row["provider"]}"; import it first or write '
                f"{services.IN_HOUSE}",
            )
            return
    row.resolved.update(equipment=equipment, provider=provider, outcome=CREATE)
    if row["calibrated_on"] > ctx.today:
        yield RowError(
            "calibrated_on",
            f"{row['calibrated_on'].isoformat()} is in the future (today is "
            f"{ctx.today.isoformat()})",
        )
    if row["due_on"] is not None and row["due_on"] <= row["calibrated_on"]:
        yield RowError(
            "due_on",
            f"{row['due_on'].isoformat()} is not after the calibration date "
            f"{row['calibrated_on'].isoformat()}",
        )
    if (
        row["due_on"] is None
        and equipment.calibration_required
        and equipment.calibration_interval_months is None
    ):
        yield RowError(
            "due_on",
            f"{equipment.asset_id} has no calibration interval; give the due date stated on "
            "the certificate, or set the interval in the equipment import",
        )
    if equipment.status == EquipmentStatus.RETIRED.value:
        yield RowError("asset_id", f"{equipment.asset_id} is retired")
    existing = db.session.scalar(
        select(CalibrationEvent).where(
            CalibrationEvent.equipment_id == equipment.id,
            CalibrationEvent.calibrated_on == row["calibrated_on"],
            CalibrationEvent.is_current_clause(),
        )
    )
    if existing is None:
        return
    differs = _same_event(existing, row, provider)
    if differs:
        yield RowError(
            differs[0],
            f"{equipment.asset_id} already has a calibration on "
            f"{row['calibrated_on'].isoformat()} with "
            + ", ".join(f"{c} {_shown(_event_value(existing, c))}" for c in differs)
            + "; calibration records are never overwritten: correct it in the app",
        )
        return
    row.resolved["outcome"] = UNCHANGED


def _event_value(event: CalibrationEvent, column: str):
    if column == "provider":
        return event.provider.name if event.provider else services.IN_HOUSE
    if column == "due_on":
        return event.stated_due_on
    return getattr(event, column)


def apply_calibrations(rows: list[ParsedRow], ctx: EquipmentContext) -> ImportSummary:
    """Oldest first per item, so each out-of-tolerance result finds the calibration before it;
    then an item whose newest calibration left it out of tolerance is quarantined."""
    summary = _preview(rows, ctx)
    touched: dict[int, Equipment] = {}
    new_rows = [row for row in rows if row.resolved["outcome"] == CREATE]
    for row in sorted(new_rows, key=lambda r: (r["asset_id"], r["calibrated_on"], r.number)):
        equipment = row.resolved["equipment"]
        try:
            services.record_calibration(
                equipment,
                CalibrationInput(
                    calibrated_on=row["calibrated_on"],
                    as_found=row["as_found"],
                    as_left=row["as_left"],
                    provider=row.resolved["provider"],
                    certificate_number=row["certificate_number"] or "",
                    stated_due_on=row["due_on"],
                    notes=_reason(ctx),
                ),
                by=ctx.by,
                source=services.IMPORT,
                quarantine_if_out=False,
            )
        except EquipmentError as exc:
            raise RowError(None, str(exc), row=row.number) from None
        touched[equipment.id] = equipment
    for equipment in touched.values():
        services.quarantine_if_left_out(equipment, by=ctx.by)
    return summary


CALIBRATIONS = ImportSpec(
    name="calibrations",
    columns=[
        Column("asset_id", parse=asset_id_field, required=True),
        Column("calibrated_on", parse=date_field, required=True),
        Column("provider", parse=squashed(200), required=True),
        Column("certificate_number", parse=squashed(120)),
        Column("as_found", parse=tolerance_field(Tolerance.IN, Tolerance.OUT), required=True),
        Column("as_left", parse=tolerance_field(*Tolerance), required=True),
        Column("due_on", parse=date_field),
    ],
    unique=[("asset_id", "calibrated_on")],
    check_row=check_calibration_row,
    apply=apply_calibrations,
    preview=_preview,
)


# --- the registered kinds ---------------------------------------------------------------------


def _runner(spec: ImportSpec):
    def run(
        source: str | os.PathLike[str] | Upload,
        *,
        date_format: str | None = None,
        apply: bool = True,
        by=None,
    ) -> ImportResult:
        name = source.filename if isinstance(source, Upload) else os.path.basename(str(source))
        ctx = EquipmentContext(today=lab_today(), by=by, file=name)
        return run_import(source, spec, ctx=ctx, date_format=date_format, apply=apply)

    return run


run_equipment = _runner(EQUIPMENT)
run_providers = _runner(PROVIDERS)
run_calibrations = _runner(CALIBRATIONS)


def _columns(spec: ImportSpec) -> str:
    return ",".join(spec.column_names)


KINDS = [
    ImportKind(
        "providers",
        "Calibration providers",
        _columns(PROVIDERS),
        Permission.EQUIPMENT_MANAGE,
        run_providers,
        60,
    ),
    ImportKind(
        "equipment",
        "Equipment",
        _columns(EQUIPMENT),
        Permission.EQUIPMENT_MANAGE,
        run_equipment,
        65,
    ),
    ImportKind(
        "calibrations",
        "Calibration history",
        _columns(CALIBRATIONS),
        Permission.EQUIPMENT_MANAGE,
        run_calibrations,
        70,
    ),
]

for _kind in KINDS:
    register_import(_kind)
