"""Printable status labels (6.4.8): asset id, last calibration, due date, status and a QR code of
the item's page, one per item or a sheet of them, as a .docx any office suite prints."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

import segno
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

RED = RGBColor(0xB0, 0x00, 0x20)
GREY = RGBColor(0x55, 0x55, 0x55)
COLUMNS = 2


@dataclass(frozen=True)
class Label:
    asset_id: str
    description: str
    last_calibrated_on: dt.date | None
    due_on: dt.date | None
    status: str  # "IN SERVICE", "OVERDUE - DO NOT USE", ...
    do_not_use: bool
    url: str


def qr_png(url: str, *, scale: int = 5) -> bytes:
    """A QR code of `url` as PNG bytes (error correction M: survives a scuffed label)."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def _date(day: dt.date | None) -> str:
    return day.isoformat() if day else "—"


def _cell_borders(cell) -> None:
    borders = OxmlElement("w:tcBorders")
    for edge in ("top", "left", "bottom", "right"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "dashed")
        element.set(qn("w:sz"), "4")
        element.set(qn("w:color"), "999999")
        borders.append(element)
    cell._tc.get_or_add_tcPr().append(borders)


def _fill(cell, label: Label) -> None:
    _cell_borders(cell)
    cell.width = Cm(8.5)
    first = cell.paragraphs[0]
    run = first.add_run(label.asset_id)
    run.bold = True
    run.font.size = Pt(16)
    description = cell.add_paragraph()
    small = description.add_run(label.description[:80])
    small.font.size = Pt(8)
    for caption, value in (
        ("Last calibrated", _date(label.last_calibrated_on)),
        ("Calibration due", _date(label.due_on)),
    ):
        line = cell.add_paragraph()
        line.paragraph_format.space_after = Pt(0)
        line.add_run(f"{caption}: ").font.size = Pt(9)
        value_run = line.add_run(value)
        value_run.bold = True
        value_run.font.size = Pt(10)
    status = cell.add_paragraph()
    status_run = status.add_run(label.status)
    status_run.bold = True
    status_run.font.size = Pt(11)
    if label.do_not_use:
        status_run.font.color.rgb = RED
    picture = cell.add_paragraph()
    picture.add_run().add_picture(io.BytesIO(qr_png(label.url)), width=Cm(2.6))
    link = cell.add_paragraph()
    url_run = link.add_run(label.url)
    url_run.font.size = Pt(6)
    url_run.font.color.rgb = GREY


def labels_docx(labels: Iterable[Label], *, title: str | None = None) -> bytes:
    """A .docx of labels, two to a row, to print and cut (one label prints alone)."""
    labels = list(labels)
    document = Document()
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(1.5)
    if title:
        heading = document.add_paragraph()
        run = heading.add_run(title)
        run.font.size = Pt(8)
        run.font.color.rgb = GREY
    columns = 1 if len(labels) == 1 else COLUMNS
    rows = max(1, -(-len(labels) // columns))
    table = document.add_table(rows=rows, cols=columns)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for index, label in enumerate(labels):
        row, column = divmod(index, columns)
        _fill(table.cell(row, column), label)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
