"""The evidence package: a ZIP of the evidence index, every current evidence record (CSV),
effective documents and certificates.

Written file by file into a temporary file on disk and streamed from there, so memory stays
flat however large the library is (only one stored file is in memory at a time).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import select

from compliance.clauses.evidence import all_evidence
from compliance.documents.models import Document, Revision, RevisionState
from compliance.exports import write_csv
from compliance.extensions import db
from compliance.files.models import StoredFile
from compliance.proficiency.models import PTEvent
from compliance.reports.builders import (
    RECORDS_CSV,
    RECORDS_HEADER,
    EvidenceIndex,
    evidence_record,
    master_document_list,
)
from compliance.scope.models import Method, MethodValidation


@dataclass(frozen=True)
class PackageEntry:
    path: str  # inside the ZIP
    sha256: str  # the stored file


def effective_documents() -> Iterator[PackageEntry]:
    stmt = (
        select(Document.number, Revision.label, Revision.file_sha256)
        .join(Revision, Revision.document_id == Document.id)
        .where(Revision.state == RevisionState.EFFECTIVE.value)
        .order_by(Document.number)
    )
    for number, label, sha256 in db.session.execute(stmt):
        yield PackageEntry(f"documents/{_safe(number)}-Rev{_safe(label)}.docx", sha256)


_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def proficiency_reports() -> Iterator[PackageEntry]:
    """PT providers' reports and method verification reports (7.7.2, 7.2)."""
    pt = (
        select(
            Method.code,
            PTEvent.round,
            PTEvent.performed_on,
            StoredFile.sha256,
            StoredFile.media_type,
        )
        .join(PTEvent, PTEvent.method_id == Method.id)
        .join(StoredFile, StoredFile.sha256 == PTEvent.report_sha256)
        .order_by(Method.code, PTEvent.performed_on)
    )
    for code, round_, day, sha256, media_type in db.session.execute(pt):
        name = f"{_safe(code)}-{day}-{_safe(round_)}.{_EXTENSIONS.get(media_type, 'bin')}"
        yield PackageEntry(f"proficiency-testing/{name}", sha256)
    validations = (
        select(
            Method.code,
            MethodValidation.kind,
            MethodValidation.performed_on,
            StoredFile.sha256,
            StoredFile.media_type,
        )
        .join(MethodValidation, MethodValidation.method_id == Method.id)
        .join(StoredFile, StoredFile.sha256 == MethodValidation.file_sha256)
        .order_by(Method.code, MethodValidation.performed_on)
    )
    for code, kind, day, sha256, media_type in db.session.execute(validations):
        name = f"{_safe(code)}-{kind}-{day}.{_EXTENSIONS.get(media_type, 'bin')}"
        yield PackageEntry(f"method-verification/{name}", sha256)


# Domains with files of their own (certificates, evidence) add a source here.
SOURCES: list[Callable[[], Iterable[PackageEntry]]] = [effective_documents, proficiency_reports]


def build_package(as_of: dt.date, lab_name: str):
    """A temporary file (positioned at 0) holding the ZIP; the caller streams and closes it."""
    spool = tempfile.TemporaryFile(prefix="evidence-", suffix=".zip")  # noqa: SIM115 (streamed, closed by the response)
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # Every current record into the CSV as it streams past; the index keeps a bounded part.
        index = EvidenceIndex(as_of, lab_name)

        def records():
            for item in all_evidence(as_of):
                index.add(item)
                yield evidence_record(item)

        with archive.open(RECORDS_CSV, "w") as member:
            write_csv(member, RECORDS_HEADER, records())
        archive.writestr("evidence-index.docx", index.to_bytes())
        archive.writestr("master-list-of-documents.docx", master_document_list(lab_name))
        manifest = ["path\tsha256"]
        for source in SOURCES:
            for entry in source():
                data = db.session.scalar(
                    select(StoredFile.data).where(StoredFile.sha256 == entry.sha256)
                )
                archive.writestr(entry.path, data, compress_type=_compression(entry.path))
                manifest.append(f"{entry.path}\t{entry.sha256}")
                del data
        archive.writestr("MANIFEST.tsv", "\n".join(manifest) + "\n")
    spool.seek(0)
    return spool


# Formats that are compressed already (a .docx is itself a ZIP): deflating them again costs
# seconds on a large library and saves nothing.
_PACKED = (".docx", ".xlsx", ".pdf", ".png", ".jpg", ".jpeg", ".zip")


def _compression(path: str) -> int:
    return zipfile.ZIP_STORED if path.lower().endswith(_PACKED) else zipfile.ZIP_DEFLATED


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-._" else "_" for c in text)
