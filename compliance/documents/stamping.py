"""Stamped copies of a .docx: status lines in every header and footer, optional watermark."""

from __future__ import annotations

import datetime as dt
import io
from enum import Enum
from xml.sax.saxutils import quoteattr

from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.section import _Footer, _Header
from docx.shared import Pt

from compliance.documents.rendering import open_document

_BANNERS = {
    "draft": "DRAFT - NOT FOR USE",
    "in_review": "IN REVIEW - NOT FOR USE",
    "review": "IN REVIEW - NOT FOR USE",
    "approved": "APPROVED - NOT YET EFFECTIVE",
    "superseded": "SUPERSEDED - NOT FOR USE",
    "withdrawn": "WITHDRAWN - NOT FOR USE",
}

_STAMP_SIZE = Pt(8)

# Word's own "PowerPlusWaterMark" VML: a text path behind the page text, so Word and
# LibreOffice both show it as the familiar diagonal watermark.
_WATERMARK_XML = """\
<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
     xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">
<w:pict>
<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800"
    path="m@7,l@8,m@5,21600l@6,21600e">
<v:formulas>
<v:f eqn="sum #0 0 10800"/><v:f eqn="prod #0 2 1"/><v:f eqn="sum 21600 0 @1"/>
<v:f eqn="sum 0 0 @2"/><v:f eqn="sum 21600 0 @3"/><v:f eqn="if @0 @3 0"/>
<v:f eqn="if @0 21600 @1"/><v:f eqn="if @0 0 @2"/><v:f eqn="if @0 @4 21600"/>
<v:f eqn="mid @5 @6"/><v:f eqn="mid @8 @5"/><v:f eqn="mid @7 @8"/><v:f eqn="mid @6 @7"/>
<v:f eqn="sum @6 0 @5"/>
</v:formulas>
<v:path textpathok="t" o:connecttype="custom" o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800"
    o:connectangles="270,180,90,0"/>
<v:textpath on="t" fitshape="t"/>
<v:handles><v:h position="#0,bottomRight" xrange="6629,14971"/></v:handles>
<o:lock v:ext="edit" text="t" shapetype="t"/>
</v:shapetype>
<v:shape id="StampWatermark{number}" o:spid="_x0000_s{spid}" type="#_x0000_t136"
    style="position:absolute;margin-left:0;margin-top:0;width:468pt;height:117pt;rotation:315;
    z-index:-251654144;mso-position-horizontal:center;mso-position-horizontal-relative:margin;
    mso-position-vertical:center;mso-position-vertical-relative:margin"
    o:allowincell="f" fillcolor="silver" stroked="f">
<v:fill opacity=".5"/>
<v:textpath style="font-family:&quot;Calibri&quot;;font-size:1pt" string={text}/>
</v:shape>
</w:pict>
</w:r>"""


def controlled_copy_lines(
    *,
    number: str,
    revision: str,
    effective_on: dt.date | None,
    approver: str | None,
    downloader: str,
    downloaded_at: dt.datetime,
    state: str | Enum,
) -> list[str]:
    """Return the stamp lines for a downloaded copy of one revision in the given state.

    Only an effective revision is a "CONTROLLED COPY"; every other state gets a banner saying
    it must not be used. Raises ValueError if ``downloaded_at`` has no time zone.
    """
    if downloaded_at.tzinfo is None or downloaded_at.utcoffset() is None:
        raise ValueError("downloaded_at must be timezone-aware")
    key = str(getattr(state, "value", state)).strip().lower().replace("-", "_").replace(" ", "_")
    if key == "effective":
        banner = "CONTROLLED COPY"
    else:
        banner = _BANNERS.get(key, f"{key.replace('_', ' ').upper()} - NOT FOR USE")
    identity = f"{number} Rev {revision}"
    if effective_on is not None:
        day = effective_on.date() if isinstance(effective_on, dt.datetime) else effective_on
        identity += f" — effective {day.isoformat()}"
    downloaded = downloaded_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [
        banner,
        identity,
        f"Approved by {approver}" if approver else "Not approved",
        f"Downloaded by {downloader} at {downloaded}",
        "Uncontrolled when printed",
    ]


def stamp_copy(data: bytes, *, lines: list[str], watermark: str | None = None) -> bytes:
    """Return a copy of the .docx with ``lines`` in every header and footer it uses.

    The lines go above existing header content and below existing footer content, in the
    default, first-page and even-page variants the document has; ``watermark`` adds a
    diagonal text behind each page. ``data`` is only read. Raises UploadRejected if
    python-docx cannot read the document.
    """
    document = open_document(data)
    even_pages = document.settings.odd_and_even_pages_header_footer
    stamped_parts: set[str] = set()
    for section in document.sections:
        headers = [section.header]
        footers = [section.footer]
        if section.different_first_page_header_footer:
            headers.append(section.first_page_header)
            footers.append(section.first_page_footer)
        if even_pages:
            headers.append(section.even_page_header)
            footers.append(section.even_page_footer)
        for header in headers:
            if _first_visit(header, stamped_parts):
                _stamp(header, lines, at_top=True, watermark=watermark, number=len(stamped_parts))
        for footer in footers:
            if _first_visit(footer, stamped_parts):
                _stamp(footer, lines, at_top=False, watermark=None, number=len(stamped_parts))
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def _first_visit(block: _Header | _Footer, stamped_parts: set[str]) -> bool:
    # A header "linked to previous" resolves to the earlier section's part (or gets a new
    # one in the first section); stamping that part twice would repeat the lines.
    partname = str(block.part.partname)
    if partname in stamped_parts:
        return False
    stamped_parts.add(partname)
    return True


def _stamp(
    block: _Header | _Footer,
    lines: list[str],
    *,
    at_top: bool,
    watermark: str | None,
    number: int,
) -> None:
    root = block.part.element
    # A freshly created header or footer holds one empty paragraph; ours replace it.
    placeholder = root[0] if len(root) == 1 and _is_empty_paragraph(root[0]) else None
    elements = []
    # A watermark needs a paragraph to anchor to even when there are no lines.
    texts = lines if lines or not watermark else [""]
    for index, line in enumerate(texts):
        paragraph = block.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(0)
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(line)
        run.font.size = _STAMP_SIZE
        run.bold = index == 0
        elements.append(paragraph._p)
    if watermark and elements:
        elements[0].append(
            parse_xml(
                _WATERMARK_XML.format(number=number, spid=2048 + number, text=quoteattr(watermark))
            )
        )
    if placeholder is not None and elements:
        root.remove(placeholder)
    if at_top:
        # add_paragraph appends; move the stamp above whatever the header already holds.
        for offset, element in enumerate(elements):
            root.insert(offset, element)


def _is_empty_paragraph(element) -> bool:
    return (
        element.tag == qn("w:p")
        and not "".join(element.itertext()).strip()
        and (element.find(qn("w:r")) is None)
    )
