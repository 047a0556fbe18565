"""Management reviews (8.9): prepare with the figures the app knows, minute, sign, follow up.

Every function flushes and writes its audit entry; none commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Callable

from sqlalchemy import select

from compliance.audit.services import diff, record
from compliance.audits.models import AuditStatus, InternalAudit
from compliance.capa.models import NCStatus, Nonconformity
from compliance.capa.services import overdue_actions
from compliance.clauses.catalogue_iso17025 import BY_NUMBER
from compliance.complaints.models import Complaint
from compliance.dates import add_months, lab_today
from compliance.db import utcnow
from compliance.extensions import db
from compliance.proficiency.models import PTEvent
from compliance.proficiency.services import pt_plan
from compliance.quality.numbering import next_reference
from compliance.quality.rules import QualityError, clean_text
from compliance.reviews.models import ManagementReview, ReviewAction, ReviewInput, ReviewStatus
from compliance.risks.models import Risk, RiskCategory, RiskStatus
from compliance.signatures.models import Meaning, Signature
from compliance.signatures.services import sign
from compliance.users.models import User

INPUT_KEYS = tuple("abcdefghijklmno")


class ReviewError(QualityError):
    """A refused management-review action; the message names the rule."""


def input_title(key: str) -> str:
    return BY_NUMBER[f"8.9.2 {key}"].title


# --- figures the app pre-fills: key -> [(name, function(period_from, held_on) -> text)] ------

FigureSource = Callable[[dt.date, dt.date], str]
FIGURE_SOURCES: dict[str, list[tuple[str, FigureSource]]] = {}


def register_figures(key: str, name: str, source: FigureSource) -> FigureSource:
    """Let a domain pre-fill one input, e.g. equipment issues under "o" (other factors).
    `source(period_from, held_on)` returns a line or two of plain text."""
    if key not in INPUT_KEYS:
        raise ValueError(f"8.9.2 has no input '{key}'")
    entries = [entry for entry in FIGURE_SOURCES.setdefault(key, []) if entry[0] != name]
    FIGURE_SOURCES[key] = [*entries, (name, source)]
    return source


def figures(key: str):
    def decorator(source: FigureSource) -> FigureSource:
        return register_figures(key, source.__name__, source)

    return decorator


def _counted(counter: Counter) -> str:
    return ", ".join(f"{n} {label}" for label, n in sorted(counter.items())) or "none"


@figures("d")
def previous_actions(period_from: dt.date, held_on: dt.date) -> str:
    rows = db.session.scalars(
        select(ReviewAction).join(ManagementReview).where(ManagementReview.held_on < held_on)
    ).all()
    if not rows:
        return "No actions from earlier reviews."
    done = sum(1 for a in rows if a.completed_on and a.completed_on <= held_on)
    late = sum(
        1 for a in rows if not (a.completed_on and a.completed_on <= held_on) and a.due_on < held_on
    )
    return (
        f"Actions from earlier reviews: {len(rows)}, {done} done, {len(rows) - done} open "
        f"({late} overdue)."
    )


@figures("e")
def internal_audits(period_from: dt.date, held_on: dt.date) -> str:
    rows = db.session.scalars(
        select(InternalAudit).where(
            InternalAudit.status == AuditStatus.COMPLETED.value,
            InternalAudit.performed_on > period_from,
            InternalAudit.performed_on <= held_on,
        )
    ).all()
    if not rows:
        return "No internal audit was completed in the period."
    kinds = Counter(f.kind for a in rows for f in a.findings)
    refs = ", ".join(a.reference for a in rows)
    return f"{len(rows)} internal audit(s) completed ({refs}); findings: {_counted(kinds)}."


@figures("f")
def corrective_actions(period_from: dt.date, held_on: dt.date) -> str:
    raised = db.session.scalars(
        select(Nonconformity).where(
            Nonconformity.raised_on > period_from, Nonconformity.raised_on <= held_on
        )
    ).all()
    still_open = db.session.scalars(
        select(Nonconformity).where(
            Nonconformity.status == NCStatus.OPEN.value, Nonconformity.raised_on <= held_on
        )
    ).all()
    late = overdue_actions(held_on)
    sources = Counter(nc.source_enum.label for nc in raised)
    return (
        f"Nonconformities raised in the period: {len(raised)} ({_counted(sources)}); "
        f"open now: {len(still_open)}; corrective actions overdue: {len(late)}."
    )


@figures("j")
def complaints(period_from: dt.date, held_on: dt.date) -> str:
    rows = db.session.scalars(
        select(Complaint).where(
            Complaint.received_on > period_from, Complaint.received_on <= held_on
        )
    ).all()
    if not rows:
        return "No complaints received in the period."
    upheld = sum(1 for c in rows if c.is_upheld)
    unresolved = sum(1 for c in rows if not c.is_resolved)
    return f"{len(rows)} complaint(s) received, {upheld} upheld, {unresolved} not yet resolved."


@figures("m")
def risks(period_from: dt.date, held_on: dt.date) -> str:
    rows = db.session.scalars(select(Risk).where(Risk.status == RiskStatus.OPEN.value)).all()
    ratings = Counter(r.rating for r in rows if r.kind == "risk")
    impartiality = sum(1 for r in rows if r.category == RiskCategory.IMPARTIALITY.value)
    opportunities = sum(1 for r in rows if r.kind == "opportunity")
    return (
        f"Open risks by rating: {_counted(ratings)}; impartiality risks: {impartiality}; "
        f"opportunities: {opportunities}."
    )


@figures("n")
def proficiency(period_from: dt.date, held_on: dt.date) -> str:
    rows = db.session.scalars(
        select(PTEvent).where(PTEvent.performed_on > period_from, PTEvent.performed_on <= held_on)
    ).all()
    results = Counter(e.result for e in rows)
    overdue = [s.method.code for s in pt_plan(held_on) if s.state == "overdue"]
    return (
        f"PT/ILC rounds in the period: {len(rows)} ({_counted(results)}); methods with PT "
        f"overdue: {', '.join(overdue) or 'none'}."
    )


def prefill(key: str, period_from: dt.date, held_on: dt.date) -> str:
    return "\n".join(source(period_from, held_on) for _, source in FIGURE_SOURCES.get(key, []))


# --- the review -------------------------------------------------------------------------------


def _trail(review: ManagementReview, action: str, by, changes: dict, reason: str | None = None):
    record(
        action,
        entity_type="management_review",
        entity_key=review.reference,
        actor=by,
        changes=changes,
        reason=reason,
    )


def _require_draft(review: ManagementReview) -> None:
    if review.is_final:
        raise ReviewError(f"The minutes of {review.reference} are signed; they no longer change.")


def previous_review(held_on: dt.date, *, exclude: int | None = None) -> ManagementReview | None:
    stmt = select(ManagementReview).where(ManagementReview.held_on < held_on)
    if exclude:
        stmt = stmt.where(ManagementReview.id != exclude)
    return db.session.scalar(stmt.order_by(ManagementReview.held_on.desc()).limit(1))


def create_review(*, by, held_on: dt.date, attendees: str = "") -> ManagementReview:
    """A review meeting, its inputs pre-filled with the figures for the period since the
    previous review (or the year before)."""
    previous = previous_review(held_on)
    period_from = previous.held_on if previous else add_months(held_on, -12)
    review = ManagementReview(
        reference=next_reference(ManagementReview.reference, "MR", held_on, width=2),
        held_on=held_on,
        period_from=period_from,
        attendees=(attendees or "").strip(),
        status=ReviewStatus.DRAFT.value,
        inputs=[
            ReviewInput(key=key, figures=prefill(key, period_from, held_on), notes="")
            for key in INPUT_KEYS
        ],
        actions=[],
    )
    db.session.add(review)
    db.session.flush()
    _trail(
        review,
        "management_review.created",
        by,
        {"held_on": [None, held_on], "period_from": [None, period_from]},
    )
    return review


def refresh_figures(review: ManagementReview, *, by) -> None:
    """Recompute the pre-filled figures (a draft only)."""
    _require_draft(review)
    for row in review.inputs:
        row.figures = prefill(row.key, review.period_from, review.held_on)
    db.session.flush()
    _trail(review, "management_review.figures_refreshed", by, {})


def _minuted(review: ManagementReview) -> dict:
    return {
        "held_on": review.held_on,
        "attendees": review.attendees,
        "decisions": review.decisions,
        **{f"input_{row.key}": [row.is_covered, row.notes] for row in review.inputs},
    }


def update_review(
    review: ManagementReview,
    *,
    by,
    held_on: dt.date,
    attendees: str,
    decisions: str,
    inputs: dict[str, tuple[bool, str]],
) -> dict:
    """Minute the meeting: attendees, each input covered (with notes), decisions."""
    _require_draft(review)
    before = _minuted(review)
    review.held_on = held_on
    review.attendees = clean_text(attendees, "Attendees", required=False)
    review.decisions = clean_text(decisions, "Decisions", required=False, limit=20000)
    for row in review.inputs:
        if row.key in inputs:
            covered, notes = inputs[row.key]
            row.is_covered = bool(covered)
            row.notes = clean_text(notes, f"Notes on input {row.key}", required=False)
    changes = diff(before, _minuted(review))
    if changes:
        db.session.flush()
        _trail(review, "management_review.minuted", by, changes)
    return changes


def add_action(
    review: ManagementReview, *, by, description: str, owner: User, due_on: dt.date
) -> ReviewAction:
    _require_draft(review)
    if owner is None or not owner.is_active:
        raise ReviewError("The owner of an action must be an active user.")
    action = ReviewAction(
        review_id=review.id,
        review=review,
        description=clean_text(description, "A description of the action"),
        owner_id=owner.id,
        owner=owner,
        due_on=due_on,
    )
    db.session.add(action)
    db.session.flush()
    _trail(
        review,
        "management_review.action_added",
        by,
        {
            "action": [None, action.description],
            "owner": [None, owner.email],
            "due_on": [None, due_on],
        },
    )
    return action


def complete_action(action: ReviewAction, *, by, completed_on: dt.date | None = None) -> None:
    if action.completed_on is not None:
        raise ReviewError("That action is already done.")
    completed_on = completed_on or lab_today()
    if completed_on > lab_today():
        raise ReviewError("An action cannot be completed on a future date.")
    action.completed_on = completed_on
    db.session.flush()
    _trail(
        action.review,
        "management_review.action_done",
        by,
        {"action": [action.description, action.description], "completed_on": [None, completed_on]},
    )


def finalize_problems(review: ManagementReview) -> list[str]:
    problems = []
    if not review.attendee_list:
        problems.append("no attendees are recorded")
    missing = [row.key for row in review.inputs if not row.is_covered]
    if missing:
        problems.append(f"inputs not covered: {', '.join(missing)} (8.9.2 requires all)")
    if not review.decisions.strip():
        problems.append("no decisions are recorded (8.9.3)")
    if review.held_on > lab_today():
        problems.append("the meeting date is in the future")
    return problems


def minutes_content(review: ManagementReview) -> bytes:
    payload = {
        "reference": review.reference,
        "held_on": review.held_on.isoformat(),
        "period_from": review.period_from.isoformat(),
        "attendees": review.attendee_list,
        "inputs": {r.key: [r.is_covered, r.figures, r.notes] for r in review.inputs},
        "decisions": review.decisions,
        "actions": [[a.description, a.owner.email, a.due_on.isoformat()] for a in review.actions],
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def finalize(review: ManagementReview, *, by, password: str) -> Signature:
    """Sign the minutes ("approved"): every input covered, attendees and decisions recorded."""
    _require_draft(review)
    problems = finalize_problems(review)
    if problems:
        raise ReviewError(f"{review.reference} cannot be signed: " + "; ".join(problems) + ".")
    signature = sign(
        subject_type="management_review",
        subject_id=review.id,
        subject_key=review.reference,
        by=by,
        password=password,
        meaning=Meaning.APPROVED,
        content_sha256=hashlib.sha256(minutes_content(review)).hexdigest(),
    )
    user = getattr(by, "user", by)
    review.status = ReviewStatus.FINAL.value
    review.finalized_at = utcnow()
    review.finalized_by_id = user.id
    review.signature_id = signature.id
    db.session.flush()
    _trail(
        review,
        "management_review.finalized",
        by,
        {"status": [ReviewStatus.DRAFT.value, ReviewStatus.FINAL.value]},
    )
    return signature


def reviews() -> list[ManagementReview]:
    return list(
        db.session.scalars(select(ManagementReview).order_by(ManagementReview.held_on.desc()))
    )


def last_final_review(as_of: dt.date) -> ManagementReview | None:
    return db.session.scalar(
        select(ManagementReview)
        .where(
            ManagementReview.status == ReviewStatus.FINAL.value,
            ManagementReview.held_on <= as_of,
        )
        .order_by(ManagementReview.held_on.desc())
        .limit(1)
    )
