"""The evidence package: a ZIP of the evidence index, effective documents and certificates.

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

from compliance.documents.models import Document, Revision, RevisionState
from compliance.extensions import db
from compliance.files.models import StoredFile
from compliance.reports.builders import evidence_index, master_document_list


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


# Domains with files of their own (certificates, evidence) add a source here.
SOURCES: list[Callable[[], Iterable[PackageEntry]]] = [effective_documents]


def build_package(as_of: dt.date, lab_name: str):
    """A temporary file (positioned at 0) holding the ZIP; the caller streams and closes it."""
    spool = tempfile.TemporaryFile(prefix="evidence-", suffix=".zip")  # noqa: SIM115 (streamed, closed by the response)
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("evidence-index.docx", evidence_index(as_of, lab_name))
        archive.writestr("master-list-of-documents.docx", master_document_list(lab_name))
        manifest = ["path\tsha256"]
        for source in SOURCES:
            for entry in source():
                data = db.session.scalar(
                    select(StoredFile.data).where(StoredFile.sha256 == entry.sha256)
                )
                archive.writestr(entry.path, data)
                manifest.append(f"{entry.path}\t{entry.sha256}")
                del data
        archive.writestr("MANIFEST.tsv", "\n".join(manifest) + "\n")
    spool.seek(0)
    return spool


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-._" else "_" for c in text)
