"""The log of pages auditors opened (a read log, separate from the change trail)."""

from __future__ import annotations

from compliance.audit.models import PageView
from compliance.db import utcnow
from compliance.extensions import db


def log_page_view(user, request, status: int) -> None:
    """Record one page view in its own short transaction, after the page's own work."""
    db.session.commit()  # close the read transaction first: a SQLite writer must start fresh
    db.session.add(
        PageView(
            user_id=user.id,
            viewed_at=utcnow(),
            # The query string stays percent-encoded; a NUL in the path would be refused.
            path=request.full_path.rstrip("?").replace("\x00", "%00")[:500],
            endpoint=(request.endpoint or "")[:100],
            status=status,
        )
    )
    db.session.commit()
