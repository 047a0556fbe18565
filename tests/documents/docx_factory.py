"""Small .docx files built with python-docx for the rendering, redline and stamping tests."""

from __future__ import annotations

import io
from pathlib import Path

import docx
from docx.enum.section import WD_SECTION
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

SAMPLES = Path(__file__).parent / "samples"


def to_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def add_hyperlink(paragraph: Paragraph, url: str, text: str) -> None:
    """python-docx has no hyperlink API; write the w:hyperlink element and its relationship."""
    rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    hyperlink = OxmlElement("w:hyperlink")
    hyperlink.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    text_element = OxmlElement("w:t")
    text_element.text = text
    run.append(text_element)
    hyperlink.append(run)
    paragraph._p.append(hyperlink)


def procedure(*, links: dict[str, str] | None = None, extra: list[str] | None = None) -> bytes:
    """A short procedure with headings, a list, a table and optional hyperlinks."""
    document = docx.Document()
    document.add_heading("Receipt of Test Items", level=1)
    document.add_paragraph("Each item is logged before it enters the laboratory.")
    document.add_paragraph("Check the packing list.", style="List Number")
    document.add_paragraph("Photograph the item.", style="List Number")
    document.add_heading("Records", level=2)
    table = document.add_table(rows=2, cols=3)
    for column, text in enumerate(["Record", "Form", "Retention"]):
        table.cell(0, column).text = text
    for column, text in enumerate(["Receipt log", "F-7.4-01", "10 years"]):
        table.cell(1, column).text = text
    for text in extra or []:
        document.add_paragraph(text)
    for url, text in (links or {}).items():
        add_hyperlink(document.add_paragraph("See "), url, text)
    return to_bytes(document)


def multi_section() -> bytes:
    """Three sections exercising every header variant python-docx knows.

    Section 1 has its own default header (with existing text), a distinct first-page header
    and footer, and the document uses even-page headers; section 2 is linked to section 1;
    section 3 has its own default header.
    """
    document = docx.Document()
    document.settings.odd_and_even_pages_header_footer = True
    first = document.sections[0]
    first.different_first_page_header_footer = True
    first.header.paragraphs[0].text = "Example Test Laboratory"
    first.first_page_header.paragraphs[0].text = "Title page header"
    first.even_page_header.paragraphs[0].text = "Even page header"
    first.footer.paragraphs[0].text = "Page footer"
    document.add_paragraph("Section one body.")
    document.add_section(WD_SECTION.NEW_PAGE)
    document.add_paragraph("Section two body.")
    third = document.add_section(WD_SECTION.NEW_PAGE)
    third.header.is_linked_to_previous = False
    third.header.paragraphs[0].text = "Appendix header"
    document.add_paragraph("Section three body.")
    return to_bytes(document)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()
