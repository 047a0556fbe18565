"""Clause evidence from personnel records (6.2): competence requirements per job role, current
training, current competence assessments and current authorizations, one query per source.

compliance.clauses.evidence lists these in SOURCES. Evidence is imported inside each function
because that module imports this one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask import url_for
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, joinedload, lazyload, load_only

from compliance.clauses.source import STREAM_BATCH, yields
from compliance.documents.models import Document, Revision, RevisionState
from compliance.extensions import db
from compliance.personnel.matrix import current_records_stmt
from compliance.personnel.models import (
    CompetenceAssessment,
    ItemKind,
    JobRole,
    JobRoleRequirement,
    Person,
    Result,
    TrainingItem,
    TrainingRecord,
)
from compliance.personnel.services import current_authorizations
from compliance.scope.models import Method, MethodStatus


@yields("6.2.2")
def job_role_requirements(as_of: dt.date) -> Iterable:
    """Job roles with the training they require: documented competence requirements, 6.2.2."""
    from compliance.clauses.evidence import Evidence

    rows = db.session.execute(
        select(JobRole.id, JobRole.name, func.count(), func.max(JobRoleRequirement.created_at))
        .join(JobRoleRequirement, JobRoleRequirement.job_role_id == JobRole.id)
        .group_by(JobRole.id, JobRole.name)
        .order_by(JobRole.name)
    )
    for role_id, name, count, changed_at in rows:
        yield Evidence(
            "6.2.2",
            "job role requirements",
            name,
            f"{name} · {count} required training item{'s' if count != 1 else ''}",
            changed_at.date() if changed_at else None,
            url_for("personnel.show_job_role", job_role_id=role_id),
        )


@yields("6.2.5")
def training_records(as_of: dt.date) -> Iterable:
    """Training of people working here, completed by the date and not expired on it (a
    corrected record counts through its correction; a document only on its effective revision):
    6.2.5."""
    from compliance.clauses.evidence import Evidence

    revision = aliased(Revision)
    # Rows of columns, with the few people and items looked up once: whole records would load
    # a person, an item and a revision (and theirs) for each of tens of thousands of rows.
    stmt = (
        current_records_stmt()
        .with_only_columns(
            TrainingRecord.id,
            TrainingRecord.person_id,
            TrainingRecord.training_item_id,
            TrainingRecord.completed_on,
            TrainingRecord.expires_on,
            revision.label,
        )
        .join(Person, Person.id == TrainingRecord.person_id)
        .join(TrainingItem, TrainingItem.id == TrainingRecord.training_item_id)
        .outerjoin(revision, revision.id == TrainingRecord.revision_id)
        .where(
            Person.active_on_clause(as_of),
            TrainingRecord.completed_on <= as_of,
            or_(TrainingRecord.expires_on.is_(None), TrainingRecord.expires_on >= as_of),
            or_(
                TrainingItem.kind == ItemKind.COURSE.value,
                revision.state == RevisionState.EFFECTIVE.value,
            ),
        )
        .execution_options(yield_per=STREAM_BATCH)
    )
    people = {
        row.id: row
        for row in db.session.execute(
            select(Person.id, Person.employee_id, Person.name).where(Person.active_on_clause(as_of))
        )
    }
    # A document item's number and title only (not its review interval, owner, ...).
    items = {
        item.id: item
        for item in db.session.scalars(
            select(TrainingItem).options(
                joinedload(TrainingItem.document).options(
                    load_only(Document.number, Document.title), lazyload("*")
                )
            )
        )
    }
    with db.session.execute(stmt) as rows:
        for record_id, person_id, item_id, completed_on, expires_on, revision_label in rows:
            person, item = people[person_id], items[item_id]
            what = f"{item.label} Rev {revision_label}" if revision_label else item.label
            yield Evidence(
                "6.2.5",
                "training record",
                f"{person.employee_id}:{item.label}:{record_id}",
                f"{person.name} trained on {what} · {item.display_title}",
                completed_on,
                url_for("personnel.show_person", person_id=person_id),
                f"expires {expires_on}" if expires_on else "",
            )


@yields("6.2.5")
def competence_assessments(as_of: dt.date) -> Iterable:
    """Each person's latest assessment per method by the date, when it found them competent and
    is not past its reassessment date: competence monitoring, 6.2.5."""
    from compliance.clauses.evidence import Evidence

    later = aliased(CompetenceAssessment)
    superseded = (
        select(later.id)
        .where(
            later.person_id == CompetenceAssessment.person_id,
            later.method_id == CompetenceAssessment.method_id,
            later.assessed_on <= as_of,
            or_(
                later.assessed_on > CompetenceAssessment.assessed_on,
                and_(
                    later.assessed_on == CompetenceAssessment.assessed_on,
                    later.id > CompetenceAssessment.id,
                ),
            ),
        )
        .exists()
    )
    rows = db.session.scalars(
        select(CompetenceAssessment)
        .options(
            lazyload("*"),
            joinedload(CompetenceAssessment.person).lazyload("*"),
            joinedload(CompetenceAssessment.method).lazyload("*"),
        )
        .join(Person, Person.id == CompetenceAssessment.person_id)
        .where(
            Person.active_on_clause(as_of),
            CompetenceAssessment.assessed_on <= as_of,
            CompetenceAssessment.result == Result.COMPETENT.value,
            or_(
                CompetenceAssessment.next_due_on.is_(None),
                CompetenceAssessment.next_due_on >= as_of,
            ),
            ~superseded,
        )
    )
    for assessment in rows:
        person, method = assessment.person, assessment.method
        yield Evidence(
            "6.2.5",
            "competence assessment",
            f"{person.employee_id}:{method.code}:{assessment.assessed_on}",
            f"{person.name} competent on {method.code} (assessor {assessment.assessor})",
            assessment.assessed_on,
            url_for("personnel.show_person", person_id=person.id),
            f"reassess by {assessment.next_due_on}" if assessment.next_due_on else "",
        )


@yields("6.2.6")
def authorizations(as_of: dt.date) -> Iterable:
    """Signed authorizations current on the date for methods in scope: 6.2.6."""
    from compliance.clauses.evidence import Evidence

    in_scope = select(Method.id).where(Method.status == MethodStatus.IN_SCOPE.value)
    for group in current_authorizations(in_scope, as_of).values():
        for authorization in group:
            person, method = authorization.person, authorization.method
            yield Evidence(
                "6.2.6",
                "authorization",
                f"{person.employee_id}:{method.code}:{authorization.id}",
                f"{person.name} authorized for {method.code} "
                f"(by {authorization.authorized_by.name})",
                authorization.authorized_on,
                url_for("personnel.show_person", person_id=person.id),
                f"until {authorization.expires_on}" if authorization.expires_on else "",
            )


PERSONNEL_SOURCES = [
    job_role_requirements,
    training_records,
    competence_assessments,
    authorizations,
]
