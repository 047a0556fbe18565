"""What the quality-system views share: run one service call, commit or report the refusal."""

from __future__ import annotations

from flask import flash

from compliance.extensions import db
from compliance.quality.rules import QualityError
from compliance.signatures.services import SignatureError
from compliance.uploads.errors import UploadRejected


def commit_or_report(action, success: str):
    """Run a service call; commit and flash `success`, or flash the refusal. Returns the
    call's result, or None when refused."""
    try:
        result = action()
    except SignatureError as error:
        # Only the failed-password count was written; it must survive (lockout).
        db.session.commit()
        flash(str(error), "danger")
        return None
    except (QualityError, UploadRejected) as error:
        db.session.rollback()
        flash(str(error), "danger")
        return None
    db.session.commit()
    flash(success, "success")
    return result if result is not None else True


def flash_errors(form) -> None:
    for name, errors in form.errors.items():
        label = getattr(getattr(form, name, None), "label", None)
        for error in errors:
            flash(f"{label.text}: {error}" if label else error, "danger")
