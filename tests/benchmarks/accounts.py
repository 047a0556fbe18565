"""Who the benchmark signs in as, and the records its pages open, found in the working copy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from compliance.db import utcnow
from compliance.documents.models import Document, Revision
from compliance.extensions import db
from compliance.permissions import Role
from compliance.personnel.models import PersonJobRole
from compliance.users import passwords
from compliance.users.models import User, UserRole
from tests.benchmarks.measure import BENCH_PASSWORD


@dataclass
class Targets:
    qm_email: str
    auditor_email: str
    document_id: int  # the one with the longest history
    job_role_id: int  # the one with the most people
    edit_document_ids: list[int] = field(default_factory=list)  # the load test's writes

    def as_json(self) -> dict:
        return self.__dict__.copy()


def _user_with(role: Role, *, prefer_only: bool) -> User:
    roles = func.count(UserRole.role)
    stmt = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.is_active.is_(True),
            User.id.in_(select(UserRole.user_id).where(UserRole.role == role.value)),
        )
        .group_by(User.id)
        .order_by(roles if prefer_only else User.id, User.id)
    )
    user = db.session.scalars(stmt.limit(1)).first()
    if user is None:
        raise RuntimeError(f"the dataset has no active {role.value}")
    return user


def prepare_accounts() -> Targets:
    """Give the QM and an auditor a known password (this is a throwaway copy) and find targets.

    Call inside an app context; commits.
    """
    qm = _user_with(Role.QUALITY_MANAGER, prefer_only=True)
    auditor = _user_with(Role.AUDITOR, prefer_only=True)
    now = utcnow()
    password_hash = passwords.hash_password(BENCH_PASSWORD)
    for user in (qm, auditor):
        user.password_hash = password_hash
        user.must_change_password = False
        user.failed_logins = 0
        user.locked_until = None
    auditor.access_valid_from = now - dt.timedelta(days=1)
    auditor.access_valid_until = now + dt.timedelta(days=30)
    history = func.count(Revision.id)
    document_id = db.session.scalar(
        select(Revision.document_id)
        .group_by(Revision.document_id)
        .order_by(history.desc(), Revision.document_id)
        .limit(1)
    )
    job_role_id = db.session.scalar(
        select(PersonJobRole.job_role_id)
        .group_by(PersonJobRole.job_role_id)
        .order_by(func.count().desc(), PersonJobRole.job_role_id)
        .limit(1)
    )
    edits = db.session.scalars(select(Document.id).order_by(Document.id).limit(60)).all()
    targets = Targets(qm.email, auditor.email, document_id, job_role_id, list(edits))
    db.session.commit()
    return targets
