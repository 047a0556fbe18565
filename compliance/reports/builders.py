"""The reports: pre-assessment gaps, evidence index, master list of documents."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from sqlalchemy import and_, select

from compliance.clauses.catalogue_iso17025 import BY_NUMBER
from compliance.clauses.evidence import Evidence, all_evidence
from compliance.documents.models import Document, Revision, RevisionState
from compliance.documents.services import next_review_on
from compliance.extensions import db
from compliance.gaps import readiness
from compliance.gaps.engine import evaluate
from compliance.reports.docx_report import Report
from compliance.signatures.services import signatures_for

S = RevisionState


def gap_report(as_of: dt.date, lab_name: str) -> bytes:
    """Findings as of a date, by clause, with the action each needs."""
    evaluation = evaluate(as_of)
    summary = evaluation.summary()
    report = Report(
        "Pre-assessment gap report",
        subtitle=f"{lab_name} · findings as of {as_of.isoformat()} · "
        f"{summary['blocker']} blocker, {summary['warning']} warning, {summary['info']} info",
    )
    report.heading("Readiness by chapter")
    report.table(
        ["Chapter", "Title", "Clauses clear", "Readiness"],
        [
            (c.chapter, c.title, f"{c.clear}/{c.clauses}", f"{c.percent}%")
            for c in readiness.by_chapter(evaluation)
        ],
    )
    report.heading("Findings by clause")
    for clause, findings in readiness.by_clause(evaluation.findings).items():
        title = BY_NUMBER[clause].title if clause in BY_NUMBER else ""
        report.heading(f"{clause} {title}", level=2)
        report.table(
            ["Severity", "Rule", "Record", "Finding and action", "Due"],
            [
                (
                    f.severity.value + (" (accepted)" if f.accepted else ""),
                    f.rule,
                    f"{f.subject_type} {f.subject_key}",
                    f.message + (f" Accepted: {f.accepted_reason}" if f.accepted else ""),
                    f.due_on.isoformat() if f.due_on else "",
                )
                for f in findings
            ],
        )
    if not evaluation.findings:
        report.paragraph("No findings.")
    return report.to_bytes()


# The index lists this many records of one kind on a clause and counts the rest: an index to
# read, not a register (every record is in the evidence package's RECORDS_CSV).
INDEX_LIMIT = 50
RECORDS_CSV = "evidence-records.csv"
RECORDS_HEADER = ("Clause", "Kind", "Record", "Evidence", "Date", "Note")


def evidence_record(item: Evidence) -> tuple:
    return (item.clause, item.kind, item.key, item.label, item.on, item.note)


class EvidenceIndex:
    """Clause -> current evidence, with revision and dates, collected one record at a time so
    that memory holds INDEX_LIMIT records per clause and kind, however many there are."""

    def __init__(self, as_of: dt.date, lab_name: str):
        self.as_of, self.lab_name = as_of, lab_name
        self.shown: dict[tuple[str, str], list[Evidence]] = defaultdict(list)
        self.counts: Counter[tuple[str, str]] = Counter()

    def add(self, item: Evidence) -> None:
        if item.clause not in BY_NUMBER:
            return
        key = (item.clause, item.kind)
        self.counts[key] += 1
        if self.counts[key] <= INDEX_LIMIT:
            self.shown[key].append(item)

    def to_bytes(self) -> bytes:
        report = Report(
            "Evidence index", subtitle=f"{self.lab_name} · current evidence as of {self.as_of}"
        )
        rows = []
        for clause, kind in sorted(self.shown, key=lambda key: (_clause_key(key[0]), key[1])):
            title = BY_NUMBER[clause].title
            for item in self.shown[clause, kind]:
                rows.append(
                    (clause, title, kind, item.label, item.on.isoformat() if item.on else "")
                )
            if (more := self.counts[clause, kind] - INDEX_LIMIT) > 0:
                rows.append(
                    (
                        clause,
                        title,
                        kind,
                        f"… and {more} more {kind} records ({self.counts[clause, kind]} in all): "
                        f"every one is listed in {RECORDS_CSV} in the evidence package.",
                        "",
                    )
                )
        report.table(["Clause", "Title", "Kind", "Evidence", "Date"], rows)
        return report.to_bytes()


def evidence_index(as_of: dt.date, lab_name: str) -> bytes:
    index = EvidenceIndex(as_of, lab_name)
    for item in all_evidence(as_of):
        index.add(item)
    return index.to_bytes()


def master_document_list(lab_name: str) -> bytes:
    """Every document with its current revision, effective date, approver and next review."""
    current = (
        select(Document, Revision)
        .outerjoin(
            Revision, and_(Revision.document_id == Document.id, Revision.state == S.EFFECTIVE.value)
        )
        .order_by(Document.number)
    )
    rows = db.session.execute(current).all()
    approvals = signatures_for("revision", [r.id for _, r in rows if r is not None])
    report = Report("Master list of documents", subtitle=lab_name, landscape=True)
    report.table(
        ["Number", "Title", "Type", "Current rev", "Effective", "Approved by", "Next review"],
        [
            (
                document.number,
                document.title,
                document.type_label,
                revision.label if revision else "none effective",
                revision.effective_on.isoformat() if revision and revision.effective_on else "",
                ", ".join(
                    s.printed_name
                    for s in approvals.get(revision.id, [])
                    if s.meaning.startswith("approved")
                )
                if revision
                else "",
                (next_review_on(document, revision) or "") if revision else "",
            )
            for document, revision in rows
        ],
    )
    return report.to_bytes()


def _clause_key(number: str) -> tuple:
    """ "6.2" < "6.2 a" < "6.2.5": numbers first, then the lettered item."""
    head, _, letter = number.partition(" ")
    return tuple(int(p) for p in head.split(".")), letter
