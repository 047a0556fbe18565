"""Only genuine, plain .docx files get past check_docx, and hostile ones fail cheaply."""

from __future__ import annotations

import tracemalloc

import pytest

from compliance.uploads.docx import check_docx
from compliance.uploads.errors import UploadRejected
from tests.uploads import hostile

EXPECTED = {
    "zip_bomb": "ZIP bomb",
    "declared_huge_part": "ZIP bomb",
    "entry_flood": "too many parts",
    "traversal_dotdot": "path traversal",
    "traversal_absolute": "absolute path",
    "traversal_backslash": "backslash",
    "macro_part": "macro project",
    "renamed_docm": "macro-enabled Word document (.docm)",
    "renamed_dotx": "Word template (.dotx)",
    "renamed_pdf": "not a Word document: it is a PDF",
    "renamed_xlsx": "it is an Excel workbook (.xlsx)",
    "plain_zip": "it is a ZIP without word/document.xml",
    "truncated": "damaged or truncated",
    "not_a_zip": "not a Word document: it is unrecognised data",
    "encrypted": "encrypted (password-protected); upload an unprotected copy",
    "legacy_doc": "legacy Word 97-2003 .doc",
    "external_template": "external template (http://attacker.example/template.dotm)",
    "external_ole_object": "external 'oleObject' link",
    "alt_chunk": "imports content in another format (afchunk.htm)",
    "oddly_named_xml_part": "'word/header9.dat' declares a DTD",
    "xxe": "XXE",
    "billion_laughs": "billion laughs",
    "utf16_doctype": "declares a DTD or entities",
    "empty": "The file is empty",
    "huge_xml_part": "'word/document.xml' is too large",
    "activex": "ActiveX",
    "ole_embedding": "embedded object ('word/embeddings/oleObject1.bin')",
    "duplicate_part": "twice",
    "polyglot": "it is a GIF image",
    "encrypted_zip_entry": "encrypted ZIP entry",
    "corrupted_part": "damaged or truncated: the part 'word/document.xml' cannot be read",
}


def test_every_generator_has_an_expectation():
    assert set(EXPECTED) == set(hostile.GENERATORS)
    assert len(EXPECTED) >= 16


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file_is_rejected_with_a_message_naming_the_problem(name):
    data = hostile.GENERATORS[name]()
    with pytest.raises(UploadRejected) as caught:
        check_docx(data, filename="procedure.docx")
    assert EXPECTED[name] in str(caught.value)


def test_genuine_python_docx_document_passes():
    check_docx(hostile.genuine_docx(), filename="QP-7.4-01 Handling.DOCX")


def test_extension_must_be_docx():
    with pytest.raises(UploadRejected, match=r"does not end in \.docx"):
        check_docx(hostile.genuine_docx(), filename="procedure.doc")


def test_windows_browser_path_is_reduced_to_the_file_name():
    check_docx(hostile.genuine_docx(), filename="C:\\fakepath\\procedure.docx")


def test_size_cap_applies_before_anything_is_opened():
    with pytest.raises(UploadRejected, match="too large"):
        check_docx(hostile.genuine_docx(), filename="procedure.docx", max_bytes=1024)


def test_plain_external_hyperlink_is_fine():
    parts = hostile.parts_of(hostile.genuine_docx())
    parts["word/_rels/document.xml.rels"] = hostile.with_relationship(
        parts["word/_rels/document.xml.rels"],
        "rIdLink",
        "hyperlink",
        "https://www.example.org/as6171",
        external=True,
    )
    check_docx(hostile.build_zip(parts), filename="procedure.docx")


def test_limits_are_parameters():
    with pytest.raises(UploadRejected, match="too many parts"):
        check_docx(hostile.genuine_docx(), filename="procedure.docx", max_entries=5)


def test_checking_the_whole_hostile_set_keeps_memory_bounded():
    samples = [generate() for generate in hostile.GENERATORS.values()]
    tracemalloc.start()
    try:
        for data in samples:
            with pytest.raises(UploadRejected):
                check_docx(data, filename="procedure.docx")
        check_docx(hostile.genuine_docx(), filename="procedure.docx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"peak traced memory while checking {len(samples)} hostile files: {peak / 2**20:.1f} MiB")
    assert peak < 50 * 2**20
