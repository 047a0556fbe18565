"""Collectors: one small function per domain returning the items a person must act on.

A collector takes (recipient, ctx) and yields DigestItems; the digest shows each collector's
items as one section, in the order collectors are registered. Lab-wide data is computed once
per run through `ctx.once(...)` and each collector picks the recipient's share of it, so a run
costs a fixed number of queries however many people it writes to. A collector that needs the
staff record reads `recipient.person` (people without a login have only that); one that needs
the login reads `recipient.user`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin

from flask import current_app, request, url_for
from sqlalchemy import select

from compliance.capa.services import actions_open_on
from compliance.documents.register import reviews_due
from compliance.documents.services import open_tasks_for
from compliance.equipment.calendar import dues
from compliance.equipment.services import due_soon_days
from compliance.extensions import db
from compliance.gaps.engine import evaluate
from compliance.gaps.findings import Severity
from compliance.permissions import Permission
from compliance.personnel.matrix import CellStatus, build_matrix
from compliance.personnel.models import Person
from compliance.reminders.recipients import Recipient


@dataclass
class DigestItem:
    text: str
    url: str | None = None
    due_on: dt.date | None = None
    # "overdue", "expired", "missing", "blocker", "warning": what the reader should see first
    flag: str | None = None


@dataclass
class DigestContext:
    as_of: dt.date
    review_window_days: int
    memo: dict = field(default_factory=dict)

    def once(self, key: str, compute: Callable):
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


Collect = Callable[[Recipient, DigestContext], Iterable[DigestItem]]


@dataclass(frozen=True)
class Collector:
    name: str
    title: str
    function: Collect
    index_endpoint: str | None = None  # the page listing them all, linked when a list is cut


COLLECTORS: dict[str, Collector] = {}


def collector(name: str, title: str, *, index_endpoint: str | None = None):
    def register(function: Collect) -> Collect:
        COLLECTORS[name] = Collector(name, title, function, index_endpoint)
        return function

    return register


def absolute(path: str | None) -> str | None:
    """An app path made absolute against the public base URL the run works under."""
    return urljoin(request.host_url, path) if path else None


# --- documents ------------------------------------------------------------------------------


@collector(
    "acknowledgements",
    "Documents to read and acknowledge",
    index_endpoint="documents.my_tasks",
)
def acknowledgements(recipient: Recipient, ctx: DigestContext) -> Iterable[DigestItem]:
    if recipient.user is None:
        return
    for task in open_tasks_for(recipient.user):
        revision = task.revision
        yield DigestItem(
            f"{revision.display}: {revision.document.title}",
            url_for("documents.revision", revision_id=revision.id, _external=True),
            task.due_on,
            "overdue" if task.is_overdue(ctx.as_of) else None,
        )


@collector(
    "document_reviews",
    "Periodic reviews of documents you own",
    index_endpoint="documents.index",
)
def document_reviews(recipient: Recipient, ctx: DigestContext) -> Iterable[DigestItem]:
    if recipient.user is None:
        return
    due = ctx.once("reviews_due", lambda: reviews_due(ctx.as_of, ctx.review_window_days))
    for document, _revision, status, due_on in due:
        if document.owner_id == recipient.user.id:
            yield DigestItem(
                f"{document.number}: {document.title}",
                url_for("documents.show", document_id=document.id, _external=True),
                due_on,
                "overdue" if status == "overdue" else None,
            )


# --- personnel ------------------------------------------------------------------------------


def training_by_person(as_of: dt.date) -> dict[int, list]:
    """(item column, cell) pairs per person working here on `as_of`: the training matrix over
    everyone at once (a handful of queries)."""
    active = Person.active_on_clause(as_of)
    people = db.session.scalars(select(Person).where(active).order_by(Person.id)).all()
    matrix = build_matrix(people, as_of=as_of, person_ids=select(Person.id).where(active))
    return {row.person.id: list(zip(matrix.columns, row.cells, strict=True)) for row in matrix.rows}


TRAINING_ORDER = {CellStatus.EXPIRED: 0, CellStatus.MISSING: 1, CellStatus.DUE: 2}


@collector(
    "training",
    "Your training: expired, missing or expiring",
    index_endpoint="personnel.my_training",
)
def training(recipient: Recipient, ctx: DigestContext) -> Iterable[DigestItem]:
    """Required training that has expired, is missing, or expires within the matrix's due-soon
    window (the same statuses as the training matrix)."""
    if recipient.person is None:
        return
    statuses = ctx.once("training", lambda: training_by_person(ctx.as_of))
    cells = [
        (column, cell)
        for column, cell in statuses.get(recipient.person.id, [])
        if cell.required and cell.status in TRAINING_ORDER
    ]
    cells.sort(key=lambda pair: (TRAINING_ORDER[pair[1].status], pair[1].expires_on or ctx.as_of))
    url = url_for("personnel.my_training", _external=True) if recipient.user else None
    for column, cell in cells:
        what = f"{column.heading}: {column.title}" if column.title else column.heading
        if cell.status is CellStatus.DUE:
            text = f"{what} expires"
        elif cell.status is CellStatus.EXPIRED:
            text = f"{what} expired" + (f" ({cell.note})" if cell.note else "")
        else:
            text = f"{what}: no training on record" + (f" ({cell.note})" if cell.note else "")
        flag = None if cell.status is CellStatus.DUE else cell.status.value
        yield DigestItem(text, url, cell.expires_on, flag)


# --- equipment ------------------------------------------------------------------------------


@collector(
    "equipment",
    "Calibrations and intermediate checks of equipment in your custody",
    index_endpoint="equipment.calendar_view",
)
def equipment(recipient: Recipient, ctx: DigestContext) -> Iterable[DigestItem]:
    """Calibrations and checks overdue or due within the programme's due-soon window, for the
    items the person is custodian of."""
    if recipient.user is None:
        return
    due = ctx.once(
        "equipment_dues",
        lambda: dues(ctx.as_of + dt.timedelta(days=due_soon_days()), today=ctx.as_of),
    )
    for item in due:
        if item.equipment.custodian_id == recipient.user.id:
            yield DigestItem(
                f"{item.equipment.asset_id} {item.equipment.description}: {item.label}",
                url_for("equipment.show", equipment_id=item.equipment.id, _external=True),
                item.day,
                "overdue" if item.overdue else None,
            )


# --- corrective actions ---------------------------------------------------------------------


@collector("capa_actions", "Corrective actions you own", index_endpoint="capa.my_actions")
def capa_actions(recipient: Recipient, ctx: DigestContext) -> Iterable[DigestItem]:
    """Open corrective actions the person owns, overdue or due within the gap warning window."""
    if recipient.user is None:
        return
    horizon = ctx.as_of + dt.timedelta(days=current_app.config["GAP_WARNING_DAYS"] + 1)
    actions = ctx.once("capa_actions", lambda: actions_open_on(ctx.as_of, due_before=horizon))
    for action in actions:
        if action.owner_id == recipient.user.id:
            nc = action.nonconformity
            yield DigestItem(
                f"{nc.reference}: {action.description}",
                url_for("capa.show", nc_id=nc.id, _external=True),
                action.due_on,
                "overdue" if action.due_on < ctx.as_of else None,
            )


# --- the lab's findings, for the quality manager ---------------------------------------------


@collector("lab_findings", "The lab's open findings", index_endpoint="gaps.index")
def lab_findings(recipient: Recipient, ctx: DigestContext) -> Iterable[DigestItem]:
    """Open blockers and warnings, worst first (the readiness page has the rest)."""
    if recipient.user is None or not recipient.user.can(Permission.GAPS_VIEW):
        return
    evaluation = ctx.once("evaluation", lambda: evaluate(ctx.as_of))
    for finding in evaluation.open:
        if finding.severity is Severity.INFO:
            continue
        yield DigestItem(
            f"{finding.rule} ({finding.clause}): {finding.message}",
            absolute(finding.href) or url_for("gaps.index", _external=True),
            finding.due_on,
            finding.severity.value,
        )
