"""The reminder run: compose each person's digest, claim it in the sent-log, send it, record.

A run reads everything first (one read transaction), then for each digest: claims the
(recipient, period) row in its own short transaction, talks to the SMTP server with no
transaction open, and records the outcome. The unique key on the sent-log decides between two
runs racing for the same digest; a failed send stays claimable, so the next run in the same
period retries it (a later period's digest lists everything still open anyway).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from compliance.audit.services import record
from compliance.dates import lab_today
from compliance.db import utcnow
from compliance.documents.services import make_due_revisions_effective
from compliance.extensions import db
from compliance.reminders.collectors import DigestContext
from compliance.reminders.digest import build_digest, render
from compliance.reminders.mailer import Mailer, MailError, build_message
from compliance.reminders.models import (
    WEEKDAYS,
    Frequency,
    ReminderPreference,
    ReminderSend,
    SendStatus,
)
from compliance.reminders.recipients import recipients
from compliance.users.models import User

# A claim this old whose run never reported back (the process died mid-send) is retried.
STALE_CLAIM = dt.timedelta(hours=1)


class PreferenceError(ValueError):
    pass


# --- preferences ----------------------------------------------------------------------------


def preference_for(user: User) -> ReminderPreference:
    """The person's saved preference, or the default (daily) unsaved."""
    return db.session.get(ReminderPreference, user.id) or ReminderPreference(
        user_id=user.id, frequency=Frequency.DAILY.value, weekday=0
    )


def set_preference(user: User, *, frequency: str, weekday: int = 0) -> ReminderPreference:
    """Save daily or weekly (on a weekday). Raises PreferenceError on anything else."""
    if frequency not in {f.value for f in Frequency}:
        raise PreferenceError("Choose daily or weekly digests.")
    if not 0 <= int(weekday) <= 6:
        raise PreferenceError("Choose a day of the week.")
    preference = db.session.get(ReminderPreference, user.id)
    if preference is None:
        preference = ReminderPreference(user_id=user.id)
        db.session.add(preference)
    preference.frequency, preference.weekday = frequency, int(weekday)
    db.session.flush()
    return preference


def period_for(frequency: str, weekday: int, as_of: dt.date) -> str | None:
    """The sent-log period a digest sent on `as_of` belongs to; None when a weekly digest is not
    due yet this week (it goes out on the chosen day, or the first run after it)."""
    if frequency == Frequency.WEEKLY.value:
        if as_of.weekday() < weekday:
            return None
        year, week, _ = as_of.isocalendar()
        return f"{year}-W{week:02d}"
    return as_of.isoformat()


def describe(preference: ReminderPreference) -> str:
    if preference.frequency == Frequency.WEEKLY.value:
        return f"weekly, on {WEEKDAYS[preference.weekday]}"
    return "daily"


def recent_sends(user: User, limit: int = 10) -> list[ReminderSend]:
    return list(
        db.session.scalars(
            select(ReminderSend)
            .where(ReminderSend.user_id == user.id)
            .order_by(ReminderSend.claimed_at.desc())
            .limit(limit)
        )
    )


# --- the run --------------------------------------------------------------------------------


@dataclass
class Outgoing:
    """A rendered digest, plain data: nothing here touches the database while mail is sent."""

    email: str
    name: str
    user_id: int | None
    period: str
    subject: str
    text: str
    html: str
    item_count: int


@dataclass
class RunResult:
    as_of: dt.date
    dry_run: bool
    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # sent already, or by a concurrent run
    not_due: list[str] = field(default_factory=list)  # weekly digests on other days
    nothing_to_do: int = 0
    outgoing: list[Outgoing] = field(default_factory=list)

    def summary(self) -> str:
        verb = "would send" if self.dry_run else "sent"
        count = len(self.outgoing) if self.dry_run else len(self.sent)
        return (
            f"as of {self.as_of}: {verb} {count}, failed {len(self.failed)}, "
            f"already sent {len(self.skipped)}, weekly not due {len(self.not_due)}, "
            f"nothing to do {self.nothing_to_do}"
        )


def run_reminders(as_of: dt.date | None = None, *, dry_run: bool = False) -> RunResult:
    """Send every person their digest for the period, once. A dry run composes the digests
    and writes nothing. Send failures are logged in the sent-log and the audit entry of the
    run, and retried next run; they never stop the run."""
    as_of = as_of or lab_today()
    result = RunResult(as_of, dry_run)
    if not dry_run:
        _bring_revisions_into_effect()
    result.outgoing = _compose(as_of, result)
    if dry_run:
        db.session.rollback()
        return result
    db.session.commit()  # no transaction stays open while the SMTP server is talked to
    with Mailer(current_app.config) as mailer:
        for outgoing in result.outgoing:
            _deliver(outgoing, mailer, result)
    record(
        "reminders.run",
        entity_type="reminders",
        entity_key=as_of.isoformat(),
        changes={
            "sent": [None, len(result.sent)],
            "failed": [None, sorted(email for email, _ in result.failed)],
            "already_sent": [None, len(result.skipped)],
            "weekly_not_due": [None, len(result.not_due)],
            "nothing_to_do": [None, result.nothing_to_do],
        },
    )
    db.session.commit()
    return result


def _bring_revisions_into_effect() -> None:
    """Today's reading tasks exist before today's digests. A concurrent run (or page view)
    doing the same first is no reason to stop: its result is what we wanted."""
    try:
        make_due_revisions_effective()
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("revisions due today were being made effective elsewhere")


def public_request_context():
    """A request context whose url_for(..., _external=True) builds links on PUBLIC_BASE_URL:
    e-mail is read far from whoever ran the command (SERVER_NAME, if set, does not win)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    parts = urlsplit(base)
    context = current_app.test_request_context(base_url=base)
    context.url_adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return context


def _compose(as_of: dt.date, result: RunResult) -> list[Outgoing]:
    config = current_app.config
    with public_request_context():
        ctx = DigestContext(as_of, config["REVIEW_DUE_WINDOW_DAYS"])
        preferences = {p.user_id: p for p in db.session.scalars(select(ReminderPreference))}
        plan = []
        for recipient in recipients(as_of):
            preference = preferences.get(recipient.user.id) if recipient.user else None
            frequency = preference.frequency if preference else Frequency.DAILY.value
            period = period_for(frequency, preference.weekday if preference else 0, as_of)
            if period is None:
                result.not_due.append(recipient.key)
            else:
                plan.append((recipient, frequency, period))
        sent = {
            (row.recipient, row.period)
            for row in db.session.execute(
                select(ReminderSend.recipient, ReminderSend.period).where(
                    ReminderSend.period.in_(sorted({period for _, _, period in plan})),
                    ReminderSend.status == SendStatus.SENT.value,
                )
            )
        }
        outgoing = []
        for recipient, frequency, period in plan:
            if (recipient.key, period) in sent:
                result.skipped.append(recipient.key)
                continue
            try:
                digest = build_digest(recipient, ctx, frequency)
                if digest.is_empty:
                    result.nothing_to_do += 1
                    continue
                text, html = render(digest)
            except Exception as error:  # one person's broken digest must not stop the others
                db.session.rollback()
                current_app.logger.exception("reminder digest for %s failed", recipient.key)
                result.failed.append((recipient.key, f"could not assemble: {error}"))
                continue
            outgoing.append(
                Outgoing(
                    email=recipient.key,
                    name=recipient.name,
                    user_id=recipient.user.id if recipient.user else None,
                    period=period,
                    subject=digest.subject,
                    text=text,
                    html=html,
                    item_count=digest.item_count,
                )
            )
        return outgoing


def _claim(outgoing: Outgoing) -> int | None:
    """Take the (recipient, period) row for this run: insert it, or take back a failed (or
    long-abandoned) one. None when it was sent, or another run is sending it right now."""
    now = utcnow()
    row = ReminderSend(
        recipient=outgoing.email,
        period=outgoing.period,
        user_id=outgoing.user_id,
        status=SendStatus.SENDING.value,
        subject=outgoing.subject[:300],
        item_count=outgoing.item_count,
        attempts=1,
        claimed_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        pass
    else:
        db.session.commit()
        return row.id
    existing = db.session.scalar(
        select(ReminderSend).where(
            ReminderSend.recipient == outgoing.email, ReminderSend.period == outgoing.period
        )
    )
    retry = existing is not None and (
        existing.status == SendStatus.FAILED.value
        or (existing.status == SendStatus.SENDING.value and existing.claimed_at < now - STALE_CLAIM)
    )
    claimed = False
    if retry:
        # Conditional on what we saw: of two runs retrying at once, one matches the row.
        claimed = (
            db.session.execute(
                update(ReminderSend)
                .where(
                    ReminderSend.id == existing.id,
                    ReminderSend.status == existing.status,
                    ReminderSend.attempts == existing.attempts,
                )
                .values(
                    status=SendStatus.SENDING.value,
                    attempts=existing.attempts + 1,
                    claimed_at=now,
                    subject=outgoing.subject[:300],
                    item_count=outgoing.item_count,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            == 1
        )
    claim_id = existing.id if claimed else None
    db.session.commit()
    return claim_id


def _finish(claim_id: int, error: str | None) -> None:
    row = db.session.get(ReminderSend, claim_id)
    if error is None:
        row.status, row.sent_at, row.last_error = SendStatus.SENT.value, utcnow(), None
    else:
        row.status, row.last_error = SendStatus.FAILED.value, error[:2000]
    db.session.commit()


def _deliver(outgoing: Outgoing, mailer: Mailer, result: RunResult) -> None:
    claim_id = _claim(outgoing)
    if claim_id is None:
        result.skipped.append(outgoing.email)
        return
    try:
        mailer.send(
            build_message(
                sender=mailer.sender,
                to_name=outgoing.name,
                to_email=outgoing.email,
                subject=outgoing.subject,
                text=outgoing.text,
                html=outgoing.html,
            )
        )
    except Exception as error:  # MailError, or anything else: logged, retried next run
        message = str(error) if isinstance(error, MailError) else f"{type(error).__name__}: {error}"
        current_app.logger.warning("reminder to %s not sent: %s", outgoing.email, message)
        _finish(claim_id, message)
        result.failed.append((outgoing.email, message))
    else:
        _finish(claim_id, None)
        result.sent.append(outgoing.email)
