"""Event sources: one small function per domain yielding the dated events of a person's feed.

A source takes (user, ctx) and yields CalendarEvents. Personal sources run for everyone;
lab-wide sources run only for people holding their permission (quality managers, through
Permission.CALENDAR_LAB). An event in both a personal and the lab-wide source (a custodian who
is also quality manager) has one uid, so it appears once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlparse

from flask import current_app, url_for

from compliance.documents.register import reviews_due
from compliance.documents.services import open_tasks_for
from compliance.equipment.calendar import Due, dues
from compliance.permissions import Permission
from compliance.personnel.services import person_for_user, person_matrix_row
from compliance.users.models import User

# Longest review, calibration and check interval is 120 months: this horizon takes in every
# next due date.
ALL_REVIEWS_DAYS = 3700
ALL_DUES_DAYS = ALL_REVIEWS_DAYS


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable across fetches, so clients update an event instead of duplicating it
    day: dt.date  # an all-day event
    summary: str
    description: str = ""
    url: str | None = None
    category: str = ""


@dataclass
class FeedContext:
    today: dt.date
    memo: dict = field(default_factory=dict)

    def once(self, key: str, compute: Callable):
        """Lab-wide data computed once per feed, shared by the sources that need it."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def uid(self, kind: str, *parts) -> str:
        host = urlparse(current_app.config["PUBLIC_BASE_URL"]).hostname or "compliance"
        return "-".join([kind, *map(str, parts)]) + f"@{host}"


EventSource = Callable[[User, FeedContext], Iterable[CalendarEvent]]


@dataclass(frozen=True)
class Source:
    name: str
    function: EventSource
    permission: Permission | None  # None: a personal source, for everyone


SOURCES: dict[str, Source] = {}


def event_source(name: str, *, permission: Permission | None = None):
    def register(function: EventSource) -> EventSource:
        SOURCES[name] = Source(name, function, permission)
        return function

    return register


def events_for(user: User, today: dt.date) -> list[CalendarEvent]:
    """Every event of the sources this person may see, one per uid, by date."""
    ctx = FeedContext(today)
    events: dict[str, CalendarEvent] = {}
    for source in SOURCES.values():
        if source.permission is not None and not user.can(source.permission):
            continue
        for event in source.function(user, ctx):
            events.setdefault(event.uid, event)
    return sorted(events.values(), key=lambda e: (e.day, e.summary))


# --- documents ------------------------------------------------------------------------------


@event_source("my_acknowledgements")
def my_acknowledgements(user: User, ctx: FeedContext) -> Iterable[CalendarEvent]:
    """The date each open reading task is due."""
    for task in open_tasks_for(user):
        revision = task.revision
        yield CalendarEvent(
            uid=ctx.uid("ack", task.id),
            day=task.due_on,
            summary=f"Acknowledge {revision.display}",
            description=f"Read and acknowledge {revision.display} ({revision.document.title}).",
            url=url_for("documents.revision", revision_id=revision.id, _external=True),
            category="Acknowledgement",
        )


def _review_event(ctx: FeedContext, document, due: dt.date) -> CalendarEvent:
    return CalendarEvent(
        uid=ctx.uid("review", document.id, due.isoformat()),
        day=due,
        summary=f"Periodic review due: {document.number}",
        description=(
            f"{document.number} ({document.title}), owner {document.owner.name}: sign "
            "'reviewed, no change needed' or issue a new revision."
        ),
        url=url_for("documents.show", document_id=document.id, _external=True),
        category="Document review",
    )


def _all_reviews(ctx: FeedContext):
    return ctx.once("reviews", lambda: reviews_due(ctx.today, ALL_REVIEWS_DAYS))


@event_source("my_document_reviews")
def my_document_reviews(user: User, ctx: FeedContext) -> Iterable[CalendarEvent]:
    """Next periodic review of each effective document the person owns."""
    for document, _revision, _status, due in _all_reviews(ctx):
        if document.owner_id == user.id:
            yield _review_event(ctx, document, due)


@event_source("lab_document_reviews", permission=Permission.CALENDAR_LAB)
def lab_document_reviews(user: User, ctx: FeedContext) -> Iterable[CalendarEvent]:
    """Next periodic review of every effective document in the lab."""
    for document, _revision, _status, due in _all_reviews(ctx):
        yield _review_event(ctx, document, due)


# --- equipment ------------------------------------------------------------------------------


def _all_dues(ctx: FeedContext) -> list[Due]:
    """Every item's next calibration and intermediate check, overdue ones included (3 queries)."""
    return ctx.once(
        "equipment_dues",
        lambda: dues(ctx.today + dt.timedelta(days=ALL_DUES_DAYS), today=ctx.today),
    )


def _due_event(ctx: FeedContext, due: Due) -> CalendarEvent:
    item = due.equipment
    what = "Calibration" if due.kind == "calibration" else "Intermediate check"
    where = f" ({item.location})" if item.location else ""
    custodian = f", custodian {item.custodian.name}" if item.custodian else ""
    consequence = (
        "From this date on the item is not to be used until it is calibrated."
        if due.kind == "calibration"
        else "Check the item against its reference and record the result."
    )
    return CalendarEvent(
        uid=ctx.uid(due.kind, item.id, due.day.isoformat()),
        day=due.day,
        summary=f"{what} due: {item.asset_id}",
        description=f"{item.asset_id} {item.description}{where}{custodian}. {consequence}",
        url=url_for("equipment.show", equipment_id=item.id, _external=True),
        category=what,
    )


@event_source("my_equipment")
def my_equipment(user: User, ctx: FeedContext) -> Iterable[CalendarEvent]:
    """Calibration and intermediate-check due dates of the items in the person's custody."""
    for due in _all_dues(ctx):
        if due.equipment.custodian_id == user.id:
            yield _due_event(ctx, due)


@event_source("lab_equipment", permission=Permission.CALENDAR_LAB)
def lab_equipment(user: User, ctx: FeedContext) -> Iterable[CalendarEvent]:
    """Calibration and intermediate-check due dates of every item in the programme."""
    for due in _all_dues(ctx):
        yield _due_event(ctx, due)


# --- personnel ------------------------------------------------------------------------------


@event_source("my_training")
def my_training(user: User, ctx: FeedContext) -> Iterable[CalendarEvent]:
    """The day each of the person's trainings expires (the training matrix's statuses)."""
    person = person_for_user(user)
    if person is None:
        return
    for column, cell in person_matrix_row(person, ctx.today):
        if cell.expires_on is None:
            continue
        yield CalendarEvent(
            uid=ctx.uid("training", person.id, column.id, cell.expires_on.isoformat()),
            day=cell.expires_on,
            summary=f"Training expires: {column.label}",
            description=(
                f"Your training on {column.heading} ({column.title}) is valid through this day: "
                "retrain before it expires."
            ),
            url=url_for("personnel.my_training", _external=True),
            category="Training",
        )
