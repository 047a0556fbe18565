"""Assemble one person's digest from the collectors, and render its text and HTML parts."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from flask import current_app, render_template, url_for

from compliance.reminders.collectors import COLLECTORS, DigestContext, DigestItem
from compliance.reminders.recipients import Recipient

MAX_ITEMS = 20  # per section; the rest are one link away
URGENT = ("overdue", "expired", "missing", "blocker")


@dataclass
class Section:
    title: str
    items: list[DigestItem]
    total: int
    flags: Counter = field(default_factory=Counter)
    index_url: str | None = None

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass
class Digest:
    recipient: Recipient
    as_of: dt.date
    frequency: str
    sections: list[Section]

    @property
    def item_count(self) -> int:
        return sum(s.total for s in self.sections)

    @property
    def urgent_count(self) -> int:
        return sum(s.flags[f] for s in self.sections for f in URGENT)

    @property
    def is_empty(self) -> bool:
        return not self.sections

    @property
    def subject(self) -> str:
        n = self.item_count
        urgent = f", {self.urgent_count} urgent" if self.urgent_count else ""
        return (
            f"[{current_app.config['LAB_NAME']}] {n} item{'s' if n != 1 else ''} to act on"
            f"{urgent} ({self.as_of.isoformat()})"
        )


def build_digest(recipient: Recipient, ctx: DigestContext, frequency: str) -> Digest:
    """Every collector's items for the person, one section each (empty sections left out)."""
    sections = []
    for collector in COLLECTORS.values():
        items = list(collector.function(recipient, ctx))
        if not items:
            continue
        sections.append(
            Section(
                collector.title,
                items[:MAX_ITEMS],
                len(items),
                Counter(i.flag for i in items if i.flag),
                url_for(collector.index_endpoint, _external=True)
                if collector.index_endpoint
                else None,
            )
        )
    return Digest(recipient, ctx.as_of, frequency, sections)


def render(digest: Digest) -> tuple[str, str]:
    """(plain text, HTML) of the digest, with links back to the records."""
    context = {
        "digest": digest,
        "lab_name": current_app.config["LAB_NAME"],
        "urgent": URGENT,
        "settings_url": url_for("reminders.settings", _external=True)
        if digest.recipient.user is not None
        else None,
    }
    return (
        render_template("reminders/digest.txt", **context),
        render_template("reminders/digest.html", **context),
    )
