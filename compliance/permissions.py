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
    DOCUMENTS_READ = "documents:read"  # the effective revision of any document
    DOCUMENTS_READ_OBSOLETE = "documents:read_obsolete"  # superseded and withdrawn revisions
    DOCUMENTS_READ_DRAFTS = "documents:read_drafts"  # drafts and revisions in review
    DOCUMENTS_EDIT = "documents:edit"  # register entries and new revisions
    DOCUMENTS_REVIEW = "documents:review"
    DOCUMENTS_APPROVE = "documents:approve"
    DOCUMENTS_ACKNOWLEDGE = "documents:acknowledge"
    CLAUSES_VIEW = "clauses:view"  # the clause matrix and the evidence behind each clause
    GAPS_VIEW = "gaps:view"  # the readiness dashboard and its findings
    GAPS_MANAGE = "gaps:manage"  # accept findings, link evidence, set the assessment date
    ACCESS_LOG_VIEW = "access_log:view"  # which pages auditors opened
    REPORTS_VIEW = "reports:view"  # evidence index, master list, evidence package


P = Permission
_EVERYONE = {P.DASHBOARD_VIEW, P.ACCOUNT_SELF, P.DOCUMENTS_READ}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(_EVERYONE | {P.USERS_MANAGE, P.AUDIT_VIEW, P.ACCESS_LOG_VIEW}),
    Role.QUALITY_MANAGER: frozenset(
        _EVERYONE
        | {
            P.AUDIT_VIEW,
            P.DOCUMENTS_READ_OBSOLETE,
            P.DOCUMENTS_READ_DRAFTS,
            P.DOCUMENTS_EDIT,
            P.DOCUMENTS_REVIEW,
            P.DOCUMENTS_APPROVE,
            P.DOCUMENTS_ACKNOWLEDGE,
            P.CLAUSES_VIEW,
            P.GAPS_VIEW,
            P.GAPS_MANAGE,
            P.ACCESS_LOG_VIEW,
            P.REPORTS_VIEW,
        }
    ),
    # Technical staff review procedures of their field; they never approve.
    Role.STAFF: frozenset(
        _EVERYONE | {P.DOCUMENTS_READ_DRAFTS, P.DOCUMENTS_REVIEW, P.DOCUMENTS_ACKNOWLEDGE}
    ),
    # Read-only evidence: no drafts, nothing that writes.
    Role.AUDITOR: frozenset(
        _EVERYONE | {P.AUDIT_VIEW, P.DOCUMENTS_READ_OBSOLETE, P.CLAUSES_VIEW, P.REPORTS_VIEW}
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
