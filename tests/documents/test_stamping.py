"""Stamped copies carry their status in every header and footer and leave the original alone."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import io
import zoneinfo

import docx
import pytest

from compliance.documents.stamping import controlled_copy_lines, stamp_copy
from compliance.uploads.docx import check_docx
from tests.documents import docx_factory

LINES = ["CONTROLLED COPY", "QP-7.4-01 Rev C — effective 2026-02-01", "Uncontrolled when printed"]


def header_variants(section, document):
    variants = [section.header]
    if section.different_first_page_header_footer:
        variants.append(section.first_page_header)
    if document.settings.odd_and_even_pages_header_footer:
        variants.append(section.even_page_header)
    return variants


def footer_variants(section, document):
    variants = [section.footer]
    if section.different_first_page_header_footer:
        variants.append(section.first_page_footer)
    if document.settings.odd_and_even_pages_header_footer:
        variants.append(section.even_page_footer)
    return variants


def texts(block) -> list[str]:
    return [paragraph.text for paragraph in block.paragraphs]


def test_every_header_and_footer_of_every_section_carries_the_stamp_once():
    original = docx_factory.multi_section()
    digest = hashlib.sha256(original).hexdigest()
    stamped = stamp_copy(original, lines=LINES)
    assert hashlib.sha256(original).hexdigest() == digest
    document = docx.Document(io.BytesIO(stamped))
    assert len(document.sections) == 3
    for section in document.sections:
        for block in header_variants(section, document):
            assert texts(block)[: len(LINES)] == LINES
            assert texts(block).count(LINES[0]) == 1
        for block in footer_variants(section, document):
            assert texts(block)[-len(LINES) :] == LINES
            assert texts(block).count(LINES[0]) == 1


def test_existing_header_and_footer_content_is_kept_after_the_stamp():
    document = docx.Document(io.BytesIO(stamp_copy(docx_factory.multi_section(), lines=LINES)))
    first, second, third = document.sections
    assert texts(first.header) == [*LINES, "Example Test Laboratory"]
    assert texts(first.first_page_header) == [*LINES, "Title page header"]
    assert texts(first.even_page_header) == [*LINES, "Even page header"]
    assert texts(first.footer) == ["Page footer", *LINES]
    assert second.header.is_linked_to_previous
    assert texts(second.header) == [*LINES, "Example Test Laboratory"]
    assert texts(third.header) == [*LINES, "Appendix header"]


def test_document_without_headers_gets_clean_ones():
    plain = docx.Document()
    plain.add_paragraph("Body")
    stamped = docx.Document(io.BytesIO(stamp_copy(docx_factory.to_bytes(plain), lines=LINES)))
    assert texts(stamped.sections[0].header) == LINES
    assert texts(stamped.sections[0].footer) == LINES


def test_stamp_is_small_and_first_line_bold():
    stamped = docx.Document(io.BytesIO(stamp_copy(docx_factory.procedure(), lines=LINES)))
    first, second = stamped.sections[0].header.paragraphs[:2]
    assert first.runs[0].bold and not second.runs[0].bold
    assert first.runs[0].font.size.pt == 8


def test_body_is_unchanged_and_copy_passes_the_upload_check():
    original = docx_factory.procedure()
    stamped = stamp_copy(original, lines=LINES, watermark="SUPERSEDED")
    check_docx(stamped, filename="copy.docx")
    assert [p.text for p in docx.Document(io.BytesIO(stamped)).paragraphs] == [
        p.text for p in docx.Document(io.BytesIO(original)).paragraphs
    ]


def test_watermark_is_a_vml_text_path_in_each_header():
    stamped = stamp_copy(docx_factory.multi_section(), lines=LINES, watermark='OBSOLETE "A"')
    document = docx.Document(io.BytesIO(stamped))
    headers = {
        block.part.partname: block
        for section in document.sections
        for block in header_variants(section, document)
    }
    assert len(headers) == 4
    for block in headers.values():
        xml = block.part.blob.decode()
        assert 'string="OBSOLETE &quot;A&quot;"' in xml
        assert "textpath" in xml


def test_controlled_copy_lines_for_an_effective_revision():
    lines = controlled_copy_lines(
        number="QP-8.3-01",
        revision="C",
        effective_on=dt.date(2026, 2, 1),
        approver="Dana Quality",
        downloader="Sam Analyst",
        downloaded_at=dt.datetime(2026, 3, 4, 9, 30, tzinfo=zoneinfo.ZoneInfo("America/Chicago")),
        state="effective",
    )
    assert lines == [
        "CONTROLLED COPY",
        "QP-8.3-01 Rev C — effective 2026-02-01",
        "Approved by Dana Quality",
        "Downloaded by Sam Analyst at 2026-03-04 15:30 UTC",
        "Uncontrolled when printed",
    ]


@pytest.mark.parametrize(
    ("state", "banner"),
    [
        ("superseded", "SUPERSEDED - NOT FOR USE"),
        ("draft", "DRAFT - NOT FOR USE"),
        ("withdrawn", "WITHDRAWN - NOT FOR USE"),
        ("in_review", "IN REVIEW - NOT FOR USE"),
        ("in-review", "IN REVIEW - NOT FOR USE"),
        ("approved", "APPROVED - NOT YET EFFECTIVE"),
        ("archived", "ARCHIVED - NOT FOR USE"),
    ],
)
def test_other_states_replace_controlled_copy_with_a_banner(state, banner):
    lines = controlled_copy_lines(
        number="QP-8.3-01",
        revision="B",
        effective_on=None,
        approver=None,
        downloader="Sam Analyst",
        downloaded_at=dt.datetime(2026, 3, 4, 9, 30, tzinfo=dt.UTC),
        state=state,
    )
    assert lines[0] == banner
    assert "CONTROLLED COPY" not in lines
    assert lines[1] == "QP-8.3-01 Rev B"
    assert lines[2] == "Not approved"


def test_enum_states_are_accepted():
    class State(enum.Enum):
        SUPERSEDED = "superseded"

    lines = controlled_copy_lines(
        number="X",
        revision="1",
        effective_on=None,
        approver="A",
        downloader="B",
        downloaded_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        state=State.SUPERSEDED,
    )
    assert lines[0] == "SUPERSEDED - NOT FOR USE"


def test_naive_download_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        controlled_copy_lines(
            number="X",
            revision="1",
            effective_on=None,
            approver=None,
            downloader="B",
            downloaded_at=dt.datetime(2026, 1, 1),
            state="effective",
        )
