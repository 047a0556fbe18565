"""Current evidence per clause, gathered from every domain with one query per source.

A source is a function (as_of) -> iterable of Evidence. The clause pages, the evidence index
and the CLAUSE-NO-EVIDENCE rule all read the same list.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import and_, select

from compliance.clauses.models import Clause, ClauseLink
from compliance.documents.models import Document, DocumentClause, Revision, RevisionState
from compliance.equipment.evidence import EQUIPMENT_SOURCES
from compliance.extensions import db
from compliance.personnel.evidence import PERSONNEL_SOURCES
from compliance.quality.evidence import QUALITY_SOURCES


@dataclass(frozen=True)
class Evidence:
    clause: str  # ISO/IEC 17025:2017 number
    kind: str  # "document", "manual link", "training record", ...
    key: str  # the record's natural key
    label: str
    on: dt.date | None = None
    href: str | None = None
    note: str = ""


def effective_documents(as_of: dt.date) -> Iterable[Evidence]:
    """Effective documents declare the clauses they address."""
    stmt = (
        select(
            DocumentClause.clause_number,
            Document.id,
            Document.number,
            Document.title,
            Revision.id,
            Revision.label,
            Revision.effective_on,
        )
        .join(Document, Document.id == DocumentClause.document_id)
        .join(
            Revision,
            and_(
                Revision.document_id == Document.id, Revision.state == RevisionState.EFFECTIVE.value
            ),
        )
    )
    for clause, _doc_id, number, title, rev_id, label, effective_on in db.session.execute(stmt):
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


def evidence_by_clause(as_of: dt.date) -> dict[str, list[Evidence]]:
    grouped: dict[str, list[Evidence]] = defaultdict(list)
    for source in SOURCES:
        for item in source(as_of):
            grouped[item.clause].append(item)
    return grouped


def covered(number: str, evidence: dict[str, list[Evidence]]) -> bool:
    """Evidence on the clause itself, on a clause it belongs to, or on any of its sub-clauses."""
    if evidence.get(number):
        return True
    ancestors = _ancestors(number)
    if any(evidence.get(a) for a in ancestors):
        return True
    prefix_dot, prefix_space = number + ".", number + " "
    return any(
        items and (key.startswith(prefix_dot) or key.startswith(prefix_space))
        for key, items in evidence.items()
    )


def _ancestors(number: str) -> list[str]:
    found = []
    if " " in number:
        number = number.split(" ", 1)[0]
        found.append(number)
    while "." in number:
        number = number.rsplit(".", 1)[0]
        found.append(number)
    return found
