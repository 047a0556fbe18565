"""A small house style for python-docx reports: title block, headings, tables, footer."""

from __future__ import annotations

import copy
import datetime as dt
import io

import docx
from docx.enum.section import WD_ORIENT
from docx.shared import Pt


class Report:
    def __init__(self, title: str, *, subtitle: str = "", landscape: bool = False):
        self.document = docx.Document()
        style = self.document.styles["Normal"]
        style.font.name = "Calibri"
        style.font.size = Pt(10)
        section = self.document.sections[0]
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = section.page_height, section.page_width
        generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        section.footer.paragraphs[0].text = f"{title} · generated {generated}"
        self.document.add_heading(title, level=0)
        if subtitle:
            self.document.add_paragraph(subtitle)

    def heading(self, text: str, level: int = 1) -> None:
        self.document.add_heading(text, level=level)

    def paragraph(self, text: str, *, bold: bool = False) -> None:
        run = self.document.add_paragraph().add_run(text)
        run.bold = bold

    def table(self, header: list[str], rows) -> None:
        table = self.document.add_table(rows=2, cols=len(header))
        table.style = "Light Grid Accent 1"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = text
        # Each row is a copy of one empty row python-docx laid out: add_row() lays out every
        # cell again and made a register of thousands of documents take seconds.
        template = table.rows[1]._tr
        table._tbl.remove(template)
        for row in rows:
            tr = copy.deepcopy(template)
            for tc, value in zip(tr.tc_lst, row, strict=True):
                tc.p_lst[0].add_r().text = "" if value is None else str(value)
            table._tbl.append(tr)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()
