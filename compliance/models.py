"""Every model module, imported once so the metadata (and Alembic) sees all tables."""

from compliance.api.models import ApiToken
from compliance.audit.models import AuditEntry, PageView
from compliance.audits.models import AuditClause, AuditFinding, AuditMethod, InternalAudit
from compliance.capa.models import CorrectiveAction, Nonconformity
from compliance.clauses.models import Clause, ClauseLink
from compliance.complaints.models import Complaint
from compliance.documents.models import (
    AcknowledgementTask,
    Document,
    DocumentClause,
    DocumentDistribution,
    Revision,
)
from compliance.equipment.models import (
    CalibrationEvent,
    Equipment,
    EquipmentMethod,
    ImpactAssessment,
    ImpactAssessmentMethod,
    IntermediateCheck,
    MaintenanceRecord,
    Provider,
)
from compliance.feeds.models import CalendarFeedToken
from compliance.files.models import StoredFile
from compliance.gaps.models import FindingAcceptance, GapSnapshot
from compliance.personnel.models import (
    Authorization,
    CompetenceAssessment,
    JobRole,
    JobRoleRequirement,
    Person,
    PersonJobRole,
    TrainingItem,
    TrainingRecord,
)
from compliance.proficiency.models import PTEvent
from compliance.reminders.models import ReminderPreference, ReminderSend
from compliance.reviews.models import ManagementReview, ReviewAction, ReviewInput
from compliance.risks.models import Risk, RiskClause
from compliance.scope.models import Method, MethodEquipmentRequirement, MethodValidation
from compliance.settings import LabSetting
from compliance.signatures.models import Signature
from compliance.stored.models import DataVersion, StoredResult
from compliance.users.models import User, UserRole, UserSession

__all__ = [
    "DataVersion",
    "StoredResult",
    "Clause",
    "ClauseLink",
    "FindingAcceptance",
    "GapSnapshot",
    "LabSetting",
    "PageView",
    "AcknowledgementTask",
    "AuditEntry",
    "Authorization",
    "CompetenceAssessment",
    "JobRole",
    "JobRoleRequirement",
    "Person",
    "PersonJobRole",
    "TrainingItem",
    "TrainingRecord",
    "CalibrationEvent",
    "Equipment",
    "EquipmentMethod",
    "ImpactAssessment",
    "ImpactAssessmentMethod",
    "IntermediateCheck",
    "MaintenanceRecord",
    "Provider",
    "Document",
    "DocumentClause",
    "DocumentDistribution",
    "Method",
    "MethodEquipmentRequirement",
    "MethodValidation",
    "AuditClause",
    "AuditFinding",
    "AuditMethod",
    "InternalAudit",
    "CorrectiveAction",
    "Nonconformity",
    "Complaint",
    "PTEvent",
    "ManagementReview",
    "ReviewAction",
    "ReviewInput",
    "Risk",
    "RiskClause",
    "Revision",
    "Signature",
    "StoredFile",
    "User",
    "UserRole",
    "UserSession",
    "ApiToken",
    "CalendarFeedToken",
    "ReminderPreference",
    "ReminderSend",
]
