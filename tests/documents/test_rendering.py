"""Text extraction and the sanitised HTML view of a .docx."""

from __future__ import annotations

import io

import docx
import pytest
from PIL import Image

from compliance.documents.rendering import extract_text, paragraphs, render_html, sanitize_html
from compliance.uploads.docx import check_docx
from compliance.uploads.errors import UploadRejected
from tests.documents import docx_factory


def test_paragraphs_follow_reading_order_and_include_table_cells():
    assert paragraphs(docx_factory.procedure()) == [
        "Receipt of Test Items",
        "Each item is logged before it enters the laboratory.",
        "Check the packing list.",
        "Photograph the item.",
        "Records",
        "Record",
        "Form",
        "Retention",
        "Receipt log",
        "F-7.4-01",
        "10 years",
    ]


def test_extract_text_joins_paragraphs_with_newlines():
    text = extract_text(docx_factory.procedure())
    assert text.startswith("Receipt of Test Items\nEach item is logged")
    assert "Receipt log\nF-7.4-01\n10 years" in text


def test_merged_cells_are_extracted_once():
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Merged across"
    table.cell(1, 0).merge(table.cell(1, 1))
    table.cell(1, 0).text = "Below"
    assert paragraphs(docx_factory.to_bytes(document)) == ["Merged across", "Below"]


def test_html_keeps_headings_lists_and_tables():
    html = render_html(docx_factory.procedure())
    assert "<h1>Receipt of Test Items</h1>" in html
    assert "<h2>Records</h2>" in html
    assert "<li>Check the packing list.</li>" in html
    assert "<table>" in html
    assert "<td><p>F-7.4-01</p></td>" in html


def test_html_strips_script_text_and_javascript_links():
    data = docx_factory.procedure(
        extra=["<script>alert(1)</script>"],
        links={"javascript:alert(1)": "click me", "https://www.example.org/": "the standard"},
    )
    check_docx(data, filename="procedure.docx")  # a javascript: hyperlink is not a package risk
    html = render_html(data)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as the text it is
    assert "javascript:" not in html
    assert "click me" in html
    assert '<a href="https://www.example.org/" rel="noopener noreferrer">the standard</a>' in html


def test_sanitizer_drops_active_markup():
    html = sanitize_html(
        '<p onclick="x()" style="color:red">Hi<script>bad()</script></p>'
        '<img src="data:image/svg+xml;base64,PHN2Zz4=" onerror="x()">'
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="logo">'
        '<a href="vbscript:x">v</a><a href="#footnote-1">f</a><a id="bookmark"></a>'
        "<iframe src=https://example.org></iframe><style>p{}</style>"
    )
    assert html == (
        "<p>Hi</p>"
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="logo">'
        '<a rel="noopener noreferrer">v</a><a rel="noopener noreferrer">f</a>'
    )


def test_inline_png_image_is_kept_as_data_uri():
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 128, 0)).save(picture, "PNG")
    picture.seek(0)
    document = docx.Document()
    document.add_picture(picture)
    html = render_html(docx_factory.to_bytes(document))
    assert '<img src="data:image/png;base64,' in html


def test_images_other_than_png_and_jpeg_are_dropped():
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 128, 0)).save(picture, "GIF")
    picture.seek(0)
    document = docx.Document()
    document.add_picture(picture)
    document.add_paragraph("After the picture")
    html = render_html(docx_factory.to_bytes(document))
    assert "<img" not in html
    assert "After the picture" in html


def test_unreadable_document_raises_upload_rejected():
    with pytest.raises(UploadRejected):
        paragraphs(b"not a docx")
    with pytest.raises(UploadRejected):
        render_html(b"not a docx")
