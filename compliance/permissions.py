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
    PERSONNEL_READ = "personnel:read"  # staff records, training matrix, authorizations
    PERSONNEL_MANAGE = "personnel:manage"  # people, job roles, training, competence, imports
    PERSONNEL_AUTHORIZE = "personnel:authorize"  # sign, suspend and withdraw authorizations
    TRAINING_SELF = "training:self"  # "my training": one's own statuses and reading tasks
    REPORTS_VIEW = "reports:view"  # evidence index, master list, evidence package
    SCOPE_MANAGE = "scope:manage"  # methods, equipment needs, verification records, import
    QUALITY_VIEW = "quality:view"  # PT, audits, reviews, nonconformities, complaints, risks
    QUALITY_MANAGE = "quality:manage"  # plan and record them
    QUALITY_REPORT = "quality:report"  # report nonconformities, log complaints, own actions
    AUDITS_CONDUCT = "audits:conduct"  # the assigned internal auditor records findings
    CAPA_CLOSE = "capa:close"  # close a nonconformity with an e-signature
    SCOPE_VIEW = "scope:view"  # the test methods on the scope of accreditation
    API_TOKENS = "api:tokens"  # create and revoke one's own API access tokens
    CALENDAR_LAB = "calendar:lab"  # the lab-wide review and calibration calendar feed
    EQUIPMENT_VIEW = "equipment:view"  # register, calibrations, providers, calendar, labels
    EQUIPMENT_RECORD = "equipment:record"  # intermediate checks, maintenance and damage records
    EQUIPMENT_MANAGE = "equipment:manage"  # register, status, calibrations, providers, imports


P = Permission
_EVERYONE = {P.DASHBOARD_VIEW, P.ACCOUNT_SELF, P.DOCUMENTS_READ, P.SCOPE_VIEW, P.API_TOKENS}

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
            P.PERSONNEL_READ,
            P.PERSONNEL_MANAGE,
            P.PERSONNEL_AUTHORIZE,
            P.TRAINING_SELF,
            P.CALENDAR_LAB,
        }
    ),
    # Technical staff review procedures of their field; they never approve.
    Role.STAFF: frozenset(
        _EVERYONE
        | {P.DOCUMENTS_READ_DRAFTS, P.DOCUMENTS_REVIEW, P.DOCUMENTS_ACKNOWLEDGE, P.TRAINING_SELF}
    ),
    # Read-only evidence: no drafts, nothing that writes.
    Role.AUDITOR: frozenset(
        _EVERYONE
        | {
            P.AUDIT_VIEW,
            P.DOCUMENTS_READ_OBSOLETE,
            P.CLAUSES_VIEW,
            P.REPORTS_VIEW,
            P.PERSONNEL_READ,
        }
    ),
}

# Scope and quality-system records: the quality manager runs them, staff report and act on what
# is theirs (and conduct the audits they are assigned), auditors read.
_QUALITY_GRANTS: dict[Role, set[Permission]] = {
    Role.QUALITY_MANAGER: {
        P.SCOPE_VIEW,
        P.SCOPE_MANAGE,
        P.QUALITY_VIEW,
        P.QUALITY_MANAGE,
        P.QUALITY_REPORT,
        P.AUDITS_CONDUCT,
        P.CAPA_CLOSE,
    },
    Role.STAFF: {P.SCOPE_VIEW, P.QUALITY_REPORT, P.AUDITS_CONDUCT},
    Role.AUDITOR: {P.SCOPE_VIEW, P.QUALITY_VIEW},
}
for _role, _granted in _QUALITY_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _granted

# Equipment (6.4-6.6): the quality manager runs the calibration programme; staff, who use the
# equipment, record intermediate checks and maintenance; auditors read.
_EQUIPMENT_GRANTS: dict[Role, set[Permission]] = {
    Role.QUALITY_MANAGER: {P.EQUIPMENT_VIEW, P.EQUIPMENT_RECORD, P.EQUIPMENT_MANAGE},
    Role.STAFF: {P.EQUIPMENT_VIEW, P.EQUIPMENT_RECORD},
    Role.AUDITOR: {P.EQUIPMENT_VIEW},
}
for _role, _granted in _EQUIPMENT_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _granted


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
