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


def next_revision(document, owner, *, label: str = "B", effective_days_ago: int = 1):
    """Another imported revision of `document`, superseding the effective one."""
    revision = services.import_effective_revision(
        document,
        data=make_docx(f"{document.number} revision {label}", (f"Step of {label}.",)),
        filename=f"{document.number}-{label}.docx",
        label=label,
        effective_on=lab_today() - dt.timedelta(days=effective_days_ago),
        approved_by=owner,
    )
    db.session.commit()
    return revision


def make_method(code: str = "AS6171/2", *, title: str | None = None, procedure=None):
    """A test method on the scope, governed by `procedure` (a Document) if given."""
    from compliance.scope.models import Method

    method = Method(
        code=code,
        title=title or f"Method {code}",
        procedure_id=procedure.id if procedure is not None else None,
    )
    db.session.add(method)
    db.session.commit()
    return method


def make_person(
    employee_id: str = "E100", *, name: str | None = None, job_roles=(), user=None, **kwargs
):
    """A staff record, linked to `user`'s login when given."""
    from compliance.personnel import services as personnel

    person = personnel.create_person(
        employee_id=employee_id,
        name=name or (user.name if user is not None else f"Person {employee_id}"),
        email=user.email if user is not None else kwargs.pop("email", None),
        job_roles=job_roles,
        by=None,
        **kwargs,
    )
    db.session.commit()
    return person


def make_pdf(pages: int = 1) -> bytes:
    """A small, clean PDF (blank pages): what an evidence upload accepts."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
