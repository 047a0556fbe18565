"""Test data builders: .docx files and documents in a given state."""

from __future__ import annotations

import datetime as dt
import io

import docx

from compliance.dates import lab_today
from compliance.documents import services
from compliance.extensions import db


def make_docx(title: str = "Procedure", paragraphs: tuple[str, ...] = ("Step one.",)) -> bytes:
    document = docx.Document()
    document.add_heading(title, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def effective_document(
    owner, *, number: str = "QP-8.3-99", audiences=(), effective_days_ago: int = 3, **kwargs
):
    """A registered document with revision A effective (imported, approved by `owner`)."""
    document = services.create_document(
        number=number,
        title=kwargs.pop("title", f"Sample {number}"),
        doc_type=kwargs.pop("doc_type", "procedure"),
        owner=owner,
        review_interval_months=kwargs.pop("review_interval_months", 24),
        audiences=audiences,
        by=None,
        **kwargs,
    )
    revision = services.import_effective_revision(
        document,
        data=make_docx(f"{number} revision A", ("Original step.",)),
        filename=f"{number}-A.docx",
        label="A",
        effective_on=lab_today() - dt.timedelta(days=effective_days_ago),
        approved_by=owner,
    )
    db.session.commit()
    return document, revision
