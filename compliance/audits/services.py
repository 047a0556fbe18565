"""Internal audits (8.8): plan the programme, conduct an audit, record findings, complete.

Every function flushes and writes its audit-trail entry; none commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from compliance.audit.services import diff, record
from compliance.audits.independence import independence_conflicts
from compliance.audits.models import (
    AuditClause,
    AuditFinding,
    AuditStatus,
    FindingKind,
    InternalAudit,
)
from compliance.capa.models import NCSource, Nonconformity, RiskLevel
from compliance.capa.services import open_nonconformity
from compliance.dates import add_months, lab_today
from compliance.extensions import db
from compliance.permissions import Permission, Role
from compliance.quality.numbering import next_reference
from compliance.quality.rules import QualityError, clean_clause, clean_clauses, clean_text, covers
from compliance.quality.settings import internal_audit_interval_months
from compliance.scope.models import Method
from compliance.users.models import User


class AuditError(QualityError):
    """A refused internal-audit action; the message names the rule."""


def _user(by) -> User | None:
    return getattr(by, "user", by)


def _trail(audit: InternalAudit, action: str, by, changes: dict, reason: str | None = None):
    record(
        action,
        entity_type="internal_audit",
        entity_key=audit.reference,
        actor=by,
        changes=changes,
        reason=reason,
    )


def check_independence(
    auditor: User, clauses: Sequence[str], methods: Sequence[Method], auditee: User | None
) -> None:
    conflicts = independence_conflicts(auditor, clauses, methods, auditee)
    if conflicts:
        raise AuditError(
            f"{auditor.name} cannot audit their own work: {auditor.name} "
            + "; ".join(conflicts)
            + ". Choose another auditor or narrow the audit."
        )


def _values(audit: InternalAudit) -> dict:
    return {
        "title": audit.title,
        "planned_on": audit.planned_on,
        "auditor": audit.auditor.email,
        "auditee": audit.auditee.email if audit.auditee else None,
        "clauses": audit.clauses,
        "methods": [m.code for m in audit.methods],
    }


def plan_audit(
    *,
    by,
    title: str,
    planned_on: dt.date,
    auditor: User,
    clauses,
    methods: Sequence[Method] = (),
    auditee: User | None = None,
) -> InternalAudit:
    """Put an audit in the programme. Refused when the auditor would audit their own work."""
    clauses = clean_clauses(clauses, required=True)
    methods = sorted(set(methods), key=lambda m: m.code)
    if auditor is None or not auditor.is_active:
        raise AuditError("The auditor must be an active user.")
    check_independence(auditor, clauses, methods, auditee)
    audit = InternalAudit(
        reference=next_reference(InternalAudit.reference, "IA", planned_on, width=2),
        title=clean_text(title, "A title", limit=300),
        planned_on=planned_on,
        auditor_id=auditor.id,
        auditor=auditor,
        auditee_id=auditee.id if auditee else None,
        auditee=auditee,
        status=AuditStatus.PLANNED.value,
        clause_rows=[AuditClause(clause_number=c) for c in clauses],
        methods=list(methods),
        findings=[],
    )
    db.session.add(audit)
    db.session.flush()
    _trail(audit, "internal_audit.planned", by, diff({}, _values(audit)))
    return audit


def update_plan(
    audit: InternalAudit,
    *,
    by,
    title: str,
    planned_on: dt.date,
    auditor: User,
    clauses,
    methods: Sequence[Method] = (),
    auditee: User | None = None,
    reason: str | None = None,
) -> dict:
    """Change a planned audit (date, auditor, coverage); the independence rule applies again."""
    if not audit.is_planned:
        raise AuditError(f"{audit.reference} is {audit.status}; only a planned audit changes.")
    clauses = clean_clauses(clauses, required=True)
    methods = sorted(set(methods), key=lambda m: m.code)
    check_independence(auditor, clauses, methods, auditee)
    before = _values(audit)
    audit.title = clean_text(title, "A title", limit=300)
    audit.planned_on = planned_on
    audit.auditor_id, audit.auditor = auditor.id, auditor
    audit.auditee_id, audit.auditee = (auditee.id if auditee else None), auditee
    if clauses != audit.clauses:
        audit.clause_rows = [AuditClause(clause_number=c) for c in clauses]
    audit.methods = list(methods)
    changes = diff(before, {**_values(audit), "clauses": clauses})
    if changes:
        db.session.flush()
        _trail(audit, "internal_audit.replanned", by, changes, reason)
    return changes


def can_conduct(principal, audit: InternalAudit) -> bool:
    """The assigned auditor conducts the audit; a quality manager may record for them."""
    user = _user(principal)
    return user is not None and (user.id == audit.auditor_id or user.has_role(Role.QUALITY_MANAGER))


def add_finding(
    audit: InternalAudit,
    *,
    by,
    kind: str,
    clause_number: str,
    description: str,
    evidence: str = "",
) -> AuditFinding:
    """A finding within the audit's clauses, numbered in order."""
    if not can_conduct(by, audit):
        raise AuditError(f"Only the auditor of {audit.reference} records its findings.")
    if not audit.is_planned:
        raise AuditError(f"{audit.reference} is {audit.status}; its findings are final.")
    if kind not in {k.value for k in FindingKind}:
        raise AuditError(f"Unknown finding kind '{kind}'.")
    clause = clean_clause(clause_number, required=True)
    if not any(covers(audited, clause) for audited in audit.clauses):
        raise AuditError(
            f"Clause {clause} is outside the audit ({', '.join(audit.clauses)}); record it in "
            "an audit that covers it."
        )
    user = _user(by)
    finding = AuditFinding(
        audit_id=audit.id,
        audit=audit,
        number=len(audit.findings) + 1,
        kind=kind,
        clause_number=clause,
        description=clean_text(description, "A description of the finding"),
        evidence=clean_text(evidence, "The evidence", required=False),
        recorded_by_id=user.id if user else None,
    )
    db.session.add(finding)
    db.session.flush()
    _trail(
        audit,
        "internal_audit.finding_recorded",
        by,
        {
            "finding": [None, finding.number],
            "kind": [None, kind],
            "clause": [None, clause],
            "description": [None, finding.description],
        },
    )
    return finding


def raise_nonconformity(
    finding: AuditFinding, *, by, risk: str = RiskLevel.MEDIUM.value
) -> Nonconformity:
    """Open the nonconformity a finding calls for (once)."""
    if finding.kind != FindingKind.NONCONFORMITY.value:
        raise AuditError(
            f"{finding.display} is an {finding.kind_enum.label}; only a nonconformity finding "
            "opens a nonconformity."
        )
    if finding.nonconformity_id is not None:
        raise AuditError(f"{finding.display} already opened {finding.nonconformity.reference}.")
    audit = finding.audit
    if not can_conduct(by, audit):
        raise AuditError(f"Only the auditor of {audit.reference} or a quality manager can.")
    nc = open_nonconformity(
        by=by,
        source=NCSource.AUDIT.value,
        source_id=finding.id,
        source_label=finding.display,
        description=finding.description,
        clause_number=finding.clause_number,
        risk=risk,
        raised_on=audit.performed_on or lab_today(),
        method=audit.methods[0] if len(audit.methods) == 1 else None,
    )
    finding.nonconformity_id, finding.nonconformity = nc.id, nc
    db.session.flush()
    _trail(
        audit,
        "internal_audit.nonconformity_raised",
        by,
        {"finding": [finding.number, finding.number], "nonconformity": [None, nc.reference]},
    )
    return nc


def complete(audit: InternalAudit, *, by, performed_on: dt.date, summary: str) -> None:
    """The auditor closes the audit with the date and their conclusion; its findings are final.
    Independence is checked again (ownership may have changed since the plan)."""
    if not can_conduct(by, audit):
        raise AuditError(f"Only the auditor of {audit.reference} completes it.")
    if not audit.is_planned:
        raise AuditError(f"{audit.reference} is already {audit.status}.")
    if performed_on is None or performed_on > lab_today():
        raise AuditError("The audit date must be today or earlier.")
    check_independence(audit.auditor, audit.clauses, audit.methods, audit.auditee)
    audit.summary = clean_text(summary, "The audit conclusion")
    audit.performed_on = performed_on
    audit.status = AuditStatus.COMPLETED.value
    db.session.flush()
    _trail(
        audit,
        "internal_audit.completed",
        by,
        {"status": [AuditStatus.PLANNED.value, audit.status], "performed_on": [None, performed_on]},
        reason=audit.summary,
    )


def cancel(audit: InternalAudit, *, by, reason: str) -> None:
    if not audit.is_planned:
        raise AuditError(f"{audit.reference} is {audit.status}; only a planned audit is cancelled.")
    reason = clean_text(reason, "A reason")
    audit.status = AuditStatus.CANCELLED.value
    audit.cancelled_reason = reason
    db.session.flush()
    _trail(
        audit,
        "internal_audit.cancelled",
        by,
        {"status": [AuditStatus.PLANNED.value, audit.status]},
        reason,
    )


# --- the programme --------------------------------------------------------------------------


def audits(*, status: str = "") -> list[InternalAudit]:
    stmt = select(InternalAudit).order_by(InternalAudit.planned_on.desc(), InternalAudit.id.desc())
    if status:
        stmt = stmt.where(InternalAudit.status == status)
    return list(db.session.scalars(stmt))


def audits_for(user: User) -> list[InternalAudit]:
    return list(
        db.session.scalars(
            select(InternalAudit)
            .where(InternalAudit.auditor_id == user.id)
            .order_by(InternalAudit.planned_on.desc())
        )
    )


@dataclass
class ProgrammeStatus:
    as_of: dt.date
    interval_months: int
    last_completed: InternalAudit | None
    due_on: dt.date | None  # next audit due: one interval after the last completed one
    late_planned: list[InternalAudit] = field(default_factory=list)  # planned, date passed
    coverage: dict[str, list[InternalAudit]] = field(default_factory=dict)

    def unaudited(self, clauses: Sequence[str]) -> list[str]:
        return [c for c in clauses if not self.coverage.get(c)]


def programme_status(as_of: dt.date, clauses: Sequence[str]) -> ProgrammeStatus:
    """The programme as of a date: the last completed audit and when the next is due; planned
    audits whose date has passed; and, for each of `clauses`, the audits that cover it within
    the cycle (completed in the last interval, or planned within the next). Reads only the
    audits of the cycle and the planned ones (plus the last completed, when it is older), not
    years of history."""
    interval = internal_audit_interval_months()
    window_start = add_months(as_of, -interval)
    window_end = add_months(as_of, interval)
    done_by = (InternalAudit.status == AuditStatus.COMPLETED.value) & (
        InternalAudit.performed_on <= as_of
    )
    # Dates and clauses decide the programme: not each audit's methods and findings.
    bare = (lazyload(InternalAudit.methods), lazyload(InternalAudit.findings))
    rows = db.session.scalars(
        select(InternalAudit)
        .where(
            (done_by & (InternalAudit.performed_on > window_start))
            | (InternalAudit.status == AuditStatus.PLANNED.value)
        )
        .options(*bare)
    ).all()
    completed = sorted((a for a in rows if a.is_completed), key=lambda a: (a.performed_on, a.id))
    last = completed[-1] if completed else None
    if last is None:
        last = db.session.scalar(
            select(InternalAudit)
            .where(done_by)
            .order_by(InternalAudit.performed_on.desc(), InternalAudit.id.desc())
            .limit(1)
            .options(*bare)
        )
    status = ProgrammeStatus(
        as_of=as_of,
        interval_months=interval,
        last_completed=last,
        due_on=add_months(last.performed_on, interval) if last else None,
        late_planned=sorted(
            (a for a in rows if a.is_planned and a.planned_on < as_of), key=lambda a: a.planned_on
        ),
    )
    in_cycle = completed + [a for a in rows if a.is_planned and as_of <= a.planned_on <= window_end]
    audited = [(audit, _Audited(audit.clauses)) for audit in in_cycle]
    for clause in clauses:
        status.coverage[clause] = [audit for audit, scope in audited if scope.covers(clause)]
    return status


class _Audited:
    """An audit's clauses, to answer quality.rules.covers for many clauses: the clauses and all
    their parents, so each question is a few set lookups."""

    def __init__(self, numbers: Sequence[str]):
        self.numbers = {n.split(" ")[0] for n in numbers}
        self.with_parents = {p for n in self.numbers for p in _parents_and_self(n)}

    def covers(self, clause: str) -> bool:
        number = clause.split(" ")[0]
        # The clause is audited or contains an audited clause; or an audited clause contains it.
        return number in self.with_parents or any(
            p in self.numbers for p in _parents_and_self(number)
        )


def _parents_and_self(number: str) -> list[str]:
    parts = number.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def can_view(principal, audit: InternalAudit) -> bool:
    """Quality readers see every audit; the assigned auditor sees theirs."""
    return principal.can(Permission.QUALITY_VIEW) or principal.id == audit.auditor_id
