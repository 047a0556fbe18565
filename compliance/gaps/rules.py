"""One small function per rule an assessor applies (see DOMAIN.md's gap table).

Each rule evaluates the whole lab as of `ctx.as_of` with set-based queries (never one query
per record) and yields Findings naming the exact record and the fix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from flask import url_for
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased, lazyload

from compliance.audits.services import programme_status
from compliance.capa.services import actions_open_on
from compliance.clauses.catalogue_iso17025 import CLAUSES, NON_REQUIREMENT_NUMBERS
from compliance.clauses.evidence import clauses_with_evidence, covered
from compliance.dates import add_months
from compliance.documents.models import (
    AcknowledgementTask,
    Document,
    Revision,
    RevisionState,
)
from compliance.documents.services import review_due_on
from compliance.extensions import db
from compliance.gaps.findings import Finding, Severity
from compliance.proficiency.services import pt_status
from compliance.quality.settings import management_review_interval_months
from compliance.reviews.services import last_final_review
from compliance.scope.models import Method, MethodStatus
from compliance.signatures.models import Signature
from compliance.stored.versions import note_read, reading
from compliance.users.models import User

S = RevisionState
T = TypeVar("T")


@dataclass(frozen=True)
class GapContext:
    as_of: dt.date
    today: dt.date
    warning_days: int  # how far ahead "due soon" looks from the as-of date
    _memo: dict = field(default_factory=dict, compare=False, repr=False)

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """What several rules read (the training matrix's required cells), computed once per
        evaluation; each rule that reuses it depends on the tables it was read from."""
        if key not in self._memo:
            with reading() as tables:
                value = compute()
            self._memo[key] = (value, frozenset(tables))
        value, tables = self._memo[key]
        note_read(set(tables))
        return value

    def forget(self) -> None:
        """Let the shared reads go once every rule has run."""
        self._memo.clear()


Rule = Callable[[GapContext], Iterator[Finding]]
RULES: dict[str, Rule] = {}


def rule(rule_id: str, *clauses: str):
    """Register a rule; `clauses`: the only clauses its findings name (none declared: any), so
    a clause page runs only the rules that can concern it."""

    def register(function: Rule) -> Rule:
        RULES[rule_id] = function
        function.rule_id = rule_id
        function.clauses = frozenset(clauses) or None
        return function

    return register


@rule("DOC-NOT-APPROVED", "8.3.2 a")
def doc_not_approved(ctx: GapContext) -> Iterator[Finding]:
    """An effective revision with no approval signature, by someone other than its author, on
    the bytes being served."""
    approval = aliased(Signature)
    # Columns, not entities: a stored result then depends on these columns only (not on a
    # document's review interval, say), see compliance.stored.
    stmt = (
        select(Revision.id, Revision.label, Document.number)
        .join(Document, Document.id == Revision.document_id)
        .where(Revision.state == S.EFFECTIVE.value)
        .outerjoin(
            approval,
            and_(
                approval.subject_type == "revision",
                approval.subject_id == Revision.id,
                approval.meaning.in_(["approved", "approved (imported)"]),
                or_(Revision.author_id.is_(None), approval.signer_id != Revision.author_id),
                approval.content_sha256 == Revision.file_sha256,
            ),
        )
        .where(approval.id.is_(None))
    )
    for revision_id, label, number in db.session.execute(stmt):
        yield Finding(
            "DOC-NOT-APPROVED",
            "8.3.2 a",
            Severity.BLOCKER,
            "document",
            number,
            f"{number} Rev {label} is in use without a valid approval signature by someone "
            "other than its author: withdraw it or issue an approved revision.",
            href=url_for("documents.revision", revision_id=revision_id),
        )


@rule("DOC-REVIEW-OVERDUE", "8.3.2 b")
def doc_review_overdue(ctx: GapContext) -> Iterator[Finding]:
    """The periodic review date of an effective document has passed (blocker) or falls within
    the warning window after the as-of date (warning)."""
    horizon = ctx.as_of + dt.timedelta(days=ctx.warning_days)
    # Only the columns the date needs: whole documents would drag their eager relations along.
    stmt = select(
        Document.id,
        Document.number,
        Document.title,
        Document.last_reviewed_on,
        Document.review_interval_months,
        Revision.effective_on,
    ).join(Revision, and_(Revision.document_id == Document.id, Revision.state == S.EFFECTIVE.value))
    for document in db.session.execute(stmt):
        due = review_due_on(
            document.effective_on, document.last_reviewed_on, document.review_interval_months
        )
        if due is None or due > horizon:
            continue
        overdue = due < ctx.as_of
        yield Finding(
            "DOC-REVIEW-OVERDUE",
            "8.3.2 b",
            Severity.BLOCKER if overdue else Severity.WARNING,
            "document",
            document.number,
            (
                f"{document.number} ({document.title}) was due for periodic review on {due}; "
                if overdue
                else f"{document.number} ({document.title}) is due for periodic review on {due}; "
            )
            + "sign 'reviewed, no change needed' or issue a new revision.",
            due_on=due,
            href=url_for("documents.show", document_id=document.id),
        )


@rule("DOC-ACK-OVERDUE", "8.3.2 d")
def doc_ack_overdue(ctx: GapContext) -> Iterator[Finding]:
    """Someone who must use an effective revision has not acknowledged it within the grace
    period, as of the date."""
    stmt = (
        select(
            AcknowledgementTask.due_on,
            Revision.id,
            Revision.label,
            Document.number,
            User.email,
            User.name,
        )
        .join(Revision, Revision.id == AcknowledgementTask.revision_id)
        .join(Document, Document.id == Revision.document_id)
        .join(User, User.id == AcknowledgementTask.user_id)
        .where(
            Revision.state == S.EFFECTIVE.value,
            AcknowledgementTask.acknowledged_at.is_(None),
            AcknowledgementTask.due_on < ctx.as_of,
            User.is_active.is_(True),
        )
    )
    for due_on, revision_id, label, number, email, name in db.session.execute(stmt):
        yield Finding(
            "DOC-ACK-OVERDUE",
            "8.3.2 d",
            Severity.WARNING,
            "person",
            email,
            f"{name} has not acknowledged {number} Rev {label} (due {due_on}).",
            due_on=due_on,
            href=url_for("documents.acknowledgements", revision_id=revision_id),
            detail=f"{number}@{label}",
        )


@rule("DOC-OBSOLETE-IN-USE", "8.3.2 f")
def doc_obsolete_in_use(ctx: GapContext) -> Iterator[Finding]:
    """A method in scope is governed by a procedure with no effective revision (only superseded
    or withdrawn ones), or by none at all."""
    current = aliased(Revision)
    stmt = (
        select(Method.code, Document.id, Document.number)
        .outerjoin(Document, Document.id == Method.procedure_id)
        .outerjoin(
            current,
            and_(current.document_id == Document.id, current.state == S.EFFECTIVE.value),
        )
        .where(Method.status == MethodStatus.IN_SCOPE.value, current.id.is_(None))
    )
    for code, document_id, number in db.session.execute(stmt):
        if document_id is None:
            message = f"Method {code} has no governing procedure on the scope."
        else:
            message = (
                f"Method {code} points at {number}, which has no effective revision "
                "(superseded or withdrawn only): analysts would work from an obsolete procedure."
            )
        yield Finding(
            "DOC-OBSOLETE-IN-USE",
            "8.3.2 f",
            Severity.BLOCKER,
            "method",
            code,
            message,
            href=url_for("documents.show", document_id=document_id) if document_id else None,
        )


def requirement_clauses() -> list[str]:
    """The clauses an assessor walks through: chapters 4-8 at the x.y level (and 5.x)."""
    return [
        row.number
        for row in CLAUSES
        if row.number not in NON_REQUIREMENT_NUMBERS
        and row.number.count(".") == 1
        and " " not in row.number
    ]


@rule("CLAUSE-NO-EVIDENCE")
def clause_no_evidence(ctx: GapContext) -> Iterator[Finding]:
    """A clause with no current evidence linked (on it, its parent or its sub-clauses)."""
    with_evidence = clauses_with_evidence(ctx.as_of)
    for number in requirement_clauses():
        if not covered(number, with_evidence):
            yield Finding(
                "CLAUSE-NO-EVIDENCE",
                number,
                Severity.WARNING,
                "clause",
                number,
                f"Clause {number} has no current evidence: link a document or record to it, or "
                "accept it as not applicable with a reason.",
                href=url_for("clauses.show", number=number),
            )


# --- quality-system records (issue 6) --------------------------------------------------------


def _due_severity(due: dt.date, ctx: GapContext) -> Severity | None:
    """Blocker once the date has passed, warning inside the window, else no finding."""
    if due < ctx.as_of:
        return Severity.BLOCKER
    if due <= ctx.as_of + dt.timedelta(days=ctx.warning_days):
        return Severity.WARNING
    return None


@rule("PT-DUE", "7.7.2")
def pt_due(ctx: GapContext) -> Iterator[Finding]:
    """A method in scope without a PT/ILC round within its planned interval (the first round is
    due one interval after the method joined the scope); info when no interval is planned."""
    methods = db.session.scalars(
        select(Method)
        .where(Method.status == MethodStatus.IN_SCOPE.value)
        .order_by(Method.code)
        .options(lazyload(Method.procedure))  # no document is read
    ).all()
    for row in pt_status(methods, ctx.as_of, ctx.warning_days):
        method, last = row.method, row.last
        href = url_for("proficiency.index")
        if row.due_on is None:
            yield Finding(
                "PT-DUE",
                "7.7.2",
                Severity.INFO,
                "method",
                method.code,
                f"No PT/ILC interval is planned for {method.code}: set one on the PT plan, or "
                "record why no scheme exists and how validity is assured otherwise.",
                href=href,
            )
            continue
        severity = _due_severity(row.due_on, ctx)
        if severity is None:
            continue
        since = (
            f"last round {last.performed_on} ({last.display})"
            if last
            else f"no round since it joined the scope on {method.scope_start}"
        )
        yield Finding(
            "PT-DUE",
            "7.7.2",
            severity,
            "method",
            method.code,
            f"PT/ILC for {method.code} {'was' if severity == Severity.BLOCKER else 'is'} due on "
            f"{row.due_on} ({since}, every {method.pt_interval_months} months): enter the next "
            "round and record the result.",
            due_on=row.due_on,
            href=href,
        )


@rule("IA-OVERDUE", "8.8.1", "8.8.2")
def ia_overdue(ctx: GapContext) -> Iterator[Finding]:
    """No internal audit completed within the interval (a warning while none is on record at
    all); a planned audit past its date; a clause no audit of the current cycle covers
    (completed in the last interval or planned within the next)."""
    clauses = requirement_clauses()
    programme = programme_status(ctx.as_of, clauses)
    href = url_for("audits.index")
    last = programme.last_completed
    # Nothing on record may be a programme not yet entered: a warning until there is a date.
    severity = Severity.WARNING if last is None else _due_severity(programme.due_on, ctx)
    if severity is not None:
        yield Finding(
            "IA-OVERDUE",
            "8.8.1",
            severity,
            "audit programme",
            "internal audits",
            (
                f"The last internal audit, {last.reference}, was completed on "
                f"{last.performed_on}; the next was due by {programme.due_on} (every "
                f"{programme.interval_months} months): complete an audit."
                if last
                else "No completed internal audit is on record: enter the last one, or plan "
                "and complete one."
            ),
            due_on=programme.due_on,
            href=href,
        )
    for audit in programme.late_planned:
        yield Finding(
            "IA-OVERDUE",
            "8.8.2",
            Severity.WARNING,
            "internal audit",
            audit.reference,
            f"{audit.reference} ({audit.title}) was planned for {audit.planned_on} and is not "
            "completed: complete it, re-plan it or cancel it with a reason.",
            due_on=audit.planned_on,
            href=url_for("audits.show", audit_id=audit.id),
        )
    for clause in programme.unaudited(clauses):
        yield Finding(
            "IA-OVERDUE",
            "8.8.2",
            Severity.WARNING,
            "clause",
            clause,
            f"Clause {clause} is not covered by any internal audit completed in the last "
            f"{programme.interval_months} months or planned within the next: add it to the "
            "programme.",
            href=href,
            detail="not audited",
        )


@rule("MR-OVERDUE", "8.9.1")
def mr_overdue(ctx: GapContext) -> Iterator[Finding]:
    """No management review with signed minutes within the interval (a warning while none is
    on record at all)."""
    interval = management_review_interval_months()
    last = last_final_review(ctx.as_of)
    due = add_months(last.held_on, interval) if last else None
    severity = Severity.WARNING if last is None else _due_severity(due, ctx)
    if severity is None:
        return
    yield Finding(
        "MR-OVERDUE",
        "8.9.1",
        severity,
        "management review",
        "management reviews",
        (
            f"The last management review, {last.reference}, was held on {last.held_on}; the "
            f"next is due by {due} (every {interval} months): hold and minute it."
            if last
            else "No management review with signed minutes is on record: enter the last one, "
            "or hold and minute one."
        ),
        due_on=due,
        href=url_for("reviews.index"),
    )


@rule("CA-OVERDUE", "8.7.1")
def ca_overdue(ctx: GapContext) -> Iterator[Finding]:
    """A corrective action open past its due date on the as-of date (warning when it falls
    due within the window)."""
    horizon = ctx.as_of + dt.timedelta(days=ctx.warning_days + 1)
    for action in actions_open_on(ctx.as_of, due_before=horizon):
        nc = action.nonconformity
        overdue = action.due_on < ctx.as_of
        yield Finding(
            "CA-OVERDUE",
            "8.7.1",
            Severity.BLOCKER if overdue else Severity.WARNING,
            "nonconformity",
            nc.reference,
            f"Corrective action #{action.id} on {nc.reference} ({action.description[:80]}), "
            f"owned by {action.owner.name}, {'was' if overdue else 'is'} due on "
            f"{action.due_on}: complete it and report it done.",
            due_on=action.due_on,
            href=url_for("capa.show", nc_id=nc.id),
            detail=f"action {action.id}",
        )


# The domain rule modules register themselves with @rule on import.
from compliance.gaps import equipment_rules, personnel_rules  # noqa: E402, F401
