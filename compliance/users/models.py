"""User accounts, their roles and their server-side sign-in sessions."""

from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from compliance.db import utcnow
from compliance.extensions import db
from compliance.permissions import Permission, Role, permissions_for

ROLE_VALUES = ", ".join(f"'{r.value}'" for r in Role)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-case; unique for ever because users are never deleted (no reuse).
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    # Auditors see nothing outside their window; None means open on that side.
    access_valid_from: Mapped[dt.datetime | None]
    access_valid_until: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[dt.datetime | None]
    password_changed_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    # Loaded when asked for (the signed-in user's permissions, the users list), not with every
    # document owner, signer or assessor a page shows: a user list asks with selectinload.
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="select"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower"),)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def can(self, permission: Permission) -> bool:
        return permission in permissions_for(self.roles)

    def within_access_window(self, now: dt.datetime) -> bool:
        if self.access_valid_from and now < self.access_valid_from:
            return False
        return not (self.access_valid_until and now >= self.access_valid_until)

    def is_locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    @property
    def display(self) -> str:
        return f"{self.name} <{self.email}>"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    user: Mapped[User] = relationship(back_populates="role_rows")

    __table_args__ = (CheckConstraint(f"role IN ({ROLE_VALUES})", name="role_known"),)


class UserSession(db.Model):
    """A signed-in browser session; the cookie holds only its random id.

    Kept in the database so that logout, deactivation and password changes end
    sessions on every worker, and a new id is issued at every sign-in.
    """

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(64))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))

    user: Mapped[User] = relationship(lazy="joined")


class SessionPrincipal(UserMixin):
    """What Flask-Login holds as current_user: the user seen through one session."""

    def __init__(self, user: User, session_id: str):
        self.user = user
        self.session_id = session_id

    def get_id(self) -> str:
        return self.session_id

    @property
    def is_active(self) -> bool:
        return self.user.is_active

    def __getattr__(self, name):
        return getattr(self.user, name)


def active_session(session_id: str) -> UserSession | None:
    return db.session.scalar(
        select(UserSession).where(UserSession.id == session_id, UserSession.ended_at.is_(None))
    )


def count_active_admins() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(User)
        .join(UserRole)
        .where(User.is_active.is_(True), UserRole.role == Role.ADMIN.value)
    )
