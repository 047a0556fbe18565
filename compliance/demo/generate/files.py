"""The few stored files every generated record shares: a .docx per document type, a certificate
and a report PDF (thousands of records, a handful of blobs)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from compliance.demo.generate.base import Context
from compliance.demo.generate.content import docx_blob, pdf_blob
from compliance.documents.models import DocumentType
from compliance.files.models import StoredFile
from compliance.files.services import DOCX_MEDIA_TYPE


@dataclass
class Blobs:
    docx: dict[str, str]  # document type -> sha256
    certificate: str
    report: str

    def __getitem__(self, doc_type: str) -> str:
        return self.docx[doc_type]


def _store(ctx: Context, data: bytes, filename: str, media_type: str) -> str:
    digest = hashlib.sha256(data).hexdigest()
    ctx.add(
        StoredFile,
        sha256=digest,
        size=len(data),
        media_type=media_type,
        filename=filename,
        data=data,
        created_at=ctx.stamp(ctx.start - dt.timedelta(days=40), hour=9),
    )
    return digest


def create_files(ctx: Context) -> Blobs:
    docx = {
        t.value: _store(ctx, docx_blob(t.value), f"{t.value}.docx", DOCX_MEDIA_TYPE)
        for t in DocumentType
    }
    certificate = _store(
        ctx, pdf_blob("Calibration certificate"), "certificate.pdf", "application/pdf"
    )
    report = _store(ctx, pdf_blob("Proficiency test report"), "pt-report.pdf", "application/pdf")
    return Blobs(docx, certificate, report)
