"""Checks on evidence files (training records, calibration certificates): PDF, PNG or JPEG."""

from __future__ import annotations

import io
import re

from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from compliance.uploads.docx import MiB, describe_bytes
from compliance.uploads.errors import UploadRejected

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"

_TYPE_BY_EXTENSION = {".pdf": PDF, ".png": PNG, ".jpg": JPEG, ".jpeg": JPEG}
_LABEL = {PDF: "a PDF", PNG: "a PNG image", JPEG: "a JPEG image"}

# Our own ceiling, well under Pillow's global one, checked from the header before decoding.
MAX_IMAGE_PIXELS = 50_000_000

# Walking a hostile PDF's object graph must stop somewhere; real certificates are far smaller.
_MAX_PDF_OBJECTS = 200_000

# PDF keys and action types that run code, launch programs or carry files.
_PDF_REFUSALS = {
    "/JavaScript": "contains JavaScript",
    "/JS": "contains JavaScript",
    "/Launch": "contains a Launch action (it can start programs)",
    "/EmbeddedFile": "contains embedded files (attachments)",
    "/EmbeddedFiles": "contains embedded files (attachments)",
    "/FileAttachment": "contains embedded files (attachments)",
    "/RichMedia": "contains rich media (Flash or video) content",
}


def check_evidence_file(data: bytes, *, filename: str, max_bytes: int = 25 * MiB) -> str:
    """Accept a PDF, PNG or JPEG whose content matches its extension; return its media type.

    PDFs must parse, be unencrypted and carry no JavaScript, Launch actions or embedded
    files; images must decode and stay under MAX_IMAGE_PIXELS.
    Raises UploadRejected with a message naming the problem.
    """
    name = re.split(r"[\\/]", filename or "")[-1]
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not data:
        raise UploadRejected("The file is empty")
    if len(data) > max_bytes:
        raise UploadRejected(
            f"The file is too large: {len(data) / MiB:.1f} MB; the limit is "
            f"{max_bytes / MiB:.0f} MB"
        )
    expected = _TYPE_BY_EXTENSION.get(extension)
    if expected is None:
        raise UploadRejected(
            f"Only PDF, PNG and JPEG files are accepted; {name!r} is {describe_bytes(data)}"
        )
    actual = _sniff(data)
    if actual != expected:
        found = _LABEL[actual] if actual else describe_bytes(data)
        raise UploadRejected(
            f"The file name says {extension} but the content is {found}; the extension must "
            "match the content"
        )
    if actual == PDF:
        _check_pdf(data)
    else:
        _check_image(data, actual)
    return actual


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def _check_pdf(data: bytes) -> None:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except Exception as exc:  # pypdf raises many unrelated types on hostile input
        raise UploadRejected("The PDF is damaged and cannot be read") from exc
    if encrypted:
        raise UploadRejected(
            "The PDF is encrypted (password-protected); upload an unprotected copy"
        )
    try:
        if len(reader.pages) == 0:
            raise UploadRejected("The PDF has no pages")
        problem = _active_content(reader)
    except UploadRejected:
        raise
    except Exception as exc:  # see above
        raise UploadRejected("The PDF is damaged and cannot be read") from exc
    if problem:
        raise UploadRejected(f"The PDF {problem}; upload a plain PDF without active content")


def _active_content(reader: PdfReader) -> str | None:
    """Walk every object reachable from the trailer; names arrive decoded (/J#61vaScript)."""
    seen: set[tuple[int, int]] = set()
    pending: list[object] = [reader.trailer]
    visited = 0
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        visited += 1
        if visited > _MAX_PDF_OBJECTS:
            return "is too complex to check"
        if isinstance(item, DictionaryObject):
            for key, value in item.items():
                if key in _PDF_REFUSALS:
                    return _PDF_REFUSALS[key]
                is_kind = key in ("/S", "/Type", "/Subtype") and isinstance(value, NameObject)
                if is_kind and value in _PDF_REFUSALS:
                    return _PDF_REFUSALS[value]
                # /Parent points back up the page tree; everything it reaches is seen anyway.
                if key != "/Parent":
                    pending.append(value)
        elif isinstance(item, ArrayObject):
            pending.extend(item)
    return None


def _check_image(data: bytes, media_type: str) -> None:
    label = _LABEL[media_type]
    try:
        formats = ["PNG"] if media_type == PNG else ["JPEG", "MPO"]
        with Image.open(io.BytesIO(data), formats=formats) as image:
            _check_pixels(image.size)
            if image.format not in ("PNG", "JPEG", "MPO"):
                raise UploadRejected(f"The file is not a valid {label[2:]}")
            if media_type == PNG:
                # verify() checks every chunk's CRC without inflating the pixels.
                image.verify()
            else:
                # Decoding at 1/8 scale still walks the whole entropy-coded stream.
                image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
                image.load()
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadRejected(
            f"The image is too large to decode (a possible decompression bomb); the limit is "
            f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UploadRejected(f"The file is not a valid {label[2:]}: it is damaged") from exc


def _check_pixels(size: tuple[int, int]) -> None:
    width, height = size
    if width * height > MAX_IMAGE_PIXELS:
        raise UploadRejected(
            f"The image is too large: {width} x {height} pixels (the limit is "
            f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels, a guard against decompression bombs)"
        )
