"""Which spreadsheet imports exist: each domain registers one ImportKind per import.

A registered kind gets both front doors: `flask --app compliance import NAME FILE` and the
upload -> preview -> confirm pages under /imports/.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from compliance.imports.runner import ImportResult, Upload
from compliance.permissions import Permission

# run(source, *, date_format, apply, by) -> ImportResult; flushes, never commits.
Runner = Callable[..., ImportResult]


@dataclass(frozen=True)
class ImportKind:
    name: str  # "staff": the CLI word and the URL part
    title: str  # "Staff"
    columns: str  # "employee_id,name,email,job_roles,hired_on"
    permission: Permission
    run: Runner
    order: int = 100  # where it stands on the imports page (dependencies first)


KINDS: dict[str, ImportKind] = {}


def register_import(kind: ImportKind) -> ImportKind:
    """Add an import to the CLI group and to the web pages (once per process)."""
    from compliance.imports.cli import import_command

    if kind.name not in KINDS:
        KINDS[kind.name] = kind
        import_command(
            kind.name,
            lambda path, **options: kind.run(path, **options),
            f"{kind.title}: columns {kind.columns}.",
        )
    return kind


def run_upload(kind: ImportKind, *, filename: str, data: bytes, **options) -> ImportResult:
    return kind.run(Upload(filename, data), **options)
