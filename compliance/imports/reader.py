"""Reading a .csv or .xlsx import file into a header and numbered rows of raw cell values."""

from __future__ import annotations

import csv
import io
import os
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import openpyxl

from .errors import ImportProblem, ReadError
from .fields import cell_text, is_empty

SUPPORTED_EXTENSIONS = (".csv", ".xlsx")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_ROWS = 100_000
# openpyxl reads the whole shared-strings part into memory even in read-only mode, so a small
# .xlsx that inflates to gigabytes must be refused before it is opened: an .xlsx may unpack to at
# most this many times the file size limit (200 MB by default), far above real spreadsheets.
XLSX_UNPACKED_FACTOR = 10


@dataclass(frozen=True)
class SheetRow:
    """A non-empty data row: its spreadsheet row number and its cells, left to right."""

    number: int
    cells: tuple[Any, ...]


@dataclass(frozen=True)
class Table:
    """A file as read: display name, header cells (as text) and non-empty data rows."""

    name: str
    header: tuple[str, ...]
    rows: tuple[SheetRow, ...]


def read_table(
    path: str | os.PathLike[str],
    *,
    display_name: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> Table:
    """Read a file named on the command line; errors name it as given. Raises ReadError."""
    name = display_name if display_name is not None else os.fspath(path)
    _check_extension(name, os.fspath(path))
    try:
        size = os.stat(path).st_size
        _check_size(name, size, max_bytes)
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise ReadError(
            ImportProblem(name, None, None, f"cannot be read: {exc.strerror}")
        ) from None
    _check_size(name, len(data), max_bytes)  # the file may have grown since stat()
    return _parse(name, os.fspath(path), data, max_bytes, max_rows)


def read_upload(
    source: bytes | IO[bytes],
    filename: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> Table:
    """Read an uploaded file (its bytes or a binary stream, and the name it was uploaded as).

    A stream is read no further than the size limit. Raises ReadError.
    """
    name = os.path.basename(filename.replace("\\", "/")) or "upload"
    _check_extension(name, name)
    data = source if isinstance(source, bytes) else source.read(max_bytes + 1)
    _check_size(name, len(data), max_bytes)
    return _parse(name, name, data, max_bytes, max_rows)


def _check_extension(name: str, filename: str) -> None:
    extension = os.path.splitext(filename)[1].lower()
    if extension not in SUPPORTED_EXTENSIONS:
        shown = f'"{extension}"' if extension else "no extension"
        raise ReadError(
            ImportProblem(name, None, None, f"has {shown}; import files must be .csv or .xlsx")
        )


def _check_size(name: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise ReadError(
            ImportProblem(
                name,
                None,
                None,
                f"is larger than the import limit of {_megabytes(max_bytes)}; split it into "
                "smaller files",
            )
        )


def _megabytes(size: int) -> str:
    if size >= 2**20:
        return f"{size / 2**20:.3g} MB"
    if size >= 2**10:
        return f"{size / 2**10:.3g} KB"
    return f"{size} bytes"


def _parse(name: str, filename: str, data: bytes, max_bytes: int, max_rows: int) -> Table:
    if filename.lower().endswith(".xlsx"):
        return _xlsx_table(name, data, max_rows, XLSX_UNPACKED_FACTOR * max_bytes)
    return _table(name, _csv_records(name, data), max_rows)


def _table(name: str, records: Iterable[tuple[Any, ...]], max_rows: int) -> Table:
    """Number the records as the spreadsheet shows them and drop the empty ones."""
    records = iter(records)
    header = next(records, None)
    if header is None or all(is_empty(cell) for cell in header):
        raise ReadError(
            ImportProblem(name, 1, None, "row 1 must hold the column names, but it is empty")
        )
    rows: list[SheetRow] = []
    for number, cells in enumerate(records, start=2):
        if all(is_empty(cell) for cell in cells):
            continue
        if len(rows) == max_rows:
            raise ReadError(
                ImportProblem(
                    name,
                    number,
                    None,
                    f"the file has more than {max_rows} data rows, the import limit; split it "
                    "into smaller files",
                )
            )
        rows.append(SheetRow(number, tuple(cells)))
    return Table(
        name, tuple(cell_text(cell) if cell is not None else "" for cell in header), tuple(rows)
    )


def _csv_records(name: str, data: bytes) -> Iterator[tuple[str, ...]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(_not_utf8(name, data, exc)) from None
    first_line = text.split("\n", 1)[0]
    # Excel in many European locales saves "CSV" separated by semicolons; headers never hold either.
    delimiter = ","
    if "," not in first_line:
        if ";" in first_line:
            delimiter = ";"
        elif "\t" in first_line:
            delimiter = "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for record in reader:
            yield tuple(record)
    except csv.Error as exc:
        raise ReadError(
            ImportProblem(name, reader.line_num, None, f"is not valid CSV here: {exc}")
        ) from None


def _not_utf8(name: str, data: bytes, exc: UnicodeDecodeError) -> ImportProblem:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ImportProblem(
            name, None, None, 'is UTF-16 text; save it as "CSV UTF-8 (comma delimited)"'
        )
    line = data.count(b"\n", 0, exc.start) + 1
    return ImportProblem(
        name,
        line,
        None,
        f"line {line} is not UTF-8 text (byte 0x{data[exc.start]:02X}); save the file as "
        '"CSV UTF-8 (comma delimited)" and import it again',
    )


def _xlsx_table(name: str, data: bytes, max_rows: int, max_unpacked: int) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(entry.file_size for entry in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise ReadError(
            ImportProblem(
                name,
                None,
                None,
                "is not a valid .xlsx file (an .xlsx is a zip archive; this one is not, so it "
                "may be an old .xls, a renamed file, or password-protected)",
            )
        ) from None
    if inflated > max_unpacked:
        raise ReadError(
            ImportProblem(
                name,
                None,
                None,
                f"unpacks to {_megabytes(inflated)}, more than the limit of "
                f"{_megabytes(max_unpacked)}; refused as unsafe",
            )
        )
    with warnings.catch_warnings():
        # openpyxl warns about features it drops (data validation, styles); we only read values.
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for damaged files
            raise ReadError(
                ImportProblem(name, None, None, f"could not be read as .xlsx: {exc}")
            ) from None
        try:
            if not workbook.worksheets:
                raise ReadError(ImportProblem(name, None, None, "has no worksheet"))
            sheet = workbook.worksheets[0]
            # Some producers write a wrong <dimension>, which would silently cut rows or columns.
            sheet.reset_dimensions()
            return _table(name, sheet.iter_rows(min_row=1, min_col=1, values_only=True), max_rows)
        finally:
            workbook.close()
