"""Every model module, imported once so the metadata (and Alembic) sees all tables."""

from compliance.audit.models import AuditEntry, PageView
from compliance.clauses.models import Clause, ClauseLink
from compliance.documents.models import (
    AcknowledgementTask,
    Document,
    DocumentClause,
    DocumentDistribution,
    Revision,
)
from compliance.files.models import StoredFile
from compliance.gaps.models import FindingAcceptance, GapSnapshot, LabSetting
from compliance.scope.models import Method
from compliance.signatures.models import Signature
from compliance.users.models import User, UserRole, UserSession

__all__ = [
    "Clause",
    "ClauseLink",
    "FindingAcceptance",
    "GapSnapshot",
    "LabSetting",
    "PageView",
    "AcknowledgementTask",
    "AuditEntry",
    "Document",
    "DocumentClause",
    "DocumentDistribution",
    "Method",
    "Revision",
    "Signature",
    "StoredFile",
    "User",
    "UserRole",
    "UserSession",
]
