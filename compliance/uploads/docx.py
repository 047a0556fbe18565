"""Checks that an uploaded .docx is a plain OOXML Word document that is safe to parse."""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from compliance.uploads.errors import UploadRejected

MiB = 1024 * 1024

DOCX_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"

# Main-part content types of other Office formats, so a renamed file is named for what it is.
_OTHER_MAIN_TYPES = {
    "application/vnd.ms-word.document.macroenabled.main+xml": (
        "a macro-enabled Word document (.docm)"
    ),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": (
        "a Word template (.dotx)"
    ),
    "application/vnd.ms-word.template.macroenabledtemplate.main+xml": (
        "a macro-enabled Word template (.dotm)"
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (
        "an Excel workbook (.xlsx)"
    ),
    "application/vnd.ms-excel.sheet.macroenabled.main+xml": (
        "a macro-enabled Excel workbook (.xlsm)"
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": (
        "an Excel template (.xltx)"
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        "a PowerPoint presentation (.pptx)"
    ),
    "application/vnd.ms-powerpoint.presentation.macroenabled.main+xml": (
        "a macro-enabled PowerPoint presentation (.pptm)"
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml": (
        "a PowerPoint slide show (.ppsx)"
    ),
}

_W_MAIN_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W_STRICT_NS = "http://purl.oclc.org/ooxml/wordprocessingml/main"
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EOCD = b"PK\x05\x06"
_CENTRAL_RECORD = b"PK\x01\x02"

# Below this size a part cannot hurt however well it compresses, and small repetitive XML
# parts (styles, numbering) legitimately reach high ratios.
_RATIO_FLOOR = 1 * MiB
_SCAN_CHUNK = 1 * MiB
_DTD_MARKERS = ("<!DOCTYPE", "<!ENTITY")
_XML_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf16", "utf-16le", "utf-16be"}
_ENCODING_DECL = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")

_MAGIC_DESCRIPTIONS = (
    (b"%PDF-", "a PDF"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "an executable program"),
    (b"{\\rtf", "an RTF document"),
    (CFB_MAGIC, "an Office 97-2003 or encrypted Office file"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
)


def describe_bytes(data: bytes) -> str:
    """Name the kind of content ``data`` starts with ("a PDF", "a ZIP archive"...) for messages."""
    for magic, description in _MAGIC_DESCRIPTIONS:
        if data.startswith(magic):
            return description
    head = data[:512].lstrip()
    if head.startswith(b"<"):
        return "an XML or HTML file"
    return "unrecognised data"


def check_docx(
    data: bytes,
    *,
    filename: str,
    max_bytes: int = 25 * MiB,
    max_entries: int = 2000,
    max_uncompressed: int = 200 * MiB,
    max_ratio: int = 100,
    max_xml_part: int = 50 * MiB,
) -> None:
    """Accept ``data`` only if it is a plain, unencrypted, macro-free OOXML Word document.

    Every limit is checked on the ZIP directory before anything is decompressed, and XML
    parts are read in bounded chunks and refused if they declare a DTD or entities.
    Raises UploadRejected with a message naming the problem.
    """
    _check_filename(filename)
    if not data:
        raise UploadRejected("The file is empty")
    if len(data) > max_bytes:
        raise UploadRejected(
            f"The file is too large: {_size(len(data))}; the limit is {_size(max_bytes)}"
        )
    if data.startswith(CFB_MAGIC):
        raise UploadRejected(_cfb_message(data))
    if not data.startswith(b"PK\x03\x04"):
        raise UploadRejected(f"The file is not a Word document: it is {describe_bytes(data)}")
    _check_directory_record_count(data, max_entries)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise UploadRejected(
            "The file is damaged or truncated: its ZIP directory cannot be read"
        ) from exc
    with archive:
        package = _Package(archive)
        _check_entries(package, max_entries, max_uncompressed, max_ratio)
        _check_forbidden_part_names(package)
        for info in package.files:
            if _looks_like_xml(info.filename):
                _scan_xml_part(archive, info, max_xml_part)
        content_types = _read_content_types(package, max_xml_part)
        # Readers pick parsers by content type, so XML parts with odd names are scanned too.
        for info in package.files:
            if not _looks_like_xml(info.filename) and _is_xml_type(content_types.of(info.filename)):
                _scan_xml_part(archive, info, max_xml_part)
        main_part = _main_part(package, content_types, max_xml_part)
        _check_forbidden_content_types(package, content_types)
        _check_relationships(package, max_xml_part)
        _check_main_part_root(package, main_part)


def _check_filename(filename: str) -> None:
    # Browsers may send "C:\fakepath\name.docx"; only the last component matters.
    name = re.split(r"[\\/]", filename or "")[-1]
    if not name.lower().endswith(".docx"):
        raise UploadRejected(
            f"Only Word documents (.docx) are accepted; {name!r} does not end in .docx"
        )


def _cfb_message(data: bytes) -> str:
    # Encrypted OOXML is wrapped in an OLE2 compound file holding these two streams.
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "The file is encrypted (password-protected); upload an unprotected copy"
    return (
        "The file is an OLE2 compound file: an encrypted (password-protected) document or a "
        "legacy Word 97-2003 .doc; save an unprotected copy as Word Document (.docx) and "
        "upload that"
    )


def _check_directory_record_count(data: bytes, max_entries: int) -> None:
    """Count central-directory records in the raw bytes so zipfile never builds a huge list."""
    eocd = data.rfind(_EOCD, max(0, len(data) - 22 - 0xFFFF))
    if eocd < 0 or eocd + 22 > len(data):
        raise UploadRejected(
            "The file is damaged or truncated: the end of its ZIP directory is missing"
        )
    _, _, _, declared, cd_size, cd_offset, _ = struct.unpack_from("<4H2LH", data, eocd + 4)
    start, end = 0, eocd
    # 0xFFFF / 0xFFFFFFFF mean the real values live in a ZIP64 record: then scan everything.
    if declared != 0xFFFF and cd_offset != 0xFFFFFFFF and cd_offset + cd_size <= eocd:
        start, end = cd_offset, cd_offset + cd_size
    records = data.count(_CENTRAL_RECORD, start, end)
    count = records if declared == 0xFFFF else max(declared, records)
    if count > max_entries:
        raise UploadRejected(
            f"The package has too many parts: {count} (the limit is {max_entries})"
        )


class _Package:
    """The archive plus a case-insensitive index of its parts."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.files = [i for i in self.archive.infolist() if not i.filename.endswith("/")]
        # OPC part names are case-insensitive.
        self.by_name = {i.filename.lower(): i for i in self.files}

    def get(self, name: str) -> zipfile.ZipInfo | None:
        return self.by_name.get(name.lower())

    def read(self, info: zipfile.ZipInfo, limit: int) -> bytes:
        if info.file_size > limit:
            raise UploadRejected(_part_too_large(info, limit))
        try:
            with self.archive.open(info) as stream:
                data = stream.read(limit + 1)
        except _ZIP_READ_ERRORS as exc:
            raise UploadRejected(_damaged_part(info)) from exc
        if len(data) > limit:
            raise UploadRejected(_part_too_large(info, limit))
        return data


_ZIP_READ_ERRORS = (
    zipfile.BadZipFile,
    EOFError,
    zlib.error,
    OSError,
    ValueError,
    NotImplementedError,
)


def _check_entries(
    package: _Package, max_entries: int, max_uncompressed: int, max_ratio: int
) -> None:
    infos = package.archive.infolist()
    if len(infos) > max_entries:
        raise UploadRejected(
            f"The package has too many parts: {len(infos)} (the limit is {max_entries})"
        )
    seen: set[str] = set()
    total = 0
    for info in infos:
        reason = _unsafe_name_reason(info.orig_filename)
        if reason:
            raise UploadRejected(
                f"The package contains an unsafe part name {info.orig_filename!r}: {reason}"
            )
        key = info.filename.lower()
        if key in seen:
            raise UploadRejected(f"The package contains the part {info.filename!r} twice")
        seen.add(key)
        if info.flag_bits & 0x1:
            raise UploadRejected(
                f"The package contains an encrypted ZIP entry {info.filename!r}; "
                "upload an unprotected copy"
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadRejected(
                f"The part {info.filename!r} uses a compression method Word does not use"
            )
        if info.file_size > _RATIO_FLOOR and info.file_size > max_ratio * max(
            info.compress_size, 1
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            raise UploadRejected(
                f"The part {info.filename!r} would expand {ratio}:1 to {_size(info.file_size)}, "
                f"over the limit of {max_ratio}:1; this looks like a ZIP bomb"
            )
        total += info.file_size
    if total > max_uncompressed:
        raise UploadRejected(
            f"The package would expand to {_size(total)}, over the limit of "
            f"{_size(max_uncompressed)}; this looks like a ZIP bomb"
        )


def _unsafe_name_reason(name: str) -> str | None:
    if not name:
        return "an empty name"
    if "\x00" in name:
        return "a NUL character"
    if "\\" in name:
        return "a backslash (Windows path separator)"
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return "an absolute path"
    if ".." in name.split("/"):
        return "path traversal ('..')"
    return None


def _check_forbidden_part_names(package: _Package) -> None:
    for info in package.files:
        name = info.filename
        lowered = "/" + name.lower()
        if posixpath.basename(lowered) in ("vbaproject.bin", "vbadata.xml"):
            raise UploadRejected(
                f"The document contains a macro project ({name!r}); save it as a plain .docx "
                "without macros"
            )
        if "/activex/" in lowered:
            raise UploadRejected(f"The document contains ActiveX controls ({name!r})")
        if "/embeddings/" in lowered:
            raise UploadRejected(
                f"The document contains an embedded object ({name!r}); OLE objects and "
                "embedded files are not accepted, paste charts or drawings as pictures"
            )
        if lowered.endswith(".bin"):
            raise UploadRejected(
                f"The document contains a binary part ({name!r}); plain Word documents "
                "do not need one"
            )


def _looks_like_xml(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith((".xml", ".rels", ".vml"))


def _is_xml_type(content_type: str) -> bool:
    return content_type.endswith(("+xml", "/xml"))


def _scan_xml_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> None:
    """Stream one XML part, refusing DTDs and odd encodings, without holding it in memory."""
    if info.file_size > limit:
        raise UploadRejected(_part_too_large(info, limit))
    markers: tuple[bytes, ...] = ()
    overlap = b""
    read = 0
    try:
        with archive.open(info) as stream:
            for chunk in iter(lambda: stream.read(_SCAN_CHUNK), b""):
                if not markers:
                    markers = _dtd_markers_for(info, chunk)
                read += len(chunk)
                if read > limit:
                    raise UploadRejected(_part_too_large(info, limit))
                window = overlap + chunk
                if any(marker in window for marker in markers):
                    raise UploadRejected(
                        f"The part {info.filename!r} declares a DTD or entities (<!DOCTYPE or "
                        "<!ENTITY>), which Word never writes; it may be an XXE or "
                        "entity-expansion (billion laughs) attack"
                    )
                overlap = window[-32:]
    except UploadRejected:
        raise
    except _ZIP_READ_ERRORS as exc:
        raise UploadRejected(_damaged_part(info)) from exc


def _dtd_markers_for(info: zipfile.ZipInfo, head: bytes) -> tuple[bytes, ...]:
    # OPC allows only UTF-8 and UTF-16; refusing the rest keeps the marker scan honest.
    if head.startswith((b"\xff\xfe", b"<\x00")):
        encoding, text = "utf-16-le", head[:400].decode("utf-16-le", "ignore")
    elif head.startswith((b"\xfe\xff", b"\x00<")):
        encoding, text = "utf-16-be", head[:400].decode("utf-16-be", "ignore")
    else:
        encoding, text = "utf-8", head[:400].decode("utf-8", "ignore")
    text = text.lstrip("\ufeff")
    if not text.lstrip().startswith("<"):
        raise UploadRejected(f"The part {info.filename!r} is not XML")
    declared = _ENCODING_DECL.match(text)
    if declared and declared.group(1).lower() not in _XML_ENCODINGS:
        raise UploadRejected(
            f"The part {info.filename!r} uses the text encoding {declared.group(1)!r}; "
            "Word documents use UTF-8 or UTF-16"
        )
    return tuple(marker.encode(encoding) for marker in _DTD_MARKERS)


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _parse_xml(package: _Package, info: zipfile.ZipInfo, limit: int) -> etree._Element:
    data = package.read(info, limit)
    try:
        root = etree.fromstring(data, parser=_safe_parser())
    except etree.XMLSyntaxError as exc:
        raise UploadRejected(f"The part {info.filename!r} is not well-formed XML") from exc
    if root.getroottree().docinfo.doctype:
        raise UploadRejected(f"The part {info.filename!r} declares a DTD")
    return root


@dataclass
class _ContentTypes:
    defaults: dict[str, str]
    overrides: dict[str, str]

    def of(self, part_name: str) -> str:
        part_name = part_name.lower()
        if part_name in self.overrides:
            return self.overrides[part_name]
        extension = part_name.rsplit(".", 1)[-1] if "." in part_name else ""
        return self.defaults.get(extension, "")


def _read_content_types(package: _Package, limit: int) -> _ContentTypes:
    info = package.get("[Content_Types].xml")
    if info is None:
        raise UploadRejected(_not_word(package, "[Content_Types].xml"))
    root = _parse_xml(package, info, limit)
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}
    for element in root:
        if element.tag == f"{{{_CT_NS}}}Default":
            extension = (element.get("Extension") or "").lower()
            defaults[extension] = (element.get("ContentType") or "").lower()
        elif element.tag == f"{{{_CT_NS}}}Override":
            part = (element.get("PartName") or "").lstrip("/").lower()
            overrides[part] = (element.get("ContentType") or "").lower()
    return _ContentTypes(defaults, overrides)


def _not_word(package: _Package, missing: str) -> str:
    if package.get("word/document.xml") is None:
        return "The file is not a Word document: it is a ZIP without word/document.xml"
    return f"The file is not a valid Word document: it has no {missing}"


def _main_part(package: _Package, content_types: _ContentTypes, limit: int) -> zipfile.ZipInfo:
    rels = package.get("_rels/.rels")
    if rels is None:
        raise UploadRejected(_not_word(package, "_rels/.rels"))
    target = None
    for rel in _parse_xml(package, rels, limit):
        if (rel.get("Type") or "").endswith("/officeDocument") and not _is_external(rel):
            target = rel.get("Target") or ""
            break
    if target is None:
        raise UploadRejected(_not_word(package, "main document relationship"))
    name = posixpath.normpath(posixpath.join("/", target)).lstrip("/")
    info = package.get(name)
    if info is None:
        raise UploadRejected(
            "The file is not a Word document: it is a ZIP without word/document.xml"
            if name.lower() == "word/document.xml"
            else f"The file is not a valid Word document: its main part {name!r} is missing"
        )
    content_type = content_types.of(name)
    if content_type == DOCX_MAIN_TYPE:
        return info
    if content_type in _OTHER_MAIN_TYPES:
        raise UploadRejected(
            f"The file is not a Word document: it is {_OTHER_MAIN_TYPES[content_type]}"
        )
    raise UploadRejected(
        f"The file is not a Word document: its main part has the content type "
        f"{content_type or 'none'!r}"
    )


def _check_forbidden_content_types(package: _Package, content_types: _ContentTypes) -> None:
    # Catches macro, ActiveX and OLE parts that were given innocent-looking names.
    for info in package.files:
        content_type = content_types.of(info.filename)
        if "vbaproject" in content_type or "macroenabled" in content_type:
            raise UploadRejected(f"The document contains a macro part ({info.filename!r})")
        if "activex" in content_type:
            raise UploadRejected(f"The document contains ActiveX controls ({info.filename!r})")
        if "oleobject" in content_type:
            raise UploadRejected(
                f"The document contains an embedded object ({info.filename!r}); OLE objects "
                "are not accepted"
            )


def _is_external(rel: etree._Element) -> bool:
    return (rel.get("TargetMode") or "").lower() == "external"


def _check_relationships(package: _Package, limit: int) -> None:
    """Only hyperlinks may point outside the package; a remote template or object can run code.

    Also refuses altChunk imports, whose content only Word itself would show.
    """
    for info in package.files:
        if not info.filename.lower().endswith(".rels"):
            continue
        for rel in _relationships(package, info, limit):
            kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
            target = _shorten(rel.get("Target") or "")
            if kind == "aFChunk":
                # Word converts an "alternative format" chunk (HTML, RTF, MHT) only when it opens
                # the file, so our HTML view and text would silently miss that content.
                raise UploadRejected(
                    f"The document imports content in another format ({target}) that only "
                    "Word converts; open it in Word and save it again as a plain .docx"
                )
            if not _is_external(rel):
                continue
            if kind == "hyperlink":
                continue
            if kind == "attachedTemplate":
                raise UploadRejected(
                    f"The document links to an external template ({target}); detach the "
                    "template (Developer > Document Template) and upload it again"
                )
            raise UploadRejected(
                f"The document has an external {kind!r} link to {target}; only hyperlinks may "
                "point outside the document"
            )


def _relationships(package: _Package, info: zipfile.ZipInfo, limit: int) -> Iterator:
    root = _parse_xml(package, info, limit)
    return (child for child in root if child.tag == f"{{{_RELS_NS}}}Relationship")


def _check_main_part_root(package: _Package, info: zipfile.ZipInfo) -> None:
    """Parse the main part in streaming mode so later readers get well-formed WordprocessingML."""
    try:
        with package.archive.open(info) as stream:
            events = etree.iterparse(
                stream,
                events=("start", "end"),
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
            )
            root_tag = None
            for event, element in events:
                if root_tag is None:
                    root_tag = element.tag
                    if root_tag == f"{{{_W_STRICT_NS}}}document":
                        raise UploadRejected(
                            "The document is saved as Strict Open XML, which is not supported; "
                            "save it as Word Document (.docx)"
                        )
                    if root_tag != f"{{{_W_MAIN_NS}}}document":
                        raise UploadRejected(
                            f"The file is not a valid Word document: {info.filename!r} is not "
                            "WordprocessingML"
                        )
                elif event == "end":
                    # Drop finished elements so a large body is never held as a whole tree.
                    element.clear(keep_tail=False)
                    while element.getprevious() is not None:
                        del element.getparent()[0]
    except UploadRejected:
        raise
    except etree.XMLSyntaxError as exc:
        raise UploadRejected(f"The part {info.filename!r} is not well-formed XML") from exc
    except _ZIP_READ_ERRORS as exc:
        raise UploadRejected(_damaged_part(info)) from exc


def _part_too_large(info: zipfile.ZipInfo, limit: int) -> str:
    return (
        f"The part {info.filename!r} is too large: {_size(info.file_size)} (the limit for one "
        f"XML part is {_size(limit)})"
    )


def _damaged_part(info: zipfile.ZipInfo) -> str:
    return f"The file is damaged or truncated: the part {info.filename!r} cannot be read"


def _shorten(text: str, width: int = 120) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _size(n: int) -> str:
    if n < MiB:
        return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} bytes"
    return f"{n / MiB:.1f}".removesuffix(".0") + " MB"
