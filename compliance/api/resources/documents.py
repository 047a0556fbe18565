"""GET /api/v1/documents: the master list with each document's current revision."""

from __future__ import annotations

from flask import abort, current_app, url_for
from sqlalchemy.orm import selectinload

from compliance.api.core import api_requires, bp, choice_arg, int_arg, paginated, text_arg
from compliance.api.resources.common import (
    DATE,
    DATE_TIME,
    INTEGER,
    PAGE_PARAMETERS,
    STRING,
    URI,
    json_response,
    nullable,
    obj,
    operation,
    page_of,
    path_id,
    query,
    ref,
    text_query,
)
from compliance.dates import lab_today
from compliance.documents import register
from compliance.documents.models import Document, DocumentType, Revision, RevisionState
from compliance.documents.services import current_revision
from compliance.extensions import db
from compliance.permissions import Permission
from compliance.web import MAX_ID

TYPES = [t.value for t in DocumentType]
STATUSES = ["effective", "no_effective"]
SORTS = list(register.SORTS)


def revision_json(revision: Revision) -> dict:
    return {
        "id": revision.id,
        "label": revision.label,
        "state": revision.state,
        "effective_on": revision.effective_on.isoformat() if revision.effective_on else None,
        "approved_at": revision.approved_at.isoformat() if revision.approved_at else None,
        "change_summary": revision.change_summary,
        "file_sha256": revision.file_sha256,
        "url": url_for("documents.revision", revision_id=revision.id, _external=True),
    }


def document_json(document: Document, current: Revision | None) -> dict:
    status, due = register.review_status(
        document, current, lab_today(), current_app.config["REVIEW_DUE_WINDOW_DAYS"]
    )
    return {
        "id": document.id,
        "number": document.number,
        "title": document.title,
        "type": document.doc_type,
        "owner": {"id": document.owner.id, "name": document.owner.name},
        "review_interval_months": document.review_interval_months,
        "last_reviewed_on": document.last_reviewed_on.isoformat()
        if document.last_reviewed_on
        else None,
        "next_review_on": due.isoformat() if due else None,
        "review_status": status,
        "clauses": document.clauses,
        "distribution": document.audiences,
        "current_revision": revision_json(current) if current else None,
        "url": url_for("documents.show", document_id=document.id, _external=True),
    }


@bp.get("/documents")
@api_requires(Permission.DOCUMENTS_READ)
def documents():
    filters = register.RegisterFilters(
        q=text_arg("q"),
        doc_type=choice_arg("type", TYPES),
        status=choice_arg("status", STATUSES),
        owner_id=int_arg("owner", default=None, minimum=1, maximum=2**31 - 1),
        clause=text_arg("clause", 20),
        sort=choice_arg("sort", SORTS) or "number",
    )
    query = register.register_query(filters).options(
        selectinload(Document.clause_rows), selectinload(Document.distribution_rows)
    )
    return paginated(query, lambda row: document_json(*row))


@bp.get("/documents/<int:document_id>")
@api_requires(Permission.DOCUMENTS_READ)
def document(document_id: int):
    found = db.session.get(Document, document_id) if document_id < 2**31 else None
    if found is None:
        abort(404, description=f"No document has id {document_id}.")
    return document_json(found, current_revision(found))


SCHEMAS = {
    "Revision": obj(
        {
            "id": INTEGER,
            "label": STRING,
            "state": {"type": "string", "enum": [s.value for s in RevisionState]},
            "effective_on": nullable(DATE),
            "approved_at": nullable(DATE_TIME),
            "change_summary": STRING,
            "file_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "url": URI,
        }
    ),
    "Document": obj(
        {
            "id": INTEGER,
            "number": STRING,
            "title": STRING,
            "type": {"type": "string", "enum": TYPES},
            "owner": obj({"id": INTEGER, "name": STRING}),
            "review_interval_months": {"type": "integer", "minimum": 1, "maximum": 120},
            "last_reviewed_on": nullable(DATE),
            "next_review_on": nullable(DATE),
            "review_status": {"enum": ["overdue", "due", "ok", None]},
            "clauses": {"type": "array", "items": STRING},
            "distribution": {"type": "array", "items": STRING},
            "current_revision": nullable(ref("Revision")),
            "url": URI,
        }
    ),
    "DocumentPage": page_of("Document"),
}

PATHS = {
    "/api/v1/documents": {
        "get": operation(
            "listDocuments",
            "The master list of documents, each with its current (effective) revision.",
            json_response("A page of documents.", ref("DocumentPage")),
            [
                text_query("q", "Search number, title and the current revision's text."),
                query("type", "Document type.", {"type": "string", "enum": TYPES}),
                query(
                    "status",
                    "With or without an effective revision.",
                    {"type": "string", "enum": STATUSES},
                ),
                query(
                    "owner",
                    "The owner's user id.",
                    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                ),
                text_query("clause", "ISO/IEC 17025 clause, sub-clauses included (8.3).", 20),
                query("sort", "Sort order.", {"type": "string", "enum": SORTS}),
                *PAGE_PARAMETERS,
            ],
        )
    },
    "/api/v1/documents/{document_id}": {
        "get": operation(
            "getDocument",
            "One document with its current revision.",
            json_response("The document.", ref("Document")),
            [path_id("document_id")],
            not_found=True,
        )
    },
}
