"""Bulk import of an existing document library from a manifest (.csv or .xlsx) of .docx files."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from compliance.dates import lab_today
from compliance.documents.models import Document, DocumentType, Revision, RevisionState
from compliance.documents.services import (
    WorkflowError,
    create_document,
    current_revision,
    document_by_number,
    import_effective_revision,
    validate_clauses,
    validate_label,
    validate_number,
)
from compliance.extensions import db
from compliance.files.services import sha256_hex
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
    date_field,
    email_field,
    int_field,
    run_import,
    text_field,
)
from compliance.uploads.docx import check_docx
from compliance.uploads.errors import UploadRejected
from compliance.users.models import User

# The register entry of a document: every row naming the same number must agree on these.
REGISTER_COLUMNS = ("title", "type", "review_interval_months", "clauses")
# Imported revisions already carry their history; only these states can be "already imported".
_IMPORTED_STATES = {RevisionState.EFFECTIVE.value, RevisionState.SUPERSEDED.value}


# --- cells ----------------------------------------------------------------------------------


def _type_names() -> dict[str, DocumentType]:
    names: dict[str, DocumentType] = {}
    for member in DocumentType:
        names[member.value.casefold()] = member
        names[member.label.casefold()] = member
    # The issue and most labs call it "external document".
    names["external document"] = DocumentType.EXTERNAL
    return names


_TYPE_NAMES = _type_names()


def document_type_field(value: Any, options: ParseOptions) -> DocumentType:
    """A DocumentType by value ("test_method") or label ("Test method"), any case."""
    text = " ".join(cell_text(value).split()).casefold()
    found = _TYPE_NAMES.get(text) or _TYPE_NAMES.get(text.replace(" ", "_"))
    if found is None:
        listed = ", ".join(member.label.lower() for member in DocumentType)
        raise FieldError(f'expected one of {listed}; got "{cell_text(value)}"')
    return found


def number_field(value: Any, options: ParseOptions) -> str:
    """A document number in the lab's scheme, upper-cased (so qp-1 and QP-1 are one document)."""
    try:
        return validate_number(cell_text(value))
    except WorkflowError as exc:
        raise FieldError(str(exc)) from None


def label_scheme_of(label: str) -> str:
    return "numbers" if label.isdigit() else "letters"


def revision_field(value: Any, options: ParseOptions) -> str:
    """A revision label (A, B, ... or 1, 2, ...), upper-cased; the document's scheme is checked
    with the row."""
    text = cell_text(value).upper()
    try:
        return validate_label(text, label_scheme_of(text))
    except WorkflowError as exc:
        raise FieldError(str(exc)) from None


def title_field(value: Any, options: ParseOptions) -> str:
    return " ".join(text_field(max_length=300)(value, options).split())


def clauses_field(value: Any, options: ParseOptions) -> list[str]:
    """Clause numbers separated by spaces (commas and semicolons are forgiven), sorted; the
    catalogue is checked with the row, so one row can report this and its file together."""
    return sorted({piece for piece in re.split(r"[\s,;]+", cell_text(value)) if piece})


COLUMNS = [
    Column("number", parse=number_field, required=True),
    Column("title", parse=title_field, required=True),
    Column("type", parse=document_type_field, required=True),
    Column("revision", parse=revision_field, required=True),
    Column("effective_on", parse=date_field, required=True),
    Column("review_interval_months", parse=int_field(minimum=1, maximum=120), required=True),
    Column("file", parse=text_field(max_length=1000), required=True),
    Column("clauses", parse=clauses_field),
    Column("approved_by", parse=email_field, required=True),
]


# --- lookups shared by the rows -------------------------------------------------------------


@dataclass
class ManifestContext:
    """Where the manifest's files are, the limits, and lookups cached across rows."""

    folder: Path
    max_bytes: int
    today: dt.date
    by: Any = None
    _documents: dict[str, Document | None] = field(default_factory=dict)
    _users: dict[str, User | None] = field(default_factory=dict)

    def document(self, number: str) -> Document | None:
        if number not in self._documents:
            self._documents[number] = document_by_number(number)
        return self._documents[number]

    def remember(self, document: Document) -> Document:
        self._documents[document.number] = document
        return document

    def user(self, email: str) -> User | None:
        if email not in self._users:
            self._users[email] = db.session.scalar(select(User).where(User.email == email))
        return self._users[email]

    def path_of(self, file: str) -> Path:
        return self.folder / file

    def read(self, file: str) -> bytes:
        """The file's bytes, read no further than one byte past the upload limit."""
        with open(self.path_of(file), "rb") as handle:
            return handle.read(self.max_bytes + 1)


# --- the rules ------------------------------------------------------------------------------


def check_row(row: ParsedRow, ctx: ManifestContext):
    """Rules for one row that need the database or the file system."""
    number, label = row["number"], row["revision"]
    document = ctx.document(number)
    if document is not None:
        try:
            validate_label(label, document.label_scheme)
        except WorkflowError as exc:
            yield RowError("revision", str(exc))

    if row["clauses"]:
        try:
            validate_clauses(row["clauses"])
        except WorkflowError as exc:
            yield RowError("clauses", str(exc))

    if row["effective_on"] > ctx.today:
        yield RowError(
            "effective_on",
            f"{row['effective_on'].isoformat()} is in the future (today is "
            f"{ctx.today.isoformat()}); import only revisions already in force and approve "
            "later ones in the app",
        )

    approver = ctx.user(row["approved_by"])
    if approver is None:
        yield RowError("approved_by", f"no user has the e-mail {row['approved_by']}")
    elif not approver.is_active:
        yield RowError(
            "approved_by",
            f"{row['approved_by']} is deactivated; reactivate the account to record them as "
            "the approver",
        )
    else:
        row.resolved["approver"] = approver

    problem = _check_file(row, ctx)
    if problem is not None:
        yield RowError("file", problem)
        return
    if document is None:
        return

    existing = db.session.scalar(
        select(Revision).where(Revision.document_id == document.id, Revision.label == label)
    )
    if existing is not None:
        if existing.file_sha256 != row.resolved["sha256"]:
            yield RowError(
                "file",
                f"{number} revision {label} is already in the register with different content "
                f"(SHA-256 {existing.file_sha256[:12]}…, this file {row.resolved['sha256'][:12]}…)"
                "; a revision is never replaced: give the new file a new revision label",
            )
        elif existing.state not in _IMPORTED_STATES:
            yield RowError(
                "revision",
                f"{number} revision {label} is already in the app ({existing.state_enum.label})"
                "; an import only adds revisions that are not there yet",
            )
        else:
            row.resolved["unchanged"] = True
        return

    effective = current_revision(document)
    started = effective.effective_on if effective is not None else None
    if started is not None and row["effective_on"] <= started:
        yield RowError(
            "effective_on",
            f"{row['effective_on'].isoformat()} is not after {started.isoformat()}, when the "
            f"effective revision {effective.label} of {number} took effect; importing it would "
            "supersede a newer revision",
        )


def _check_file(row: ParsedRow, ctx: ManifestContext) -> str | None:
    """Find, read and vet the row's .docx; remember its hash. Returns the problem, if any."""
    name = row["file"]
    path = ctx.path_of(name)
    if not path.exists():
        return f"{name} does not exist (looked for {path})"
    if not path.is_file():
        return f"{name} is not a file (looked at {path})"
    try:
        data = ctx.read(name)
    except OSError as exc:
        return f"{name} cannot be read: {exc.strerror}"
    try:
        check_docx(data, filename=path.name, max_bytes=ctx.max_bytes)
    except UploadRejected as exc:
        return f"{name}: {exc.message}"
    row.resolved["sha256"] = sha256_hex(data)
    return None


def _label_order(label: str) -> tuple[int, int | str]:
    """A < B < Z < AA and 2 < 10."""
    return (0, int(label)) if label.isdigit() else (len(label), label)


def check_rows(rows: list[ParsedRow], ctx: ManifestContext):
    """Rows naming the same document agree on its register entry and on its revision history."""
    by_number: dict[str, list[ParsedRow]] = defaultdict(list)
    for row in rows:
        group = by_number[row["number"]]
        # A repeated (number, revision) is reported once, by the `unique` rule.
        if all(other["revision"] != row["revision"] for other in group):
            group.append(row)
    for number, group in by_number.items():
        first = group[0]
        for row in group[1:]:
            for column in REGISTER_COLUMNS:
                if row[column] != first[column]:
                    yield RowError(
                        column,
                        f"{_shown(row[column])} differs from row {first.number} "
                        f"({_shown(first[column])}); every row of {number} must give the same "
                        f"{column.replace('_', ' ')}",
                        row=row.number,
                    )
        if ctx.document(number) is None:
            scheme = label_scheme_of(first["revision"])
            mixed = [r for r in group if label_scheme_of(r["revision"]) != scheme]
            for row in mixed:
                yield RowError(
                    "revision",
                    f"'{row['revision']}' does not follow the {scheme} used for {number} in row "
                    f"{first.number}",
                    row=row.number,
                )
            group = [r for r in group if label_scheme_of(r["revision"]) == scheme]
        yield from _check_history(number, group)


def _check_history(number: str, group: list[ParsedRow]):
    """Later revisions take effect later: no two on one day, and no label out of date order."""
    ordered = sorted(group, key=lambda r: (r["effective_on"], r.number))
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if earlier["effective_on"] == later["effective_on"]:
            yield RowError(
                "effective_on",
                f"{number} revisions {earlier['revision']} (row {earlier.number}) and "
                f"{later['revision']} take effect on the same day; only one can be in force",
                row=later.number,
            )
        elif _label_order(later["revision"]) < _label_order(earlier["revision"]):
            yield RowError(
                "effective_on",
                f"{number} revision {later['revision']} takes effect after revision "
                f"{earlier['revision']} (row {earlier.number}, {earlier['effective_on']}); "
                "check the dates or the labels",
                row=later.number,
            )


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return f'"{" ".join(value)}"' if value else "none"
    if isinstance(value, DocumentType):
        return f'"{value.label.lower()}"'
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


# --- writing --------------------------------------------------------------------------------


def _in_effective_order(rows: list[ParsedRow]) -> list[ParsedRow]:
    # Oldest first, so each newer revision supersedes the one before it.
    return sorted(rows, key=lambda r: (r["effective_on"], _label_order(r["revision"]), r.number))


def preview(rows: list[ParsedRow], ctx: ManifestContext) -> ImportSummary:
    unchanged = sum(1 for row in rows if row.resolved.get("unchanged"))
    return ImportSummary(created=len(rows) - unchanged, unchanged=unchanged)


def apply(rows: list[ParsedRow], ctx: ManifestContext) -> ImportSummary:
    """Register new documents and import each new revision as effective, oldest first."""
    summary = preview(rows, ctx)
    new_rows = _in_effective_order([row for row in rows if not row.resolved.get("unchanged")])
    newest: dict[str, ParsedRow] = {row["number"]: row for row in new_rows}
    for row in new_rows:
        try:
            document = ctx.document(row["number"])
            if document is None:
                document = ctx.remember(_register(newest[row["number"]], ctx))
            data = ctx.read(row["file"])
            if sha256_hex(data) != row.resolved["sha256"]:
                raise RowError("file", f"{row['file']} changed while the manifest was imported")
            import_effective_revision(
                document,
                data=data,
                filename=ctx.path_of(row["file"]).name,
                label=row["revision"],
                effective_on=row["effective_on"],
                approved_by=row.resolved["approver"],
                by=ctx.by,
            )
        except RowError as exc:
            raise RowError(exc.column, exc.message, row=row.number) from None
        except OSError as exc:
            raise RowError(
                "file", f"{row['file']} cannot be read: {exc.strerror}", row=row.number
            ) from None
        except UploadRejected as exc:
            raise RowError("file", f"{row['file']}: {exc.message}", row=row.number) from None
        except WorkflowError as exc:
            raise RowError(None, str(exc), row=row.number) from None
    return summary


def _register(row: ParsedRow, ctx: ManifestContext) -> Document:
    """The register entry of a new document, from its newest row; owned by that approver."""
    return create_document(
        number=row["number"],
        title=row["title"],
        doc_type=row["type"].value,
        owner=row.resolved["approver"],
        review_interval_months=row["review_interval_months"],
        clauses=row["clauses"] or (),
        audiences=(),
        label_scheme=label_scheme_of(row["revision"]),
        by=ctx.by,
    )


MANIFEST = ImportSpec(
    name="document library",
    columns=COLUMNS,
    check_row=check_row,
    unique=[("number", "revision")],
    check_rows=check_rows,
    apply=apply,
    preview=preview,
)


def import_manifest(
    path: str | os.PathLike[str],
    *,
    date_format: str | None = None,
    apply: bool = True,
    by=None,
) -> ImportResult:
    """Validate every row of the manifest at `path` and, if all are good and `apply`, import
    them (flushes, never commits: the caller commits on success and rolls back otherwise).

    `file` cells are read relative to the manifest's folder. A bad `date_format` raises
    ValueError.
    """
    ctx = ManifestContext(
        folder=Path(path).resolve().parent,
        max_bytes=current_app.config["UPLOAD_MAX_BYTES"],
        today=lab_today(),
        by=by,
    )
    return run_import(path, MANIFEST, ctx=ctx, date_format=date_format, apply=apply)
