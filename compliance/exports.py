"""List exports as CSV or XLSX, text cells neutralised against spreadsheet formula injection."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import decimal
import enum
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

# A spreadsheet treats text starting with these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def neutralise(text: str) -> str:
    """Prefix a single quote to text a spreadsheet would otherwise run as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_text(value: Any) -> str:
    """A value as it is written into a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | decimal.Decimal):
        return str(value)  # a real number, negative or not, is never a formula
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        value = value.value
    return neutralise(str(value))


def iter_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """CSV as UTF-8 chunks, the first starting with a BOM so Excel reads the accents right.

    Suitable for a streamed response: one chunk per row.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def take() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode("utf-8")

    writer.writerow([neutralise(str(name)) for name in header])
    yield codecs.BOM_UTF8 + take()
    for row in rows:
        writer.writerow([csv_text(value) for value in row])
        yield take()


def write_csv(out: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    for chunk in iter_csv(header, rows):
        out.write(chunk)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    return b"".join(iter_csv(header, rows))


def xlsx_value(value: Any) -> Any:
    """A value for an XLSX cell: numbers and dates stay typed, text is made safe."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | decimal.Decimal):
        return value
    if isinstance(value, dt.datetime):
        # Excel has no time zones: aware datetimes are written as UTC.
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, enum.Enum):
        value = value.value
    # Control characters make openpyxl refuse the whole file; they carry no meaning in a list.
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def write_xlsx(
    out: IO[bytes],
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet_title: str = "Export",
) -> None:
    """Stream rows into a one-sheet workbook (openpyxl write-only) with a bold, frozen header."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(sheet_title))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=xlsx_value(str(name)))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([xlsx_value(value) for value in row])
    workbook.save(out)


def xlsx_bytes(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet_title: str = "Export"
) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, header, rows, sheet_title=sheet_title)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = _SHEET_TITLE_FORBIDDEN.sub(" ", title).strip().strip("'")
    return cleaned[:31] or "Export"
