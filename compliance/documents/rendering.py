"""Derived forms of a checked .docx: its paragraphs, plain text and sanitised HTML."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator

import docx
import mammoth
import nh3
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph

from compliance.uploads.errors import UploadRejected

# Images are kept, but only as inline PNG/JPEG data: URIs, so the reading view shows the
# figures of a procedure without fetching anything; the page's CSP must allow img-src data:.
_IMAGE_TYPES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}

ALLOWED_TAGS = {
    *(f"h{level}" for level in range(1, 7)),
    "p",
    "br",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "caption",
    "strong",
    "em",
    "u",
    "s",
    "sup",
    "sub",
    "a",
    "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "img": {"src", "alt"},
}
_LINK_SCHEMES = ("http://", "https://", "mailto:")

# Mammoth ignores underline unless told; everything else uses its default mapping.
_STYLE_MAP = "u => u"

# Bookmarks become <a id> in mammoth's output; without the id they are empty anchors.
_EMPTY_ANCHOR = re.compile(r"<a(?: [^>]*)?></a>")
# An image whose source was refused would render as a broken-image icon.
_IMAGE_WITHOUT_SOURCE = re.compile(r'<img(?: alt="[^"]*")?>')


def paragraphs(data: bytes) -> list[str]:
    """Return the non-empty paragraph texts of the body in reading order, table cells included.

    Call only after check_docx. Raises UploadRejected if python-docx cannot read the package.
    """
    document = open_document(data)
    return [text for text in _texts(document.iter_inner_content()) if text.strip()]


def extract_text(data: bytes) -> str:
    """Return the body text (paragraphs and table cells) joined by newlines, for search.

    Call only after check_docx. Raises UploadRejected if python-docx cannot read the package.
    """
    return "\n".join(paragraphs(data))


def render_html(data: bytes) -> str:
    """Convert the document to HTML with mammoth and sanitise it for display in our pages.

    Only headings, paragraphs, lists, tables, basic inline formatting, http/https/mailto
    links and inline PNG/JPEG images survive. Call only after check_docx. Raises
    UploadRejected if mammoth cannot read the package.
    """
    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data),
            style_map=_STYLE_MAP,
            convert_image=mammoth.images.img_element(_inline_image),
            # A style map embedded in the upload could map paragraphs to arbitrary elements.
            include_embedded_style_map=False,
            external_file_access=False,
        )
    except Exception as exc:  # mammoth raises assorted types on malformed packages
        raise UploadRejected("The Word document could not be converted for display") from exc
    return sanitize_html(result.value)


def sanitize_html(html: str) -> str:
    """Reduce HTML to the conservative tag/attribute set used for document display."""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes={"http", "https", "mailto", "data"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return _IMAGE_WITHOUT_SOURCE.sub("", _EMPTY_ANCHOR.sub("", cleaned))


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    # url_schemes must admit data: for images, so each URL attribute is narrowed here.
    if tag == "a" and attribute == "href":
        return value if value.lower().startswith(_LINK_SCHEMES) else None
    if tag == "img" and attribute == "src":
        lowered = value.lower()
        allowed = any(lowered.startswith(f"data:{kind};base64,") for kind in _IMAGE_TYPES)
        return value if allowed else None
    return value


def _inline_image(image) -> dict[str, str]:
    if image.content_type not in _IMAGE_TYPES:
        return {}
    with image.open() as stream:
        content = stream.read()
    # The declared type comes from the package; only trust it when the bytes agree.
    if not content.startswith(_IMAGE_TYPES[image.content_type]):
        return {}
    encoded = base64.b64encode(content).decode("ascii")
    return {"src": f"data:{image.content_type};base64,{encoded}"}


def open_document(data: bytes) -> DocxDocument:
    """Open checked .docx bytes with python-docx; raises UploadRejected if it cannot read them."""
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises assorted types on malformed packages
        raise UploadRejected("The Word document could not be read") from exc


def _texts(blocks: Iterator[Paragraph | Table]) -> Iterator[str]:
    for block in blocks:
        if isinstance(block, Paragraph):
            yield block.text
        else:
            yield from _table_texts(block)


def _table_texts(table: Table) -> Iterator[str]:
    # A merged cell is returned once per grid position it spans; keep the elements themselves
    # (not their ids) so lxml hands back the same proxies.
    seen: set[object] = set()
    for row in table.rows:
        for cell in row.cells:
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            yield from _texts(cell.iter_inner_content())
