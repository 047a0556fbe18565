"""The all-or-nothing import run: read, parse and check every row, then apply once or not at all."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Generic, TypeVar

from .errors import FieldError, ImportProblem, ReadError, RowError
from .fields import Column, ParseOptions, check_date_format, is_empty
from .reader import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, Table, read_table, read_upload

Ctx = TypeVar("Ctx")


@dataclass
class ParsedRow:
    """One data row after parsing: `row["hired_on"]` is a date or None.

    `present` names the columns the file has (an absent optional column reads as None, like an
    empty cell; a domain that must tell them apart looks here). `check_row` may stash what it looked
    up in `resolved` so `apply` need not look it up again.
    """

    number: int
    values: dict[str, Any]
    present: frozenset[str]
    resolved: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, column: str) -> Any:
        return self.values[column]

    def get(self, column: str, default: Any = None) -> Any:
        return self.values.get(column, default)


@dataclass
class ImportSummary:
    """What `apply` did (or `preview` says it would do), counted in rows."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def describe(self, *, preview: bool = False) -> str:
        if preview:
            parts = [(self.created, "to create"), (self.updated, "to update")]
        else:
            parts = [(self.created, "created"), (self.updated, "updated")]
        parts.append((self.unchanged, "unchanged"))
        shown = [f"{count} {label}" for count, label in parts if count]
        return ", ".join(shown) if shown else "no changes"


@dataclass(frozen=True)
class ImportSpec(Generic[Ctx]):
    """What a domain declares for one import.

    - `columns`: the accepted columns; any other column in the file is an error.
    - `check_row(row, ctx)`: rules needing lookups (ctx carries them). It may raise one RowError,
      or yield/return several; it runs only on rows whose cells all parsed.
    - `unique`: column names or tuples of them that must not repeat within the file; a repeat is
      reported on the later row, naming the earlier one.
    - `check_rows(rows, ctx)`: any other cross-row rule, over the rows whose cells all parsed;
      yields RowErrors with `row=` given.
    - `apply(rows, ctx)`: writes everything (flushes, never commits) and counts what it did; it
      must leave unchanged rows unchanged so re-importing a file changes nothing. It may raise
      RowError(row=...) for a rule only visible while writing; the caller then rolls back.
    - `preview(rows, ctx)`: optional; counts what `apply` would do without writing.
    """

    name: str
    columns: Sequence[Column]
    apply: Callable[[list[ParsedRow], Ctx], ImportSummary]
    check_row: Callable[[ParsedRow, Ctx], Iterable[RowError] | None] | None = None
    unique: Sequence[str | tuple[str, ...]] = ()
    check_rows: Callable[[list[ParsedRow], Ctx], Iterable[RowError] | None] | None = None
    preview: Callable[[list[ParsedRow], Ctx], ImportSummary] | None = None

    def __post_init__(self) -> None:
        names = [column.name for column in self.columns]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"{self.name}: columns declared twice: {', '.join(repeated)}")
        for key in self.unique:
            unknown = [part for part in _key_columns(key) if part not in names]
            if unknown:
                raise ValueError(f"{self.name}: unique key names unknown columns: {unknown}")

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


@dataclass
class ImportResult:
    """The outcome of `run_import`. Nothing was written unless `applied` is true."""

    file: str
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)
    summary: ImportSummary | None = None
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_lines(self) -> list[str]:
        return [str(error) for error in self.errors]

    def errors_by_row(self) -> dict[int | None, list[ImportProblem]]:
        grouped: dict[int | None, list[ImportProblem]] = {}
        for error in self.errors:
            grouped.setdefault(error.row, []).append(error)
        return grouped

    def summary_line(self) -> str:
        """E.g. `staff.csv: 12 rows, 3 created, 9 unchanged`, or the error count if it failed."""
        if self.errors:
            bad_rows = {error.row for error in self.errors if error.row is not None}
            errors = _plural(len(self.errors), "error")
            where = f" in {_plural(len(bad_rows), 'row')}" if len(bad_rows) > 1 else ""
            return f"{self.file}: {errors}{where}; nothing written"
        line = f"{self.file}: {_plural(len(self.rows), 'row')}"
        if self.summary is not None:
            line += f", {self.summary.describe(preview=not self.applied)}"
        if not self.applied:
            line += " (preview, nothing written)"
        return line


@dataclass(frozen=True)
class Upload:
    """An uploaded import file: the name it came with and its bytes (or a binary stream)."""

    filename: str
    data: bytes | IO[bytes]


def run_import(
    source: str | os.PathLike[str] | Upload,
    spec: ImportSpec[Ctx],
    *,
    ctx: Ctx,
    date_format: str | None = None,
    apply: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> ImportResult:
    """Validate every row of `source`; if all are good, call `spec.apply` once (or, with
    `apply=False`, only `spec.preview`). Any error means apply is never called.

    Problems with the file or its rows come back in `ImportResult.errors`; a `date_format` that
    cannot read a date raises ValueError (check it up front with `check_date_format`).
    """
    if date_format is not None:
        check_date_format(date_format)
    try:
        if isinstance(source, Upload):
            table = read_upload(
                source.data, source.filename, max_bytes=max_bytes, max_rows=max_rows
            )
        else:
            table = read_table(source, max_bytes=max_bytes, max_rows=max_rows)
    except ReadError as exc:
        return ImportResult(file=exc.problem.file, errors=[exc.problem])
    return run_table(table, spec, ctx=ctx, date_format=date_format, apply=apply)


def run_table(
    table: Table,
    spec: ImportSpec[Ctx],
    *,
    ctx: Ctx,
    date_format: str | None = None,
    apply: bool = True,
) -> ImportResult:
    """`run_import` for a table already read."""
    result = ImportResult(file=table.name)
    positions, header_errors = _match_header(table, spec)
    if header_errors:
        result.errors = header_errors
        return result

    options = ParseOptions(date_format=date_format)
    present = frozenset(positions)
    clean: list[ParsedRow] = []
    errors: list[ImportProblem] = []
    failed_cells: set[tuple[int, str]] = set()
    for sheet_row in table.rows:
        row, row_errors = _parse_row(
            table.name, sheet_row.number, sheet_row.cells, spec, positions, options, present
        )
        result.rows.append(row)
        errors.extend(row_errors)
        failed_cells.update((row.number, error.column or "") for error in row_errors)
        if row_errors:
            continue
        clean.append(row)
        if spec.check_row is not None:
            errors.extend(_collect(table.name, row.number, lambda r=row: spec.check_row(r, ctx)))

    errors.extend(_duplicates(table.name, result.rows, spec.unique, failed_cells))
    if spec.check_rows is not None:
        errors.extend(_collect(table.name, None, lambda: spec.check_rows(clean, ctx)))

    if errors:
        errors.sort(key=lambda error: error.row or 0)  # stable: keeps column order within a row
        result.errors = errors
        return result

    if not apply:
        result.summary = spec.preview(result.rows, ctx) if spec.preview is not None else None
        return result
    try:
        result.summary = spec.apply(result.rows, ctx)
    except RowError as exc:
        result.errors = [ImportProblem(table.name, exc.row, exc.column, exc.message)]
        result.summary = None
        return result
    result.applied = True
    return result


def _match_header(
    table: Table, spec: ImportSpec[Any]
) -> tuple[dict[str, int], list[ImportProblem]]:
    """Map each declared column present in the file to its position; report header problems."""
    expected = spec.column_names
    positions: dict[str, int] = {}
    problems: list[ImportProblem] = []
    unknown: list[str] = []
    for index, raw in enumerate(table.header):
        name = raw.strip().lower()
        if not name:
            first = next((row.number for row in table.rows if _has_value(row.cells, index)), None)
            if first is not None:
                problems.append(
                    ImportProblem(
                        table.name,
                        first,
                        None,
                        f"column {_column_letter(index)} has a value but no column name in row 1",
                    )
                )
            continue
        if name in positions:
            problems.append(ImportProblem(table.name, 1, raw.strip(), "column appears twice"))
        elif name in expected:
            positions[name] = index
        else:
            unknown.append(raw.strip())
    for name in unknown:
        problems.append(
            ImportProblem(
                table.name, 1, name, f"unknown column; the columns are {', '.join(expected)}"
            )
        )
    for column in spec.columns:
        if column.required and column.name not in positions:
            problems.append(ImportProblem(table.name, 1, column.name, "required column is missing"))
    extra = [
        row.number
        for row in table.rows
        if any(not is_empty(c) for c in row.cells[len(table.header) :])
    ]
    if extra:
        problems.append(
            ImportProblem(
                table.name,
                extra[0],
                None,
                f"has values to the right of the last named column (column "
                f"{_column_letter(len(table.header))} onwards)",
            )
        )
    problems.sort(key=lambda problem: problem.row or 0)
    return positions, problems


def _parse_row(
    file: str,
    number: int,
    cells: tuple[Any, ...],
    spec: ImportSpec[Any],
    positions: dict[str, int],
    options: ParseOptions,
    present: frozenset[str],
) -> tuple[ParsedRow, list[ImportProblem]]:
    values: dict[str, Any] = {}
    errors: list[ImportProblem] = []
    for column in spec.columns:
        index = positions.get(column.name)
        raw = cells[index] if index is not None and index < len(cells) else None
        values[column.name] = None
        if is_empty(raw):
            if column.required:
                errors.append(ImportProblem(file, number, column.name, "a value is required"))
            continue
        try:
            values[column.name] = column.parse(raw, options)
        except FieldError as exc:
            errors.append(ImportProblem(file, number, column.name, str(exc)))
    return ParsedRow(number=number, values=values, present=present), errors


def _collect(
    file: str, number: int | None, check: Callable[[], Iterable[RowError] | None]
) -> list[ImportProblem]:
    """Run a domain check that raises a RowError or yields/returns several."""
    problems: list[ImportProblem] = []

    def add(error: RowError) -> None:
        row = error.row if error.row is not None else number
        problems.append(ImportProblem(file, row, error.column, error.message))

    try:
        found = check()
        for error in found or ():
            add(error)
    except RowError as exc:
        add(exc)
    return problems


def _duplicates(
    file: str,
    rows: list[ParsedRow],
    unique: Sequence[str | tuple[str, ...]],
    failed_cells: set[tuple[int, str]],
) -> list[ImportProblem]:
    problems: list[ImportProblem] = []
    for key in unique:
        columns = _key_columns(key)
        first_seen: dict[tuple[Any, ...], int] = {}
        for row in rows:
            if any((row.number, column) in failed_cells for column in columns):
                continue
            value = tuple(row.values[column] for column in columns)
            if any(part is None for part in value):
                continue
            hashable = tuple(tuple(part) if isinstance(part, list) else part for part in value)
            earlier = first_seen.setdefault(hashable, row.number)
            if earlier != row.number:
                names = " and ".join(columns)
                problems.append(
                    ImportProblem(file, row.number, columns[0], f"same {names} as row {earlier}")
                )
    return problems


def _key_columns(key: str | tuple[str, ...]) -> tuple[str, ...]:
    return (key,) if isinstance(key, str) else tuple(key)


def _has_value(cells: tuple[Any, ...], index: int) -> bool:
    return index < len(cells) and not is_empty(cells[index])


def _column_letter(index: int) -> str:
    """Spreadsheet letter for a 0-based column position: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
