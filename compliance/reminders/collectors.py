"""Collectors: one small function per domain returning the items a person must act on.

A collector takes (recipient, ctx) and yields DigestItems; the digest shows each collector's
items as one section, in the order collectors are registered. Lab-wide data is computed once
per run through `ctx.once(...)`. Later domains plug in here with one function each, e.g.
    @collector("training_expiring", "Training expiring", index_endpoint="personnel.my_training")
    @collector("my_calibrations", "Calibrations of equipment in your custody", ...)
    @collector("capa_actions", "Corrective actions you own", ...)
A collector that needs the staff record reads `recipient.person` (people without a login have
only that) or looks it up from `recipient.user`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin

from flask import request, url_for

from compliance.documents.register import reviews_due
from compliance.documents.services import open_tasks_for
from compliance.gaps.engine import evaluate
from compliance.gaps.findings import Severity
from compliance.permissions import Permission
from compliance.reminders.recipients import Recipient


@dataclass
class DigestItem:
    text: str
    url: str | None = None
    due_on: dt.date | None = None
    flag: str | None = None  # "overdue", "blocker", "warning": what the reader should see first


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
