"""How a view reports a service's outcome: commit and say so, or roll back and say why."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash
from sqlalchemy.orm.exc import StaleDataError

from compliance.extensions import db
from compliance.signatures.services import SignatureError

CHANGED_ELSEWHERE = (
    "This {what} was changed by someone else since you opened it; nothing was saved. "
    "Review the current values and try again."
)


def commit_or_report(
    action: Callable[[], object],
    success: str,
    *,
    refusals: tuple[type[Exception], ...],
    what: str = "record",
) -> bool:
    """Run a service call; commit on success, report the refusal otherwise."""
    try:
        action()
        db.session.flush()
    except StaleDataError:
        # Another request saved this row between our read and our write: its version column
        # no longer matched, so the UPDATE changed nothing. Say so instead of failing.
        db.session.rollback()
        flash(CHANGED_ELSEWHERE.format(what=what), "warning")
        return False
    except SignatureError as error:
        # Only the failed-password count was written; it must survive (lockout).
        db.session.commit()
        flash(str(error), "danger")
        return False
    except refusals as error:
        db.session.rollback()
        flash(str(error), "danger")
        return False
    db.session.commit()
    flash(success, "success")
    return True
