"""Apply an electronic signature after re-checking the signer's password."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select

from compliance.audit.services import record
from compliance.extensions import db
from compliance.signatures.models import Signature
from compliance.users.services import AuthError, check_signature_password


class SignatureError(ValueError):
    """The signature was refused; the message says why."""


def sign(
    *,
    subject_type: str,
    subject_id: int,
    subject_key: str,
    by,
    password: str,
    meaning: str,
    content_sha256: str,
    comment: str | None = None,
    verify_password: bool = True,
) -> Signature:
    """Re-authenticate `by` and record their signature on the given bytes (flushes).

    A wrong password counts toward lockout and raises SignatureError.
    `verify_password=False` is only for imports of signatures given elsewhere.
    """
    user = getattr(by, "user", by)
    if verify_password:
        try:
            check_signature_password(
                user,
                password or "",
                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                lockout=dt.timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"]),
            )
        except AuthError as error:
            raise SignatureError(str(error)) from None
    signature = Signature(
        subject_type=subject_type,
        subject_id=subject_id,
        signer_id=user.id,
        printed_name=user.name,
        signer_email=user.email,
        meaning=meaning,
        content_sha256=content_sha256,
        comment=(comment or "").strip() or None,
    )
    db.session.add(signature)
    db.session.flush()
    record(
        "signature.applied",
        entity_type=subject_type,
        entity_key=subject_key,
        actor=user,
        changes={
            "meaning": [None, meaning],
            "content_sha256": [None, content_sha256],
            "signed_at": [None, signature.signed_at],
        },
        reason=signature.comment,
    )
    return signature


def signatures_for(subject_type: str, subject_ids) -> dict[int, list[Signature]]:
    """Signatures of many subjects in one query, grouped by subject id, oldest first."""
    ids = list(subject_ids)
    grouped: dict[int, list[Signature]] = {i: [] for i in ids}
    if not ids:
        return grouped
    rows = db.session.scalars(
        select(Signature)
        .where(Signature.subject_type == subject_type, Signature.subject_id.in_(ids))
        .order_by(Signature.signed_at, Signature.id)
    )
    for row in rows:
        grouped[row.subject_id].append(row)
    return grouped
