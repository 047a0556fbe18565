"""`flask --app compliance import methods FILE`: the scope from a spreadsheet.

Columns: code,title,procedure_number,equipment,pt_interval_months. A row creates the method
(in scope) or updates the one with that code. A column present in the file is the truth for
every row, an empty cell included (no procedure, no listed assets, no PT interval); a column
left out of the file leaves that field alone. `equipment` lists asset ids separated by `;`,
stored as the method's by-asset equipment requirements; whether those assets exist in the
equipment register is the equipment domain's check, not the import's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from compliance.documents.models import Document
from compliance.documents.services import document_by_number
from compliance.imports import (
    Column,
    FieldError,
    ImportResult,
    ImportSpec,
    ImportSummary,
    ParsedRow,
    ParseOptions,
    RowError,
    cell_text,
    int_field,
    list_field,
    run_import,
    text_field,
)
from compliance.imports.registry import ImportKind, register_import
from compliance.imports.runner import Upload
from compliance.permissions import Permission
from compliance.scope import services
from compliance.scope.models import Method


def code_field(value: Any, options: ParseOptions) -> str:
    try:
        return services.validate_code(cell_text(value))
    except services.ScopeError as exc:
        raise FieldError(str(exc)) from None


def asset_field(value: Any, options: ParseOptions) -> str:
    try:
        return services.validate_asset_id(cell_text(value))
    except services.ScopeError as exc:
        raise FieldError(str(exc)) from None


def title_field(value: Any, options: ParseOptions) -> str:
    return " ".join(text_field(max_length=300)(value, options).split())


COLUMNS = [
    Column("code", parse=code_field, required=True),
    Column("title", parse=title_field, required=True),
    Column("procedure_number", parse=text_field(max_length=40)),
    Column("equipment", parse=list_field(asset_field, separator=";")),
    Column("pt_interval_months", parse=int_field(minimum=1, maximum=120)),
]


@dataclass
class MethodsContext:
    by: Any = None
    _methods: dict[str, Method | None] = field(default_factory=dict)
    _documents: dict[str, Document | None] = field(default_factory=dict)

    def method(self, code: str) -> Method | None:
        if code not in self._methods:
            self._methods[code] = services.method_by_code(code)
        return self._methods[code]

    def document(self, number: str) -> Document | None:
        key = number.strip().upper()
        if key not in self._documents:
            self._documents[key] = document_by_number(key)
        return self._documents[key]


def _wanted(row: ParsedRow, ctx: MethodsContext) -> dict:
    """The fields this row sets, as update_method takes them (only the columns present)."""
    wanted: dict[str, Any] = {"title": row["title"]}
    if "procedure_number" in row.present:
        wanted["procedure"] = row.resolved.get("procedure")
    if "pt_interval_months" in row.present:
        wanted["pt_interval_months"] = row["pt_interval_months"]
    return wanted


def _differs(method: Method, row: ParsedRow, ctx: MethodsContext) -> bool:
    wanted = _wanted(row, ctx)
    if method.title != wanted["title"]:
        return True
    if "procedure" in wanted and method.procedure_id != getattr(wanted["procedure"], "id", None):
        return True
    if "pt_interval_months" in wanted and method.pt_interval_months != wanted["pt_interval_months"]:
        return True
    return "equipment" in row.present and sorted(method.asset_ids) != sorted(row["equipment"] or [])


def check_row(row: ParsedRow, ctx: MethodsContext):
    number = row["procedure_number"]
    if number:
        document = ctx.document(number)
        if document is None:
            yield RowError(
                "procedure_number",
                f"no document {number.upper()} in the register; register the procedure first",
            )
            return
        row.resolved["procedure"] = document
    method = ctx.method(row["code"])
    if method is None:
        row.resolved["action"] = "create"
    else:
        row.resolved["method"] = method
        row.resolved["action"] = "update" if _differs(method, row, ctx) else "unchanged"


def preview(rows: list[ParsedRow], ctx: MethodsContext) -> ImportSummary:
    actions = [row.resolved["action"] for row in rows]
    return ImportSummary(
        created=actions.count("create"),
        updated=actions.count("update"),
        unchanged=actions.count("unchanged"),
    )


def apply(rows: list[ParsedRow], ctx: MethodsContext) -> ImportSummary:
    """Create or update each method; unchanged rows write nothing (no audit entry either)."""
    summary = preview(rows, ctx)
    for row in rows:
        action = row.resolved["action"]
        if action == "unchanged":
            continue
        try:
            wanted = _wanted(row, ctx)
            if action == "create":
                method = services.create_method(
                    code=row["code"],
                    title=wanted["title"],
                    procedure=wanted.get("procedure"),
                    pt_interval_months=wanted.get("pt_interval_months"),
                    by=ctx.by,
                )
            else:
                method = row.resolved["method"]
                services.update_method(method, by=ctx.by, reason="methods import", **wanted)
            if "equipment" in row.present:
                services.set_required_assets(method, row["equipment"] or [], by=ctx.by)
        except services.ScopeError as exc:
            raise RowError(None, str(exc), row=row.number) from None
    return summary


METHODS = ImportSpec(
    name="methods",
    columns=COLUMNS,
    check_row=check_row,
    unique=["code"],
    apply=apply,
    preview=preview,
)


def import_methods(
    source: str | os.PathLike[str] | Upload,
    *,
    date_format: str | None = None,
    apply: bool = True,
    by=None,
) -> ImportResult:
    """Check every row and, if all are good and `apply`, write them (flushes, never commits)."""
    return run_import(
        source, METHODS, ctx=MethodsContext(by=by), date_format=date_format, apply=apply
    )


METHODS_IMPORT = register_import(
    ImportKind(
        name="methods",
        title="Methods on the scope",
        columns="code,title,procedure_number,equipment,pt_interval_months",
        permission=Permission.SCOPE_MANAGE,
        run=import_methods,
        order=30,  # after documents (procedures), before anything that names a method
    )
)
