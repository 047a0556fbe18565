"""Current evidence per clause, gathered from every domain with one query per source.

A source is a function (as_of) -> iterable of Evidence. The clause pages, the evidence index
and the CLAUSE-NO-EVIDENCE rule all read the same list.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import and_, select

from compliance.clauses.models import Clause, ClauseLink
from compliance.clauses.source import covered_by, covered_clauses_query, declared_clauses
from compliance.documents.models import Document, DocumentClause, Revision, RevisionState
from compliance.equipment.evidence import EQUIPMENT_SOURCES
from compliance.extensions import db
from compliance.personnel.evidence import PERSONNEL_SOURCES
from compliance.quality.evidence import QUALITY_SOURCES
from compliance.stored.results import Recipe, stored


@dataclass(frozen=True)
class Evidence:
    clause: str  # ISO/IEC 17025:2017 number
    kind: str  # "document", "manual link", "training record", ...
    key: str  # the record's natural key
    label: str
    on: dt.date | None = None
    href: str | None = None
    note: str = ""


def _effective_documents_stmt(*columns):
    return (
        select(*columns)
        .join(Document, Document.id == DocumentClause.document_id)
        .join(
            Revision,
            and_(
                Revision.document_id == Document.id, Revision.state == RevisionState.EFFECTIVE.value
            ),
        )
    )


def _clauses_of_effective_documents(as_of: dt.date) -> set[str]:
    stmt = _effective_documents_stmt(DocumentClause.clause_number).distinct()
    return set(db.session.scalars(stmt))


@covered_by(_clauses_of_effective_documents)
def effective_documents(as_of: dt.date) -> Iterable[Evidence]:
    """Effective documents declare the clauses they address."""
    stmt = _effective_documents_stmt(
        DocumentClause.clause_number,
        Document.number,
        Document.title,
        Revision.id,
        Revision.label,
        Revision.effective_on,
    )
    for clause, number, title, rev_id, label, effective_on in db.session.execute(stmt):
        yield Evidence(
            clause,
            "document",
            number,
            f"{number} Rev {label} · {title}",
            effective_on,
            url_for("documents.revision", revision_id=rev_id),
        )


def manual_links(as_of: dt.date) -> Iterable[Evidence]:
    stmt = (
        select(Clause.number, ClauseLink)
        .join(Clause, Clause.id == ClauseLink.clause_id)
        .where(ClauseLink.retired_at.is_(None))
    )
    for number, link in db.session.execute(stmt):
        yield Evidence(
            number,
            "manual link",
            f"{link.record_type}:{link.record_key}",
            f"{link.record_type} {link.record_key}",
            link.linked_at.date(),
            None,
            link.note,
        )


SOURCES: list[Callable[[dt.date], Iterable[Evidence]]] = [
    effective_documents,
    manual_links,
    *QUALITY_SOURCES,  # audits, reviews, CAPA, PT, risks, complaints, method verification
    *EQUIPMENT_SOURCES,  # calibrations, checks, providers, impact assessments, register
    *PERSONNEL_SOURCES,  # job role requirements, training, competence, authorizations
]


# A clause page lists this many records of one kind per clause, then says the register has more.
PAGE_LIMIT = 25


def all_evidence(as_of: dt.date) -> Iterator[Evidence]:
    """Every current record, source by source, one at a time (the evidence package streams it)."""
    for source in SOURCES:
        yield from source(as_of)


def evidence_by_clause(as_of: dt.date) -> dict[str, list[Evidence]]:
    """Everything, grouped by clause."""
    grouped: dict[str, list[Evidence]] = defaultdict(list)
    for item in all_evidence(as_of):
        grouped[item.clause].append(item)
    return grouped


def evidence_counts(as_of: dt.date) -> Counter[str]:
    """How many current records each clause holds (the clause matrix), without keeping them
    (stored: see compliance.stored)."""

    def compute():
        return dict(Counter(item.clause for item in all_evidence(as_of)))

    return Counter(stored(Recipe("evidence counts", {"as_of": as_of.isoformat()}, compute)))


def clauses_with_evidence(as_of: dt.date) -> set[str]:
    """The clauses holding at least one current record. A source with declared clauses is read
    only until it has shown each of them (or not at all when they are known already), and one
    with a covered-clauses query answers with it, so the cost does not grow with the number of
    documents, calibrations or training records."""
    found: set[str] = set()
    for source in SOURCES:
        declared = declared_clauses(source)
        if declared is not None and declared <= found:
            continue
        if (query := covered_clauses_query(source)) is not None:
            found |= query(as_of)
            continue
        items = iter(source(as_of))
        try:
            for item in items:
                found.add(item.clause)
                if declared is not None and declared <= found:
                    break
        finally:
            if hasattr(items, "close"):
                items.close()
    return found


@dataclass
class ClauseEvidence:
    items: list[Evidence]
    # (clause, kind) pairs with more records than PAGE_LIMIT: the page says so.
    truncated: set[tuple[str, str]]

    def stored(self) -> dict:
        items = [
            [e.clause, e.kind, e.key, e.label, e.on.isoformat() if e.on else None, e.href, e.note]
            for e in self.items
        ]
        return {"items": items, "truncated": sorted(self.truncated)}

    @classmethod
    def from_stored(cls, data: dict) -> ClauseEvidence:
        items = [
            Evidence(
                clause, kind, key, label, dt.date.fromisoformat(on) if on else None, href, note
            )
            for clause, kind, key, label, on, href, note in data["items"]
        ]
        return cls(items, {tuple(pair) for pair in data["truncated"]})


def evidence_for_clause(number: str, as_of: dt.date, limit: int = PAGE_LIMIT) -> ClauseEvidence:
    """Current evidence on a clause and its sub-clauses, at most `limit` records of each kind per
    clause, from only the sources that can concern it (stored: see compliance.stored)."""
    inputs = {"clause": number, "as_of": as_of.isoformat(), "limit": limit}
    recipe = Recipe(
        "clause evidence",
        inputs,
        compute=lambda: _evidence_for_clause(number, as_of, limit),
        dump=lambda found: found.stored(),
        load=ClauseEvidence.from_stored,
    )
    return stored(recipe)


def _evidence_for_clause(number: str, as_of: dt.date, limit: int) -> ClauseEvidence:
    shown: dict[tuple[str, str], int] = defaultdict(int)
    items: list[Evidence] = []
    truncated: set[tuple[str, str]] = set()
    for source in SOURCES:
        declared = declared_clauses(source)
        if declared is not None and not any(within(c, number) for c in declared):
            continue
        wanted = {c for c in declared if within(c, number)} if declared is not None else None
        full: set[str] = set()  # clauses this source has filled
        stream = iter(source(as_of))
        try:
            for item in stream:
                if not within(item.clause, number):
                    continue
                key = (item.clause, item.kind)
                if shown[key] < limit:
                    shown[key] += 1
                    items.append(item)
                    continue
                truncated.add(key)
                full.add(item.clause)
                if wanted is not None and wanted <= full:
                    break  # nothing more this source could add
        finally:
            if hasattr(stream, "close"):
                stream.close()
    items.sort(key=lambda item: (item.clause != number, item.clause))
    return ClauseEvidence(items, truncated)


def covered(number: str, clauses: Collection[str]) -> bool:
    """Evidence on the clause itself, on a clause it belongs to, or on any of its sub-clauses.

    `clauses`: the clauses holding evidence (clauses_with_evidence, or evidence_counts'
    keys)."""
    if number in clauses:
        return True
    if any(a in clauses for a in _ancestors(number)):
        return True
    return any(within(key, number) for key in clauses)


def within(clause: str, number: str) -> bool:
    """`clause` is `number` itself or one of its sub-clauses or lettered items."""
    return clause == number or clause.startswith((number + ".", number + " "))


def _ancestors(number: str) -> list[str]:
    found = []
    if " " in number:
        number = number.split(" ", 1)[0]
        found.append(number)
    while "." in number:
        number = number.rsplit(".", 1)[0]
        found.append(number)
    return found
