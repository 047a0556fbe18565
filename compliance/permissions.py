"""Permission names, the role -> permission map, and the one decorator every view wears."""

from __future__ import annotations

import enum
import functools

from flask import abort
from flask_login import current_user


class Role(enum.StrEnum):
    ADMIN = "admin"
    QUALITY_MANAGER = "quality_manager"
    STAFF = "staff"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Permission(enum.StrEnum):
    DASHBOARD_VIEW = "dashboard:view"
    ACCOUNT_SELF = "account:self"
    USERS_MANAGE = "users:manage"
    AUDIT_VIEW = "audit:view"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        {
            Permission.DASHBOARD_VIEW,
            Permission.ACCOUNT_SELF,
            Permission.USERS_MANAGE,
            Permission.AUDIT_VIEW,
        }
    ),
    Role.QUALITY_MANAGER: frozenset(
        {Permission.DASHBOARD_VIEW, Permission.ACCOUNT_SELF, Permission.AUDIT_VIEW}
    ),
    Role.STAFF: frozenset({Permission.DASHBOARD_VIEW, Permission.ACCOUNT_SELF}),
    Role.AUDITOR: frozenset(
        {Permission.DASHBOARD_VIEW, Permission.ACCOUNT_SELF, Permission.AUDIT_VIEW}
    ),
}


def permissions_for(roles) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[Role(role)]
    return frozenset(granted)


def requires(permission: Permission):
    """Refuse anonymous users (to the login page) and users without the permission (403)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            from compliance.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator


def public(view):
    """Mark a view as open to anonymous users (login page, health check)."""
    view.is_public = True
    return view
