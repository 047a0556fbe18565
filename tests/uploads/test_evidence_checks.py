"""Evidence uploads: real PDFs and images pass, active content and disguised files do not."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from compliance.uploads.errors import UploadRejected
from compliance.uploads.evidence import check_evidence_file
from tests.uploads import hostile


def pdf_bytes(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def blank_pdf_writer() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    return writer


def image_bytes(fmt: str, size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


def png_with_declared_size(width: int, height: int) -> bytes:
    """A PNG whose header claims the given size while carrying almost no pixel data."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def test_pypdf_pdf_passes():
    assert check_evidence_file(pdf_bytes(blank_pdf_writer()), filename="cal-cert.pdf") == (
        "application/pdf"
    )


def test_hand_written_pdf_passes():
    assert check_evidence_file(hostile.minimal_pdf(), filename="CERT.PDF") == "application/pdf"


def test_png_and_jpeg_pass():
    assert check_evidence_file(image_bytes("PNG"), filename="training.png") == "image/png"
    assert check_evidence_file(image_bytes("JPEG"), filename="badge.jpg") == "image/jpeg"
    assert check_evidence_file(image_bytes("JPEG"), filename="badge.JPEG") == "image/jpeg"


def test_pdf_with_javascript_is_rejected():
    writer = blank_pdf_writer()
    writer.add_open_action(JavaScript("app.alert('hello');"))
    with pytest.raises(UploadRejected, match="contains JavaScript"):
        check_evidence_file(pdf_bytes(writer), filename="cert.pdf")


def test_javascript_hidden_behind_an_escaped_name_is_found():
    data = hostile.minimal_pdf().replace(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61vaScript /J#53 (x) >> >>",
    )
    with pytest.raises(UploadRejected, match="contains JavaScript"):
        check_evidence_file(data, filename="cert.pdf")


def test_pdf_with_launch_action_is_rejected():
    writer = blank_pdf_writer()
    launch = DictionaryObject(
        {
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("calc.exe"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(launch)
    with pytest.raises(UploadRejected, match="Launch action"):
        check_evidence_file(pdf_bytes(writer), filename="cert.pdf")


def test_pdf_with_embedded_file_is_rejected():
    writer = blank_pdf_writer()
    writer.add_attachment("payload.txt", b"not a certificate")
    with pytest.raises(UploadRejected, match="embedded files"):
        check_evidence_file(pdf_bytes(writer), filename="cert.pdf")


def test_encrypted_pdf_is_rejected():
    writer = blank_pdf_writer()
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    with pytest.raises(UploadRejected, match=r"encrypted \(password-protected\)"):
        check_evidence_file(pdf_bytes(writer), filename="cert.pdf")


def test_damaged_pdf_is_rejected():
    with pytest.raises(UploadRejected, match="damaged"):
        check_evidence_file(b"%PDF-1.7\n" + b"\x00garbage" * 50, filename="cert.pdf")


def test_word_document_renamed_to_pdf_is_rejected():
    with pytest.raises(UploadRejected, match="says .pdf but the content is a ZIP archive"):
        check_evidence_file(hostile.genuine_docx(), filename="cert.pdf")


def test_png_renamed_to_jpg_is_rejected():
    with pytest.raises(UploadRejected, match="says .jpg but the content is a PNG image"):
        check_evidence_file(image_bytes("PNG"), filename="photo.jpg")


def test_decompression_bomb_png_is_rejected_before_decoding():
    with pytest.raises(UploadRejected, match="too large"):
        check_evidence_file(png_with_declared_size(100_000, 100_000), filename="bomb.png")


def test_image_over_our_own_pixel_limit_is_rejected():
    # 60 megapixels: under Pillow's built-in bomb threshold, over ours.
    with pytest.raises(UploadRejected, match="10000 x 6000 pixels"):
        check_evidence_file(png_with_declared_size(10_000, 6_000), filename="scan.png")


def test_truncated_jpeg_is_rejected():
    data = image_bytes("JPEG", size=(256, 256))
    with pytest.raises(UploadRejected, match="not a valid JPEG image"):
        check_evidence_file(data[: len(data) // 2], filename="photo.jpeg")


def test_png_with_bad_checksum_is_rejected():
    data = bytearray(image_bytes("PNG"))
    data[-20] ^= 0xFF  # inside the IDAT chunk, so its CRC no longer matches
    with pytest.raises(UploadRejected, match="not a valid PNG image"):
        check_evidence_file(bytes(data), filename="photo.png")


def test_empty_file_is_rejected():
    with pytest.raises(UploadRejected, match="The file is empty"):
        check_evidence_file(b"", filename="cert.pdf")


def test_executable_is_rejected():
    with pytest.raises(
        UploadRejected, match="Only PDF, PNG and JPEG files are accepted; 'setup.exe' is a Windows"
    ):
        check_evidence_file(b"MZ\x90\x00" + bytes(200), filename="setup.exe")


def test_executable_renamed_to_pdf_is_rejected():
    with pytest.raises(UploadRejected, match="content is a Windows executable"):
        check_evidence_file(b"MZ\x90\x00" + bytes(200), filename="cert.pdf")


def test_size_cap():
    with pytest.raises(UploadRejected, match="too large"):
        check_evidence_file(image_bytes("PNG"), filename="a.png", max_bytes=10)
