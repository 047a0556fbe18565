"""Every model module, imported once so the metadata (and Alembic) sees all tables."""

from compliance.audit.models import AuditEntry
from compliance.users.models import User, UserRole, UserSession

__all__ = ["AuditEntry", "User", "UserRole", "UserSession"]
