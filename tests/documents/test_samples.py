"""Documents written by pandoc and LibreOffice go through the whole pipeline."""

from __future__ import annotations

import hashlib
import io

import docx
import pytest

from compliance.documents.rendering import extract_text, render_html
from compliance.documents.stamping import stamp_copy
from compliance.uploads.docx import check_docx
from tests.documents import docx_factory

SAMPLES = {
    "pandoc.docx": {
        "heading": "<h1>Verification of External Visual Inspection</h1>",
        "list_item": "<li>Inspect the reference parts under the documented lighting.</li>",
        "cell": "EQ-0057",
        "header": "Example Test Laboratory - QP-7.2-03",
    },
    "libreoffice.docx": {
        "heading": "<h1>Intermediate Check of the XRF Analyser</h1>",
        "list_item": "<li>Measure the check standard three times.</li>",
        "cell": "Certified value",
        "header": "Example Test Laboratory - QP-6.4-07",
    },
}
LINES = ["SUPERSEDED - NOT FOR USE", "QP Rev A", "Uncontrolled when printed"]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_is_small_and_passes_the_upload_check(name):
    data = docx_factory.sample(name)
    assert len(data) < 50 * 1024
    check_docx(data, filename=name)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_renders_heading_list_and_table(name):
    html = render_html(docx_factory.sample(name))
    expected = SAMPLES[name]
    assert expected["heading"] in html
    assert expected["list_item"] in html
    assert "<table>" in html
    assert expected["cell"] in html


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_text_is_extracted(name):
    text = extract_text(docx_factory.sample(name))
    assert SAMPLES[name]["heading"].removeprefix("<h1>").removesuffix("</h1>") in text
    assert SAMPLES[name]["cell"] in text.splitlines()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_is_stamped_keeping_its_header(name):
    data = docx_factory.sample(name)
    digest = hashlib.sha256(data).hexdigest()
    stamped = stamp_copy(data, lines=LINES, watermark="SUPERSEDED")
    assert hashlib.sha256(docx_factory.sample(name)).hexdigest() == digest
    check_docx(stamped, filename=name)
    document = docx.Document(io.BytesIO(stamped))
    for section in document.sections:
        header = [p.text for p in section.header.paragraphs]
        assert header[: len(LINES)] == LINES
        assert SAMPLES[name]["header"] in header
        assert [p.text for p in section.footer.paragraphs][-len(LINES) :] == LINES
