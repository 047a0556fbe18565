"""Gap rules on people: required training (6.2.2, 6.2.5) and authorization (6.2.6).

The training rules read the training matrix (compliance.personnel.matrix: the one place that
says when a training is current, expired or missing); the authorization rules read the same
"current authorization" and "qualified" answers the personnel pages and readiness use. Each
runs in a fixed number of queries whatever the number of people and records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from compliance.extensions import db
from compliance.gaps.findings import Finding, Severity
from compliance.gaps.rules import GapContext, _due_severity, rule
from compliance.personnel.matrix import Cell, CellStatus, ItemColumn, MatrixRow, required_cells
from compliance.personnel.models import Authorization, Person
from compliance.personnel.services import current_authorizations, unqualified_authorizations
from compliance.scope.models import Method, MethodStatus


def _required_cells(ctx: GapContext) -> list[tuple[MatrixRow, ItemColumn, Cell]]:
    """Every training a job role requires of someone working here on the as-of date, with its
    status on that date (the matrix: five queries or so, whatever the number of people).
    Computed once per evaluation: both training rules read it."""

    def compute():
        active = Person.active_on_clause(ctx.as_of)
        people = db.session.scalars(select(Person).where(active).order_by(Person.name)).all()
        return list(
            required_cells(people, as_of=ctx.as_of, person_ids=select(Person.id).where(active))
        )

    return ctx.memo("required training cells", compute)


def _authorized(ctx: GapContext):
    """Every method's authorizations current on the as-of date: both AUTH rules read them."""
    return ctx.memo(
        "current authorizations", lambda: current_authorizations(select(Method.id), ctx.as_of)
    )


def _who(row: MatrixRow) -> str:
    roles = ", ".join(row.job_roles)
    return f"{row.person.name} ({row.person.employee_id}, {roles})"


def _record_training(row: MatrixRow, column: ItemColumn) -> str:
    return url_for("personnel.record_training", person_id=row.person.id, item=column.id)


@rule("TRN-MISSING", "6.2.5")
def trn_missing(ctx: GapContext) -> Iterator[Finding]:
    """Someone working here on the as-of date has no record of a training their job role
    requires (for a controlled document: none on any revision)."""
    for row, column, cell in _required_cells(ctx):
        if cell.status is not CellStatus.MISSING:
            continue
        if column.document_id is not None and column.current_revision_id is None:
            # Nobody can train on a document with nothing in force: the fix is the document.
            message = (
                f"{_who(row)} must be trained on {column.label} ({column.title}), which has no "
                "effective revision to train on: issue a revision, or drop the requirement."
            )
            href = url_for("documents.show", document_id=column.document_id)
        else:
            what = (
                f"{column.label} Rev {column.current_revision_label}"
                if column.current_revision_label
                else column.label
            )
            message = (
                f"{_who(row)} has no training on {what} ({column.title}), which their job role "
                "requires: record the training."
            )
            href = _record_training(row, column)
        yield Finding(
            "TRN-MISSING",
            "6.2.5",
            Severity.BLOCKER,
            "person",
            row.person.employee_id,
            message,
            href=href,
            detail=column.label,
        )


@rule("TRN-EXPIRED", "6.2.5")
def trn_expired(ctx: GapContext) -> Iterator[Finding]:
    """A required training has expired by the as-of date, or was on a revision of the document
    that is no longer current (blocker); or expires within the warning window (warning)."""
    for row, column, cell in _required_cells(ctx):
        if cell.status is CellStatus.EXPIRED:
            severity = Severity.BLOCKER
        elif cell.status is CellStatus.MISSING or cell.expires_on is None:
            continue
        else:
            severity = _due_severity(cell.expires_on, ctx)
            if severity is None:
                continue
        if cell.expires_on is None:  # trained on an earlier revision only
            message = (
                f"{_who(row)} was trained on {column.label} ({column.title}) but not on its "
                f"current revision, Rev {column.current_revision_label} ({cell.note}): train "
                "them on it, or have them acknowledge it."
            )
        else:
            verb = "expired" if severity is Severity.BLOCKER else "expires"
            message = (
                f"{_who(row)}'s training on {column.label} ({column.title}), completed "
                f"{cell.completed_on}, {verb} on {cell.expires_on}: record the retraining."
            )
        yield Finding(
            "TRN-EXPIRED",
            "6.2.5",
            severity,
            "person",
            row.person.employee_id,
            message,
            due_on=cell.expires_on,
            href=_record_training(row, column),
            detail=column.label,
        )


def _last_day(authorization: Authorization) -> dt.date:
    """The last day the authorization can be used: its end, or the holder's last working day."""
    ends = [authorization.expires_on or dt.date.max]
    if authorization.person.left_on is not None:
        ends.append(authorization.person.left_on - dt.timedelta(days=1))
    return min(ends)


@rule("AUTH-NONE", "6.2.6")
def auth_none(ctx: GapContext) -> Iterator[Finding]:
    """A method in scope has nobody authorized for it on the as-of date (blocker), or every
    authorization current then ends, or its holder leaves, within the warning window (warning).
    """
    methods = db.session.scalars(
        select(Method)
        .where(Method.status == MethodStatus.IN_SCOPE.value)
        .order_by(Method.code)
        .options(lazyload(Method.procedure))  # codes and titles: no document is read
    ).all()
    authorized = _authorized(ctx)
    href = url_for("personnel.methods")
    for method in methods:
        people = authorized.get(method.id, [])
        if not people:
            yield Finding(
                "AUTH-NONE",
                "6.2.6",
                Severity.BLOCKER,
                "method",
                method.code,
                f"Nobody is authorized for {method.code} ({method.title}) on {ctx.as_of}: "
                "authorize a trained, competent analyst.",
                href=href,
            )
            continue
        last = max(people, key=_last_day)
        if _last_day(last) == dt.date.max:
            continue
        uncovered_from = _last_day(last) + dt.timedelta(days=1)
        if _due_severity(uncovered_from, ctx) is None:
            continue
        why = (
            f"{last.person.name} leaves on {last.person.left_on}"
            if last.person.left_on == uncovered_from
            else f"{last.person.name}'s authorization ends on {last.expires_on}"
        )
        yield Finding(
            "AUTH-NONE",
            "6.2.6",
            Severity.WARNING,
            "method",
            method.code,
            f"Nobody will be authorized for {method.code} ({method.title}) from "
            f"{uncovered_from} ({why}; no authorization runs beyond it): authorize another "
            "trained, competent analyst.",
            due_on=uncovered_from,
            href=href,
        )


@rule("AUTH-UNQUALIFIED", "6.2.6")
def auth_unqualified(ctx: GapContext) -> Iterator[Finding]:
    """Someone authorized for a method in scope on the as-of date lacks current training on the
    current revision of its procedure, or a current competence assessment."""
    seen: set[tuple[int, int]] = set()
    for authorization, unmet in unqualified_authorizations(ctx.as_of, _authorized(ctx)):
        person, method = authorization.person, authorization.method
        if not method.is_in_scope or (person.id, method.id) in seen:
            continue
        seen.add((person.id, method.id))
        override = (
            f" (authorized on {authorization.authorized_on} by override: "
            f"{authorization.override_reason})"
            if authorization.override_reason
            else ""
        )
        yield Finding(
            "AUTH-UNQUALIFIED",
            "6.2.6",
            Severity.BLOCKER,
            "person",
            person.employee_id,
            f"{person.name} ({person.employee_id}) is authorized for {method.code}{override} "
            f"but: {'; '.join(unmet)}. Record the training or competence assessment, or "
            "suspend the authorization.",
            href=url_for("personnel.show_person", person_id=person.id),
            detail=method.code,
        )
