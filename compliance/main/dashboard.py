"""What the dashboard shows: each domain contributes cards and lists for the roles it concerns."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, url_for
from flask_login import current_user
from sqlalchemy import func, select

from compliance.audit.models import AuditEntry
from compliance.dates import lab_today
from compliance.documents import register
from compliance.documents.services import open_tasks_for
from compliance.extensions import db
from compliance.permissions import Permission
from compliance.users.models import User

# The dashboard lists the soonest periodic reviews; the card links to the register's full list.
REVIEWS_LISTED = 10


@dataclass
class Card:
    title: str
    value: str
    note: str = ""
    href: str | None = None
    tone: str = "secondary"


@dataclass
class Dashboard:
    cards: list[Card] = field(default_factory=list)
    reviews_due: list = field(default_factory=list)  # the soonest REVIEWS_LISTED
    reviews_not_listed: int = 0
    my_tasks: list = field(default_factory=list)


def for_current_user() -> Dashboard:
    board = Dashboard()
    today = lab_today()
    if current_user.can(Permission.DOCUMENTS_ACKNOWLEDGE):
        board.my_tasks = open_tasks_for(current_user.user)
        overdue = sum(1 for t in board.my_tasks if t.is_overdue(today))
        board.cards.append(
            Card(
                "My reading tasks",
                str(len(board.my_tasks)),
                f"{overdue} overdue" if overdue else "none overdue",
                url_for("documents.my_tasks"),
                "danger" if overdue else ("warning" if board.my_tasks else "success"),
            )
        )
    if current_user.can(Permission.DOCUMENTS_EDIT):
        window = current_app.config["REVIEW_DUE_WINDOW_DAYS"]
        dates = register.review_dates(today, window)
        board.reviews_due = register.with_documents(dates[:REVIEWS_LISTED])
        board.reviews_not_listed = len(dates) - len(board.reviews_due)
        overdue = sum(1 for _, status, _ in dates if status == "overdue")
        board.cards.append(
            Card(
                "Document reviews",
                str(len(dates)),
                f"{overdue} overdue, {len(dates) - overdue} due in {window} days",
                url_for("documents.index", review="due"),
                "danger" if overdue else ("warning" if dates else "success"),
            )
        )
    from compliance.personnel.services import dashboard_cards

    board.cards.extend(Card(**card) for card in dashboard_cards(current_user, today))
    if current_user.can(Permission.EQUIPMENT_VIEW):
        board.cards.extend(_equipment_cards(today))
    from compliance.quality.dashboard import dashboard_cards as quality_cards

    board.cards.extend(Card(**card) for card in quality_cards(current_user, today))
    if current_user.can(Permission.USERS_MANAGE):
        active = db.session.scalar(
            select(func.count()).select_from(User).where(User.is_active.is_(True))
        )
        board.cards.append(
            Card("Active accounts", str(active), "people who can sign in", url_for("users.index"))
        )
    if current_user.can(Permission.AUDIT_VIEW):
        # The chain's sequence is gapless from 1 and entries are never deleted: its maximum
        # is the count, read from the index instead of a scan of the whole trail.
        entries = db.session.scalar(select(func.coalesce(func.max(AuditEntry.seq), 0)))
        board.cards.append(
            Card("Audit trail", str(entries), "entries recorded", url_for("audit.index"))
        )
    return board


def _equipment_cards(today) -> list[Card]:
    """Calibrations overdue or due soon, and out-of-tolerance impact assessments still open."""
    from compliance.equipment import services as equipment

    window = equipment.due_soon_days()
    counts = equipment.programme_counts(today, window)
    stop = counts["overdue"] + counts["missing"]
    open_assessments = equipment.open_assessment_count()
    return [
        Card(
            "Calibrations",
            str(stop),
            f"{counts['overdue']} overdue, {counts['missing']} never calibrated: do not use; "
            f"{counts['due_soon']} due in {window} days",
            url_for("equipment.index", due="overdue" if counts["overdue"] else "due_soon"),
            "danger" if stop else ("warning" if counts["due_soon"] else "success"),
        ),
        Card(
            "Out-of-tolerance impact",
            str(open_assessments),
            "impact assessments open" if open_assessments else "no assessment open",
            url_for("equipment.assessments"),
            "danger" if open_assessments else "success",
        ),
    ]
