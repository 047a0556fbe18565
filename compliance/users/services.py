"""Account services: create, roles, access windows, deactivation, passwords, sign-in."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import NoReturn

from sqlalchemy import func, select, update

from compliance.audit.services import diff, record
from compliance.db import utcnow
from compliance.extensions import db
from compliance.permissions import Role
from compliance.users.models import User, UserRole, UserSession, count_active_admins
from compliance.users.passwords import (
    WeakPassword,
    check_policy,
    hash_password,
    needs_rehash,
    verify_password,
)

__all__ = ["AccountError", "AuthError", "WeakPassword"]


class AccountError(ValueError):
    """A refused account change; the message names the problem."""


class AuthError(ValueError):
    """A refused sign-in; the message is safe to show."""


INVALID_CREDENTIALS = "Invalid e-mail or password."


def normalise_email(email: str) -> str:
    return email.strip().lower()


def parse_roles(roles) -> frozenset[Role]:
    parsed = set()
    for role in roles:
        try:
            parsed.add(Role(role))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise AccountError(f"Unknown role '{role}'; known roles: {known}.") from None
    if not parsed:
        raise AccountError("Give the user at least one role.")
    return frozenset(parsed)


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _check_window(roles, valid_from, valid_until) -> None:
    if valid_from and valid_until and valid_until <= valid_from:
        raise AccountError("The access window must end after it starts.")
    if Role.AUDITOR in roles and not valid_until:
        raise AccountError("Auditor accounts need an access window with an end date.")


def create_user(
    *,
    email: str,
    name: str,
    roles,
    password: str,
    by=None,
    access_valid_from: dt.datetime | None = None,
    access_valid_until: dt.datetime | None = None,
    must_change_password: bool = False,
    reason: str | None = None,
) -> User:
    """Create an account. Raises AccountError (duplicate or malformed e-mail, unknown role,
    bad window) or WeakPassword."""
    email = normalise_email(email)
    name = " ".join(name.split())
    roles = parse_roles(roles)
    if "@" not in email or email.startswith("@") or email.endswith("@") or " " in email:
        raise AccountError(f"'{email}' is not an e-mail address.")
    if not name:
        raise AccountError("A name is required.")
    if user_by_email(email) is not None:
        raise AccountError(
            f"A user with e-mail {email} already exists (e-mail addresses are never reused)."
        )
    _check_window(roles, access_valid_from, access_valid_until)
    check_policy(password, email=email, name=name)
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
        access_valid_from=access_valid_from,
        access_valid_until=access_valid_until,
        role_rows=[UserRole(role=r.value) for r in sorted(roles)],
    )
    db.session.add(user)
    db.session.flush()
    record(
        "user.created",
        entity_type="user",
        entity_key=email,
        actor=by,
        changes={
            "email": [None, email],
            "name": [None, name],
            "roles": [None, sorted(r.value for r in roles)],
            "access_valid_from": [None, access_valid_from],
            "access_valid_until": [None, access_valid_until],
        },
        reason=reason,
    )
    return user


def update_user(
    user: User,
    *,
    by,
    name: str,
    roles,
    access_valid_from: dt.datetime | None,
    access_valid_until: dt.datetime | None,
    reason: str | None = None,
) -> None:
    """Change name, roles and access window. Refuses to remove the last active admin."""
    roles = parse_roles(roles)
    _check_window(roles, access_valid_from, access_valid_until)
    old_roles = user.roles
    removes_admin = Role.ADMIN in old_roles and Role.ADMIN not in roles and user.is_active
    if removes_admin and count_active_admins() <= 1:
        raise AccountError("This is the last active administrator; keep the admin role.")
    before = {
        "name": user.name,
        "roles": sorted(r.value for r in old_roles),
        "access_valid_from": user.access_valid_from,
        "access_valid_until": user.access_valid_until,
    }
    name = " ".join(name.split())
    if not name:
        raise AccountError("A name is required.")
    user.name = name
    user.access_valid_from = access_valid_from
    user.access_valid_until = access_valid_until
    if roles != old_roles:
        user.role_rows = [UserRole(role=r.value) for r in sorted(roles)]
    after = {
        "name": user.name,
        "roles": sorted(r.value for r in roles),
        "access_valid_from": access_valid_from,
        "access_valid_until": access_valid_until,
    }
    changes = diff(before, after)
    if changes:
        db.session.flush()
        record(
            "user.updated",
            entity_type="user",
            entity_key=user.email,
            actor=by,
            changes=changes,
            reason=reason,
        )


def deactivate_user(user: User, *, by, reason: str) -> None:
    """Deactivate (never delete) an account and end all its sessions."""
    if not reason or not reason.strip():
        raise AccountError("Give a reason for deactivating the account.")
    if not user.is_active:
        raise AccountError(f"{user.email} is already deactivated.")
    if getattr(by, "id", None) == user.id:
        raise AccountError("You cannot deactivate your own account.")
    if Role.ADMIN in user.roles and count_active_admins() <= 1:
        raise AccountError("This is the last active administrator; it cannot be deactivated.")
    user.is_active = False
    user.deactivated_at = utcnow()
    end_sessions(user, reason="deactivated")
    db.session.flush()
    record(
        "user.deactivated",
        entity_type="user",
        entity_key=user.email,
        actor=by,
        changes={"is_active": [True, False]},
        reason=reason.strip(),
    )


def reactivate_user(user: User, *, by, reason: str) -> None:
    if user.is_active:
        raise AccountError(f"{user.email} is already active.")
    if not reason or not reason.strip():
        raise AccountError("Give a reason for reactivating the account.")
    user.is_active = True
    user.deactivated_at = None
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
    record(
        "user.reactivated",
        entity_type="user",
        entity_key=user.email,
        actor=by,
        changes={"is_active": [False, True]},
        reason=reason.strip(),
    )


def reset_password(user: User, *, by, reason: str | None = None) -> str:
    """Set a one-time random password the user must change at next sign-in; returns it."""
    temporary = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    end_sessions(user, reason="password reset")
    db.session.flush()
    record(
        "user.password_reset",
        entity_type="user",
        entity_key=user.email,
        actor=by,
        changes={"must_change_password": [False, True]},
        reason=reason,
    )
    return temporary


def change_password(user: User, *, current: str, new: str, keep_session: str | None) -> None:
    """Change one's own password; ends every other session. Raises AuthError or WeakPassword."""
    if not verify_password(user.password_hash, current):
        raise AuthError("Your current password is not correct.")
    if current == new:
        raise WeakPassword("Choose a new password that differs from the current one.")
    check_policy(new, email=user.email, name=user.name)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    end_sessions(user, reason="password changed", except_id=keep_session)
    db.session.flush()
    record(
        "user.password_changed",
        entity_type="user",
        entity_key=user.email,
        actor=user,
        changes={"password": ["(hidden)", "(changed)"]},
    )


# --- sign-in --------------------------------------------------------------------------------


def register_failure(user: User, *, max_failures: int, lockout: dt.timedelta) -> bool:
    """Count one failed password atomically (several workers may race); lock at the limit.

    Returns True when this failure locked the account.
    """
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_logins=User.failed_logins + 1)
        .execution_options(synchronize_session=False)
    )
    failures = db.session.scalar(select(User.failed_logins).where(User.id == user.id))
    db.session.refresh(user)
    if failures >= max_failures:
        db.session.execute(
            update(User)
            .where(User.id == user.id)
            .values(locked_until=utcnow() + lockout, failed_logins=0)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(user)
        record(
            "user.locked",
            entity_type="user",
            entity_key=user.email,
            changes={"locked_until": [None, user.locked_until]},
            reason=f"{max_failures} failed sign-in attempts",
        )
        return True
    return False


def _refuse(user: User, message: str, why: str) -> NoReturn:
    """The right password at the wrong time: the quality manager sees who tried, and why not."""
    record("user.sign_in_refused", entity_type="user", entity_key=user.email, reason=why)
    raise AuthError(message)


def authenticate(email: str, password: str, *, max_failures: int, lockout: dt.timedelta) -> User:
    """Check e-mail and password; returns the user or raises AuthError with a safe message.

    A wrong password counts toward lockout; an unknown e-mail writes nothing; the right
    password refused (deactivated, outside the access window) is in the audit trail.
    """
    user = user_by_email(email)
    now = utcnow()
    if user is None:
        verify_password(None, password)  # same cost as a real check
        raise AuthError(INVALID_CREDENTIALS)
    if user.is_locked(now):
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise AuthError(
            f"This account is locked after repeated failed sign-ins. Try again in {minutes} "
            "minutes or ask an administrator to reset the password."
        )
    if not verify_password(user.password_hash, password):
        if register_failure(user, max_failures=max_failures, lockout=lockout):
            raise AuthError(
                "Too many failed sign-ins: this account is now locked for "
                f"{int(lockout.total_seconds() // 60)} minutes."
            )
        raise AuthError(INVALID_CREDENTIALS)
    if not user.is_active:
        _refuse(user, "This account has been deactivated.", "account deactivated")
    if not user.within_access_window(now):
        _refuse(
            user,
            "Your access window is not open: sign-in is allowed only within it.",
            "outside the access window",
        )
    if user.failed_logins:
        user.failed_logins = 0
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def check_signature_password(user: User, password: str, *, max_failures: int, lockout) -> None:
    """Re-authentication for e-signatures: a wrong password counts toward lockout."""
    now = utcnow()
    if user.is_locked(now):
        raise AuthError("Your account is locked after repeated failed password entries.")
    if not verify_password(user.password_hash, password):
        register_failure(user, max_failures=max_failures, lockout=lockout)
        raise AuthError("The password is not correct; the signature was not applied.")
    if user.failed_logins:
        user.failed_logins = 0


def start_session(user: User, *, remote_addr: str | None, user_agent: str | None) -> UserSession:
    """A fresh session id for every sign-in (no fixation)."""
    row = UserSession(
        id=secrets.token_urlsafe(32),
        user_id=user.id,
        remote_addr=(remote_addr or "")[:64] or None,
        user_agent=(user_agent or "")[:255] or None,
    )
    db.session.add(row)
    db.session.flush()
    record("user.signed_in", entity_type="user", entity_key=user.email, actor=user)
    return row


def end_session(session_id: str, *, reason: str) -> None:
    db.session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )


def end_sessions(user: User, *, reason: str, except_id: str | None = None) -> None:
    stmt = (
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if except_id:
        stmt = stmt.where(UserSession.id != except_id)
    db.session.execute(stmt)


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))
