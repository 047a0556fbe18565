"""Create, revoke and resolve calendar feed tokens; build a person's feed from the sources."""

from __future__ import annotations

from sqlalchemy import select

from compliance.api.tokens import digest, new_secret
from compliance.audit.services import record
from compliance.db import utcnow
from compliance.extensions import db
from compliance.feeds.models import CalendarFeedToken
from compliance.users.models import User

FEED_PREFIX = "cal_"


def active_feed(user: User) -> CalendarFeedToken | None:
    return db.session.scalar(
        select(CalendarFeedToken).where(
            CalendarFeedToken.user_id == user.id, CalendarFeedToken.revoked_at.is_(None)
        )
    )


def _revoke(feed: CalendarFeedToken, *, by, reason: str) -> None:
    feed.revoked_at = utcnow()
    db.session.flush()
    record(
        "calendar_feed.revoked",
        entity_type="calendar_feed",
        entity_key=feed.id,
        actor=by,
        changes={"revoked_at": [None, feed.revoked_at]},
        reason=f"{reason} ({feed.user.email})",
    )


def create_feed(user: User, *, by) -> str:
    """A new private feed URL secret for `user`; any earlier one stops working. The secret is
    returned once and only its digest is stored."""
    if (previous := active_feed(user)) is not None:
        _revoke(previous, by=by, reason="replaced by a new link")
    secret = new_secret(FEED_PREFIX)
    feed = CalendarFeedToken(user_id=user.id, token_sha256=digest(secret))
    db.session.add(feed)
    db.session.flush()
    record(
        "calendar_feed.created",
        entity_type="calendar_feed",
        entity_key=feed.id,
        actor=by,
        changes={"owner": [None, user.email]},
    )
    return secret


def revoke_feed(user: User, *, by) -> bool:
    """Stop `user`'s feed URL working; False when there was none."""
    feed = active_feed(user)
    if feed is None:
        return False
    _revoke(feed, by=by, reason="revoked by its owner")
    return True


def user_for_feed(secret: str) -> User | None:
    """The active person whose live feed this secret opens, else None."""
    if not secret.startswith(FEED_PREFIX) or len(secret) > 200:
        return None
    feed = db.session.scalar(
        select(CalendarFeedToken).where(
            CalendarFeedToken.token_sha256 == digest(secret),
            CalendarFeedToken.revoked_at.is_(None),
        )
    )
    if feed is None:
        return None
    user = feed.user
    if not user.is_active or not user.within_access_window(utcnow()):
        return None
    return user
