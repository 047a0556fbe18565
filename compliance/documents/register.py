"""The master list: search, filter and sort the register; who may see which revision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from compliance.dates import lab_today
from compliance.documents.models import (
    Document,
    DocumentClause,
    Revision,
    RevisionState,
    searchable,
)
from compliance.documents.services import next_review_on, review_due_on
from compliance.extensions import db
from compliance.permissions import Permission
from compliance.stored.results import Recipe, stored

S = RevisionState
SORTS = {
    "number": Document.number,
    "title": Document.title,
    "type": Document.doc_type,
    "effective": None,  # filled below: the current revision's effective date
}

Current = aliased(Revision, name="current")


@dataclass
class RegisterFilters:
    q: str = ""
    doc_type: str = ""
    status: str = ""  # effective | draft_only | withdrawn
    owner_id: int | None = None
    clause: str = ""
    review: str = ""  # due: periodic review overdue or due within the window
    sort: str = "number"


def register_query(filters: RegisterFilters):
    """Documents with their current (effective) revision, as (Document, Revision|None) rows."""
    stmt = select(Document, Current).outerjoin(
        Current, and_(Current.document_id == Document.id, Current.state == S.EFFECTIVE.value)
    )
    if filters.q:
        term = searchable(filters.q.strip())
        stmt = stmt.where(
            or_(
                func.lower(Document.number).contains(term, autoescape=True),
                func.lower(Document.title).contains(term, autoescape=True),
                Current.search_text.contains(term, autoescape=True),
            )
        )
    if filters.doc_type:
        stmt = stmt.where(Document.doc_type == filters.doc_type)
    if filters.owner_id:
        stmt = stmt.where(Document.owner_id == filters.owner_id)
    if filters.clause:
        stmt = stmt.where(
            Document.id.in_(
                select(DocumentClause.document_id).where(
                    or_(
                        DocumentClause.clause_number == filters.clause,
                        DocumentClause.clause_number.like(f"{filters.clause}.%"),
                    )
                )
            )
        )
    if filters.review == "due":
        window = current_app.config["REVIEW_DUE_WINDOW_DAYS"]
        due = [revision_id for revision_id, _, _ in review_dates(lab_today(), window)]
        stmt = stmt.where(Current.id.in_(due))
    if filters.status == "effective":
        stmt = stmt.where(Current.id.is_not(None))
    elif filters.status == "no_effective":
        stmt = stmt.where(Current.id.is_(None))
    order = Current.effective_on if filters.sort == "effective" else SORTS.get(filters.sort)
    stmt = stmt.order_by(order if order is not None else Document.number, Document.number)
    return stmt


def visible_states(principal) -> set[RevisionState]:
    """Which revision states this person may open (auditors never see drafts)."""
    states = {S.EFFECTIVE}
    if principal.can(Permission.DOCUMENTS_READ_OBSOLETE):
        states |= {S.SUPERSEDED, S.WITHDRAWN}
    if principal.can(Permission.DOCUMENTS_READ_DRAFTS):
        states |= {S.DRAFT, S.IN_REVIEW, S.APPROVED}
    return states


def can_view(principal, revision: Revision) -> bool:
    return revision.state_enum in visible_states(principal)


def review_status(document: Document, effective: Revision | None, today: dt.date, window: int):
    """("overdue" | "due" | "ok" | None, next review date) for the periodic review."""
    return _review_status(next_review_on(document, effective), today, window)


def _review_status(due: dt.date | None, today: dt.date, window: int):
    if due is None:
        return None, None
    if due < today:
        return "overdue", due
    if due <= today + dt.timedelta(days=window):
        return "due", due
    return "ok", due


def review_dates(today: dt.date, window_days: int) -> list[tuple[int, str, dt.date]]:
    """(effective revision id, "overdue" | "due", review date) of every document whose periodic
    review is overdue or due within the window, soonest first (stored: see compliance.stored)."""

    def compute():
        # Columns only: the dates of thousands of documents, none of them loaded whole.
        effective = and_(Current.document_id == Document.id, Current.state == S.EFFECTIVE.value)
        stmt = select(
            Current.id,
            Document.number,
            Current.effective_on,
            Document.last_reviewed_on,
            Document.review_interval_months,
        ).join(Current, effective)
        found = []
        for revision_id, number, effective_on, last_reviewed_on, interval in db.session.execute(
            stmt
        ):
            due = review_due_on(effective_on, last_reviewed_on, interval)
            status, on = _review_status(due, today, window_days)
            if status in ("overdue", "due"):
                found.append((on.isoformat(), number, revision_id, status))
        return [[revision_id, status, on] for on, _, revision_id, status in sorted(found)]

    inputs = {"today": today.isoformat(), "window_days": window_days}
    rows = stored(Recipe("review dates", inputs, compute))
    return [(revision_id, status, dt.date.fromisoformat(on)) for revision_id, status, on in rows]


def reviews_due(today: dt.date, window_days: int) -> list[tuple[Document, Revision, str, dt.date]]:
    """Effective documents whose periodic review is overdue or due within the window, soonest
    first, with their documents."""
    return with_documents(review_dates(today, window_days))


def with_documents(dates: list[tuple[int, str, dt.date]]):
    """review_dates' rows as (Document, Revision, status, date), in the same order."""
    if not dates:
        return []
    revisions = {
        revision.id: revision
        for revision in db.session.scalars(
            select(Revision).where(Revision.id.in_([revision_id for revision_id, _, _ in dates]))
        )
    }
    return [
        (revisions[revision_id].document, revisions[revision_id], status, on)
        for revision_id, status, on in dates
    ]
