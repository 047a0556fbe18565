"""Personnel (clause 6.2): staff records, job roles and requirements, training, competence and
authorization per method.

Every function flushes and writes its audit entry; none commits. Authorizations are signed
through the one e-signature service; a refused password leaves only the lockout counter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, defer, lazyload, selectinload

from compliance.audit.services import diff, record
from compliance.dates import add_months, lab_today
from compliance.db import utcnow
from compliance.documents.models import AcknowledgementTask, Document, Revision, RevisionState
from compliance.documents.services import current_revision, document_by_number
from compliance.extensions import db
from compliance.files.services import store_bytes
from compliance.personnel.matrix import (
    CellStatus,
    ItemColumn,
    build_matrix,
    evidence_by_cell,
    item_columns,
    person_login,
    required_cells,
    status_of,
)
from compliance.personnel.models import (
    TRAINING_METHODS,
    Authorization,
    AuthorizationStatus,
    CompetenceAssessment,
    ItemKind,
    JobRole,
    JobRoleRequirement,
    Person,
    PersonJobRole,
    Result,
    Source,
    TrainingItem,
    TrainingRecord,
)
from compliance.scope.models import Method, MethodStatus
from compliance.signatures.models import Meaning
from compliance.signatures.services import SignatureError, sign
from compliance.stored.results import Recipe, stored
from compliance.uploads.evidence import check_evidence_file
from compliance.users.models import User


class PersonnelError(ValueError):
    """A refused personnel action; the message names the rule."""


class AuthorizationRefused(PersonnelError):
    """The person does not meet the requirements; an override reason would let it through."""

    def __init__(self, person: Person, method: Method, unmet: list[str]):
        self.unmet = unmet
        super().__init__(
            f"{person.name} cannot be authorized for {method.code}: "
            + "; ".join(unmet)
            + ". Record an override reason to authorize anyway."
        )


AUTHORIZED_IMPORTED = "authorized (imported)"
EMPLOYEE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-/_]{0,39}$")
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9.\-/_ ]{0,39}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# Without a due date on the assessment, competence is monitored again after this many months.
DEFAULT_COMPETENCE_MONTHS = 12


def _squash(text: str | None) -> str:
    return " ".join((text or "").split())


def _audit_person(person: Person, action: str, by, changes: dict, reason: str | None = None):
    record(
        action,
        entity_type="person",
        entity_key=person.employee_id,
        actor=by,
        changes=changes,
        reason=reason,
    )


def store_evidence(data: bytes, filename: str) -> str:
    """Check an evidence file (PDF, PNG, JPEG) and store it; its SHA-256. Raises UploadRejected."""
    media_type = check_evidence_file(
        data, filename=filename, max_bytes=current_app.config["UPLOAD_MAX_BYTES"]
    )
    return store_bytes(data, filename=filename, media_type=media_type).sha256


# --- people -----------------------------------------------------------------------------------


def validate_employee_id(employee_id: str) -> str:
    employee_id = (employee_id or "").strip()
    if not EMPLOYEE_ID_RE.match(employee_id):
        raise PersonnelError(
            f"'{employee_id}' is not an employee id: letters, digits and . - / _ "
            "(1 to 40 characters)."
        )
    return employee_id


def person_by_employee_id(employee_id: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.employee_id == employee_id.strip()))


def person_for_user(user: User) -> Person | None:
    """The staff record of a login: linked to it, or (not yet linked) with the same e-mail."""
    return db.session.scalar(
        select(Person)
        .join(User, person_login())
        .where(User.id == user.id)
        .order_by(Person.user_id.is_(None))
        .limit(1)
    )


def _login_for(email: str | None, person: Person | None = None) -> User | None:
    """The account with this e-mail, if it is not already the login of another person."""
    if not email:
        return None
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        return None
    other = db.session.scalar(
        select(Person).where(Person.user_id == user.id, Person.id != (person.id if person else -1))
    )
    if other is not None:
        raise PersonnelError(
            f"The login {email} already belongs to {other.name} ({other.employee_id})."
        )
    return user


def _clean_email(email: str | None) -> str | None:
    email = (email or "").strip().lower() or None
    if email and (len(email) > 254 or not EMAIL_RE.match(email)):
        raise PersonnelError(f"'{email}' is not an e-mail address.")
    return email


def _person_values(person: Person, job_roles=None) -> dict:
    roles = job_roles if job_roles is not None else person.job_roles
    return {
        "name": person.name,
        "email": person.email,
        "job_roles": sorted(r.name for r in roles),
        "hired_on": person.hired_on,
        "login": person.user.email if person.user_id and person.user else None,
    }


def create_person(
    *,
    employee_id: str,
    name: str,
    email: str | None = None,
    job_roles=(),
    hired_on: dt.date | None = None,
    by,
    reason: str | None = None,
) -> Person:
    """A new staff record, linked to the login with the same e-mail if there is one.
    Raises PersonnelError on a taken or malformed employee id."""
    employee_id = validate_employee_id(employee_id)
    if person_by_employee_id(employee_id) is not None:
        raise PersonnelError(f"Employee id {employee_id} is already on record.")
    name = _squash(name)
    if not name:
        raise PersonnelError("A name is required.")
    email = _clean_email(email)
    user = _login_for(email)
    person = Person(
        employee_id=employee_id,
        name=name,
        email=email,
        user_id=user.id if user else None,
        user=user,
        hired_on=hired_on,
        job_roles=list(job_roles),
    )
    db.session.add(person)
    db.session.flush()
    _audit_person(
        person,
        "person.created",
        by,
        {"employee_id": [None, employee_id], **diff({}, _person_values(person))},
        reason,
    )
    return person


def update_person(
    person: Person,
    *,
    name: str,
    email: str | None,
    job_roles,
    hired_on: dt.date | None,
    by,
    reason: str | None = None,
) -> bool:
    """Change a staff record; True if anything changed (audited with the before/after)."""
    before = _person_values(person)
    name = _squash(name)
    if not name:
        raise PersonnelError("A name is required.")
    email = _clean_email(email)
    user = _login_for(email, person) if email != person.email or person.user_id is None else None
    person.name = name
    if email != person.email:
        person.email = email
        person.user_id, person.user = (user.id, user) if user else (None, None)
    elif user is not None:
        person.user_id, person.user = user.id, user
    if sorted(r.id for r in job_roles) != sorted(r.id for r in person.job_roles):
        person.job_roles = list(job_roles)
    person.hired_on = hired_on
    changes = diff(before, _person_values(person))
    if not changes:
        return False
    db.session.flush()
    _audit_person(person, "person.updated", by, changes, reason)
    return True


def record_leaving(person: Person, *, left_on: dt.date, reason: str, by) -> None:
    """A leaver: from `left_on` the person no longer counts (training, authorizations); the
    records stay. A date in the future records a planned departure."""
    reason = (reason or "").strip()
    if not reason:
        raise PersonnelError("Give a reason (e.g. resigned, retired, end of contract).")
    if person.left_on is not None and not person.is_active:
        raise PersonnelError(f"{person.name} already left on {person.left_on.isoformat()}.")
    old = {"left_on": person.left_on, "is_active": person.is_active}
    person.left_on = left_on
    person.is_active = left_on > lab_today()
    db.session.flush()
    _audit_person(
        person,
        "person.left" if not person.is_active else "person.leaving",
        by,
        diff(old, {"left_on": left_on, "is_active": person.is_active}),
        reason,
    )


def reinstate_person(person: Person, *, reason: str, by) -> None:
    """Undo a departure (rehired, or the leaving date was recorded in error)."""
    reason = (reason or "").strip()
    if not reason:
        raise PersonnelError("Give a reason for reinstating the staff record.")
    if person.left_on is None and person.is_active:
        raise PersonnelError(f"{person.name} is active with no leaving date.")
    old = {"left_on": person.left_on, "is_active": person.is_active}
    person.left_on, person.is_active = None, True
    db.session.flush()
    _audit_person(
        person, "person.reinstated", by, diff(old, {"left_on": None, "is_active": True}), reason
    )


# --- job roles, training items, requirements --------------------------------------------------


def job_role_by_name(name: str) -> JobRole | None:
    return db.session.scalar(
        select(JobRole).where(func.lower(JobRole.name) == _squash(name).lower())
    )


def create_job_role(name: str, *, description: str = "", by) -> JobRole:
    name = _squash(name)
    if not name or len(name) > 120:
        raise PersonnelError("A job role needs a name of at most 120 characters.")
    if job_role_by_name(name) is not None:
        raise PersonnelError(f"The job role {name} already exists.")
    role = JobRole(name=name, description=(description or "").strip())
    db.session.add(role)
    db.session.flush()
    record(
        "job_role.created",
        entity_type="job_role",
        entity_key=name,
        actor=by,
        changes={"name": [None, name], "description": [None, role.description]},
    )
    return role


def normalise_code(code: str) -> str:
    return _squash(code).upper()


def course_by_code(code: str) -> TrainingItem | None:
    return db.session.scalar(
        select(TrainingItem).where(
            TrainingItem.kind == ItemKind.COURSE.value, TrainingItem.code == normalise_code(code)
        )
    )


def item_for_document(document: Document) -> TrainingItem | None:
    return db.session.scalar(select(TrainingItem).where(TrainingItem.document_id == document.id))


def find_item(code: str) -> tuple[TrainingItem | None, Document | None]:
    """What an `item` cell names: a document (by number) or a course (by code)."""
    code = normalise_code(code)
    document = document_by_number(code) if code else None
    if document is not None:
        return item_for_document(document), document
    return course_by_code(code), None


def _check_interval(months: int | None) -> int | None:
    if months is None:
        return None
    if not 1 <= int(months) <= 240:
        raise PersonnelError("The retraining interval must be between 1 and 240 months.")
    return int(months)


def _audit_item(item: TrainingItem, action: str, by, changes: dict, reason=None):
    record(
        action,
        entity_type="training_item",
        entity_key=item.label,
        actor=by,
        changes=changes,
        reason=reason,
    )


def create_course(
    code: str, *, title: str, retrain_interval_months: int | None = None, by
) -> TrainingItem:
    """A course training item. Raises PersonnelError on a bad or taken code (document numbers
    and course codes share one namespace in imports)."""
    code = normalise_code(code)
    if not CODE_RE.match(code):
        raise PersonnelError(
            f"'{code}' is not a course code: capitals, digits, spaces and . - / _ (up to 40)."
        )
    if course_by_code(code) is not None:
        raise PersonnelError(f"The course {code} already exists.")
    if document_by_number(code) is not None:
        raise PersonnelError(f"{code} is a document number; choose another course code.")
    title = _squash(title)
    if not title:
        raise PersonnelError(f"Give the title of the course {code}.")
    item = TrainingItem(
        kind=ItemKind.COURSE.value,
        code=code,
        title=title[:300],
        retrain_interval_months=_check_interval(retrain_interval_months),
    )
    db.session.add(item)
    db.session.flush()
    _audit_item(
        item,
        "training_item.created",
        by,
        diff(
            {},
            {
                "kind": "course",
                "title": item.title,
                "retrain_interval_months": item.retrain_interval_months,
            },
        ),
    )
    return item


def ensure_document_item(
    document: Document, *, retrain_interval_months: int | None = None, by
) -> TrainingItem:
    """The training item for a controlled document, created on first use."""
    item = item_for_document(document)
    if item is not None:
        return item
    item = TrainingItem(
        kind=ItemKind.DOCUMENT.value,
        document_id=document.id,
        document=document,
        title="",
        retrain_interval_months=_check_interval(retrain_interval_months),
    )
    db.session.add(item)
    db.session.flush()
    _audit_item(
        item,
        "training_item.created",
        by,
        diff({}, {"kind": "document", "retrain_interval_months": item.retrain_interval_months}),
    )
    return item


def update_item(
    item: TrainingItem,
    *,
    title: str | None,
    retrain_interval_months: int | None,
    by,
    reason: str | None = None,
) -> bool:
    """Change a course title or an item's retraining interval (records already entered keep
    the expiry they were given)."""
    before = {"title": item.title, "retrain_interval_months": item.retrain_interval_months}
    if not item.is_document and title is not None:
        title = _squash(title)
        if not title:
            raise PersonnelError("A course needs a title.")
        item.title = title[:300]
    item.retrain_interval_months = _check_interval(retrain_interval_months)
    changes = diff(
        before, {"title": item.title, "retrain_interval_months": item.retrain_interval_months}
    )
    if changes:
        db.session.flush()
        _audit_item(item, "training_item.updated", by, changes, reason)
    return bool(changes)


def has_requirement(job_role: JobRole, item: TrainingItem) -> bool:
    return db.session.get(JobRoleRequirement, (job_role.id, item.id)) is not None


def add_requirement(job_role: JobRole, item: TrainingItem, *, by) -> bool:
    """The job role requires the item; False if it already did."""
    if has_requirement(job_role, item):
        return False
    db.session.add(JobRoleRequirement(job_role_id=job_role.id, training_item_id=item.id))
    db.session.flush()
    record(
        "requirement.added",
        entity_type="job_role",
        entity_key=job_role.name,
        actor=by,
        changes={"requires": [None, item.label]},
    )
    return True


def remove_requirement(job_role: JobRole, item: TrainingItem, *, by, reason: str) -> None:
    requirement = db.session.get(JobRoleRequirement, (job_role.id, item.id))
    if requirement is None:
        raise PersonnelError(f"{job_role.name} does not require {item.label}.")
    reason = (reason or "").strip()
    if not reason:
        raise PersonnelError("Give a reason for removing the requirement.")
    db.session.delete(requirement)
    db.session.flush()
    record(
        "requirement.removed",
        entity_type="job_role",
        entity_key=job_role.name,
        actor=by,
        changes={"requires": [item.label, None]},
        reason=reason,
    )


# --- training records -------------------------------------------------------------------------


def revision_in_effect(document: Document, day: dt.date) -> Revision | None:
    """The revision of `document` that was in force on `day`."""
    ended = Revision.superseded_on
    return db.session.scalar(
        select(Revision)
        .where(
            Revision.document_id == document.id,
            Revision.effective_on.is_not(None),
            Revision.effective_on <= day,
            Revision.state.in_(
                [
                    RevisionState.EFFECTIVE.value,
                    RevisionState.SUPERSEDED.value,
                    RevisionState.WITHDRAWN.value,
                ]
            ),
            or_(ended.is_(None), ended > day),
            or_(Revision.withdrawn_on.is_(None), Revision.withdrawn_on > day),
        )
        .order_by(Revision.effective_on.desc(), Revision.id.desc())
        .limit(1)
    )


def expiry_for(item: TrainingItem, completed_on: dt.date, expires_on: dt.date | None = None):
    """The given expiry, else completion + the item's retraining interval (month-end safe),
    else None (no retraining)."""
    if expires_on is not None:
        return expires_on
    if item.retrain_interval_months:
        return add_months(completed_on, item.retrain_interval_months)
    return None


def _training_fields(
    person: Person,
    item: TrainingItem,
    *,
    completed_on: dt.date,
    trainer: str,
    training_method: str,
    expires_on: dt.date | None,
    notes: str,
    revision: Revision | None = None,
) -> dict:
    if completed_on is None:
        raise PersonnelError("Give the date the training was completed.")
    if completed_on > lab_today():
        raise PersonnelError(
            f"The completion date {completed_on.isoformat()} is in the future; record training "
            "once it has taken place."
        )
    if person.hired_on is not None and completed_on < person.hired_on - dt.timedelta(days=3650):
        raise PersonnelError("The completion date is implausibly long before the hire date.")
    expires = expiry_for(item, completed_on, expires_on)
    if expires is not None and expires < completed_on:
        raise PersonnelError(
            f"The expiry {expires.isoformat()} is before the completion date "
            f"{completed_on.isoformat()}."
        )
    training_method = _squash(training_method)
    if training_method and training_method not in TRAINING_METHODS:
        raise PersonnelError(f"Unknown method of training '{training_method}'.")
    if item.is_document:
        revision = revision or revision_in_effect(item.document, completed_on)
        if revision is None:
            raise PersonnelError(
                f"No revision of {item.document.number} was in effect on "
                f"{completed_on.isoformat()}."
            )
    else:
        revision = None
    return {
        "revision": revision,
        "completed_on": completed_on,
        "expires_on": expires,
        "trainer": _squash(trainer)[:200],
        "training_method": training_method,
        "notes": (notes or "").strip(),
    }


def _record_values(training: TrainingRecord) -> dict:
    return {
        "item": training.item.label,
        "revision": training.revision.label if training.revision else None,
        "completed_on": training.completed_on,
        "expires_on": training.expires_on,
        "trainer": training.trainer,
        "training_method": training.training_method,
        "evidence_sha256": training.evidence_sha256,
        "notes": training.notes,
    }


def record_training(
    person: Person,
    item: TrainingItem,
    *,
    completed_on: dt.date,
    trainer: str = "",
    training_method: str = "",
    expires_on: dt.date | None = None,
    evidence_sha256: str | None = None,
    notes: str = "",
    by,
    source: Source = Source.ENTRY,
) -> TrainingRecord:
    """Record a completed training. A document item is trained on the revision in force on the
    completion date; the expiry comes from the item's interval unless given.
    Raises PersonnelError."""
    fields = _training_fields(
        person,
        item,
        completed_on=completed_on,
        trainer=trainer,
        training_method=training_method,
        expires_on=expires_on,
        notes=notes,
    )
    user = getattr(by, "user", by)
    training = TrainingRecord(
        person_id=person.id,
        person=person,
        training_item_id=item.id,
        item=item,
        revision_id=fields["revision"].id if fields["revision"] else None,
        evidence_sha256=evidence_sha256,
        source=Source(source).value,
        recorded_by_id=user.id if user is not None else None,
        **{k: v for k, v in fields.items() if k != "revision"},
    )
    training.revision = fields["revision"]
    db.session.add(training)
    db.session.flush()
    _audit_person(
        person,
        "training.recorded",
        by,
        {"training_record": [None, training.id], **diff({}, _record_values(training))},
    )
    return training


def correction_of(training: TrainingRecord) -> TrainingRecord | None:
    return db.session.scalar(
        select(TrainingRecord).where(TrainingRecord.corrects_id == training.id)
    )


def correct_training(
    training: TrainingRecord,
    *,
    reason: str,
    completed_on: dt.date,
    trainer: str,
    training_method: str,
    expires_on: dt.date | None,
    evidence_sha256: str | None,
    notes: str,
    by,
) -> TrainingRecord:
    """Supersede a record with a corrected one (clause 7.5.2): the original stays unchanged and
    the new record names it and the reason. Raises PersonnelError."""
    reason = (reason or "").strip()
    if not reason:
        raise PersonnelError("Say why the record is corrected.")
    later = correction_of(training)
    if later is not None:
        raise PersonnelError(
            f"Training record {training.id} was already corrected by record {later.id}; "
            "correct that one."
        )
    fields = _training_fields(
        training.person,
        training.item,
        completed_on=completed_on,
        trainer=trainer,
        training_method=training_method,
        expires_on=expires_on,
        notes=notes,
    )
    corrected = TrainingRecord(
        person_id=training.person_id,
        person=training.person,
        training_item_id=training.training_item_id,
        item=training.item,
        revision_id=fields["revision"].id if fields["revision"] else None,
        evidence_sha256=evidence_sha256 or training.evidence_sha256,
        corrects_id=training.id,
        correction_reason=reason,
        source=Source.ENTRY.value,
        recorded_by_id=getattr(getattr(by, "user", by), "id", None),
        **{k: v for k, v in fields.items() if k != "revision"},
    )
    corrected.revision = fields["revision"]
    old_values = _record_values(training)
    if _record_values(corrected) == old_values:
        raise PersonnelError("The correction changes nothing; edit at least one value.")
    db.session.add(corrected)
    db.session.flush()
    _audit_person(
        training.person,
        "training.corrected",
        by,
        {
            "training_record": [training.id, corrected.id],
            **diff(old_values, _record_values(corrected)),
        },
        reason,
    )
    return corrected


def training_history(person: Person) -> list[tuple[TrainingRecord, TrainingRecord | None]]:
    """Every record of the person, newest first, each with the record that corrected it."""
    records = db.session.scalars(
        select(TrainingRecord)
        .where(TrainingRecord.person_id == person.id)
        .order_by(TrainingRecord.completed_on.desc(), TrainingRecord.id.desc())
    ).all()
    corrected_by = {r.corrects_id: r for r in records if r.corrects_id}
    return [(r, corrected_by.get(r.id)) for r in records]


# --- competence -------------------------------------------------------------------------------


def record_competence(
    person: Person,
    method: Method,
    *,
    assessed_on: dt.date,
    assessor: str,
    result: str,
    next_due_on: dt.date | None = None,
    supervisor: str = "",
    evidence_sha256: str | None = None,
    notes: str = "",
    by,
    source: Source = Source.ENTRY,
) -> CompetenceAssessment:
    """A competence assessment on a method. Competent without a due date: due again after
    DEFAULT_COMPETENCE_MONTHS. Not yet competent: the person works under supervision."""
    try:
        result = Result(result).value
    except ValueError:
        raise PersonnelError("The result is 'competent' or 'not_yet'.") from None
    if assessed_on is None or assessed_on > lab_today():
        raise PersonnelError("Give the assessment date (today or earlier).")
    assessor = _squash(assessor)
    if not assessor:
        raise PersonnelError("Name the assessor.")
    if next_due_on is None and result == Result.COMPETENT.value:
        next_due_on = add_months(assessed_on, DEFAULT_COMPETENCE_MONTHS)
    if next_due_on is not None and next_due_on < assessed_on:
        raise PersonnelError("The next assessment cannot be due before this one.")
    taken = db.session.scalar(
        select(CompetenceAssessment.id).where(
            CompetenceAssessment.person_id == person.id,
            CompetenceAssessment.method_id == method.id,
            CompetenceAssessment.assessed_on == assessed_on,
        )
    )
    if taken:
        raise PersonnelError(
            f"{person.name} already has an assessment on {method.code} dated "
            f"{assessed_on.isoformat()}."
        )
    user = getattr(by, "user", by)
    assessment = CompetenceAssessment(
        person_id=person.id,
        person=person,
        method_id=method.id,
        method=method,
        assessed_on=assessed_on,
        assessor=assessor[:200],
        result=result,
        next_due_on=next_due_on,
        supervisor=_squash(supervisor)[:200],
        evidence_sha256=evidence_sha256,
        notes=(notes or "").strip(),
        source=Source(source).value,
        recorded_by_id=user.id if user is not None else None,
    )
    db.session.add(assessment)
    db.session.flush()
    _audit_person(
        person,
        "competence.assessed",
        by,
        {
            "competence_assessment": [None, assessment.id],
            **diff(
                {},
                {
                    "method": method.code,
                    "assessed_on": assessed_on,
                    "assessor": assessment.assessor,
                    "result": result,
                    "next_due_on": next_due_on,
                    "supervisor": assessment.supervisor or None,
                    "evidence_sha256": evidence_sha256,
                },
            ),
        },
    )
    return assessment


def latest_competence(person_ids, method_ids, as_of: dt.date):
    """The latest assessment on or before `as_of` per (person, method), in one query: only
    the latest are loaded (a long career has many older ones)."""
    A = CompetenceAssessment
    ranked = (
        select(
            A.id,
            func.row_number()
            .over(
                partition_by=(A.person_id, A.method_id),
                order_by=(A.assessed_on.desc(), A.id.desc()),
            )
            .label("rank"),
        )
        .where(A.person_id.in_(person_ids), A.method_id.in_(method_ids), A.assessed_on <= as_of)
        .subquery()
    )
    rows = db.session.scalars(
        select(A)
        .join(ranked, ranked.c.id == A.id)
        .where(ranked.c.rank == 1)
        # Callers hold the people and methods already: no eager join on every assessment.
        .options(lazyload("*"))
    )
    return {(a.person_id, a.method_id): a for a in rows}


def competence_history(person: Person) -> list[CompetenceAssessment]:
    return list(
        db.session.scalars(
            select(CompetenceAssessment)
            .where(CompetenceAssessment.person_id == person.id)
            .order_by(CompetenceAssessment.assessed_on.desc(), CompetenceAssessment.id.desc())
        )
    )


# --- authorization ----------------------------------------------------------------------------


def procedure_columns(methods) -> dict[int, ItemColumn | None]:
    """Per method id, its procedure as a matrix column with the current revision (None when the
    method has no procedure). One query; a procedure no job role requires yet gets a column
    with a negative id (only acknowledgements can count for it)."""
    procedure_ids = {m.procedure_id for m in methods if m.procedure_id}
    columns: dict[int, ItemColumn] = {}
    if procedure_ids:
        current = aliased(Revision)
        rows = db.session.execute(
            select(
                Document.id,
                Document.number,
                Document.title,
                current.id,
                current.label,
                TrainingItem.id,
                TrainingItem.retrain_interval_months,
            )
            .outerjoin(
                current,
                and_(
                    current.document_id == Document.id,
                    current.state == RevisionState.EFFECTIVE.value,
                ),
            )
            .outerjoin(TrainingItem, TrainingItem.document_id == Document.id)
            .where(Document.id.in_(procedure_ids))
        )
        for doc_id, number, title, revision_id, label, item_id, interval in rows:
            columns[doc_id] = ItemColumn(
                id=item_id if item_id is not None else -doc_id,
                kind=ItemKind.DOCUMENT.value,
                label=number,
                title=title,
                retrain_interval_months=interval,
                document_id=doc_id,
                current_revision_id=revision_id,
                current_revision_label=label,
            )
    return {m.id: columns.get(m.procedure_id) for m in methods}


def unmet_requirements(pairs, as_of: dt.date) -> dict[tuple[int, int], list[str]]:
    """For (person, method) pairs: what keeps each person from being authorized for the method
    on `as_of` (training on the current revision of its procedure, a current competence
    assessment). A handful of queries however many pairs."""
    pairs = list(pairs)
    if not pairs:
        return {}
    methods = {m.id: m for _, m in pairs}
    person_ids = sorted({p.id for p, _ in pairs})
    columns = procedure_columns(methods.values())
    with_revision = [c for c in columns.values() if c and c.current_revision_id]
    best, older = evidence_by_cell(
        person_ids, list({c.id: c for c in with_revision}.values()), as_of
    )
    competence = latest_competence(person_ids, list(methods), as_of)
    found = {}
    for person, method in pairs:
        unmet = []
        column = columns[method.id]
        if column is None:
            unmet.append(
                f"{method.code} has no governing procedure on the scope, so training on it "
                "cannot be shown"
            )
        elif column.current_revision_id is None:
            unmet.append(
                f"{column.label} has no effective revision to train on, so training on it cannot "
                "be shown"
            )
        else:
            what = f"{column.label} Rev {column.current_revision_label}"
            key = (person.id, column.id)
            evidence = best.get(key)
            if evidence is None:
                note = f" (trained on Rev {older[key]} only)" if key in older else ""
                unmet.append(f"no training on {what}, the current revision{note}")
            elif status_of(evidence.expires_on, as_of) is CellStatus.EXPIRED:
                unmet.append(f"training on {what} expired on {evidence.expires_on.isoformat()}")
        assessment = competence.get((person.id, method.id))
        if assessment is None:
            unmet.append(f"no competence assessment on {method.code}")
        elif not assessment.is_competent:
            unmet.append(
                f"the latest competence assessment ({assessment.assessed_on.isoformat()}) found "
                "them not yet competent"
            )
        elif not assessment.is_current(as_of):
            unmet.append(
                f"the competence reassessment was due on {assessment.next_due_on.isoformat()}"
            )
        found[(person.id, method.id)] = unmet
    return found


def qualification_gaps(person: Person, method: Method, as_of: dt.date) -> list[str]:
    """What keeps `person` from being authorized for `method` on `as_of` (see
    unmet_requirements); empty when they may be authorized."""
    return unmet_requirements([(person, method)], as_of)[(person.id, method.id)]


def _statement(authorization: Authorization, *, action: str = "authorize", extra: str = "") -> str:
    person, method = authorization.person, authorization.method
    until = (
        f"until {authorization.expires_on.isoformat()}"
        if authorization.expires_on
        else "with no end date"
    )
    procedure = method.procedure
    effective = current_revision(procedure) if procedure is not None else None
    text = (
        f"I {action} {person.name} (employee {person.employee_id}) to perform {method.code} "
        f"{method.title} from {authorization.authorized_on.isoformat()} {until}. Procedure: "
        + (f"{procedure.number} Rev {effective.label}." if effective else "none effective.")
    )
    if authorization.unmet:
        text += f" Requirements not met: {'; '.join(authorization.unmet)}."
    if authorization.override_reason:
        text += f" Override reason: {authorization.override_reason}"
    return text + extra


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def overlapping_authorization(person: Person, method: Method, start: dt.date, end: dt.date | None):
    """An active authorization of the same person and method whose dates meet [start, end]."""
    stmt = select(Authorization).where(
        Authorization.person_id == person.id,
        Authorization.method_id == method.id,
        Authorization.status == AuthorizationStatus.ACTIVE.value,
        or_(Authorization.expires_on.is_(None), Authorization.expires_on >= start),
    )
    if end is not None:
        stmt = stmt.where(Authorization.authorized_on <= end)
    return db.session.scalar(stmt.limit(1))


def _check_grant(person: Person, method: Method, start: dt.date, end: dt.date | None):
    if start is None:
        raise PersonnelError("Give the date the authorization starts.")
    if end is not None and end < start:
        raise PersonnelError("The authorization cannot end before it starts.")
    if not person.active_on(max(start, lab_today())):
        raise PersonnelError(f"{person.name} does not work here on {start.isoformat()}.")
    if method.status != MethodStatus.IN_SCOPE.value:
        raise PersonnelError(f"{method.code} is {method.status} on the scope.")
    existing = overlapping_authorization(person, method, start, end)
    if existing is not None:
        raise PersonnelError(
            f"{person.name} is already authorized for {method.code} from "
            f"{existing.authorized_on.isoformat()}"
            + (f" until {existing.expires_on.isoformat()}" if existing.expires_on else "")
            + "."
        )


def authorize(
    person: Person,
    method: Method,
    *,
    authorized_on: dt.date,
    expires_on: dt.date | None = None,
    by,
    password: str,
    override_reason: str | None = None,
) -> Authorization:
    """The quality manager's e-signature authorizing `person` for `method`.

    Refused (AuthorizationRefused, listing what is unmet) without training on the current
    revision of the method's procedure and a current competence assessment, unless an override
    reason is given (kept with the unmet requirements, signed and audited). Raises
    PersonnelError or SignatureError (wrong password: nothing is created).
    """
    _check_grant(person, method, authorized_on, expires_on)
    unmet = qualification_gaps(person, method, lab_today())
    override = (override_reason or "").strip() or None
    if unmet and not override:
        raise AuthorizationRefused(person, method, unmet)
    user = getattr(by, "user", by)
    authorization = Authorization(
        person_id=person.id,
        person=person,
        method_id=method.id,
        method=method,
        authorized_on=authorized_on,
        expires_on=expires_on,
        status=AuthorizationStatus.ACTIVE.value,
        authorized_by_id=user.id,
        authorized_by=user,
        override_reason=override if unmet else None,
        unmet=unmet if override else [],
        source=Source.ENTRY.value,
    )
    authorization.statement = _statement(authorization)
    db.session.add(authorization)
    db.session.flush()
    try:
        signature = sign(
            subject_type="authorization",
            subject_id=authorization.id,
            subject_key=authorization.subject_key,
            by=by,
            password=password,
            meaning=Meaning.AUTHORIZED,
            content_sha256=_sha256_text(authorization.statement),
            comment=authorization.override_reason,
        )
    except SignatureError:
        # Nothing of the authorization may survive; the lockout counter must.
        db.session.delete(authorization)
        db.session.flush()
        raise
    authorization.signature_id = signature.id
    db.session.flush()
    _audit_person(
        person,
        "authorization.overridden" if unmet else "authorization.granted",
        by,
        {
            "authorization": [None, authorization.id],
            "method": [None, method.code],
            "authorized_on": [None, authorized_on],
            "expires_on": [None, expires_on],
            "signature": [None, signature.id],
            **({"unmet": [None, unmet]} if unmet else {}),
        },
        authorization.override_reason,
    )
    return authorization


def import_authorization(
    person: Person,
    method: Method,
    *,
    authorized_on: dt.date,
    expires_on: dt.date | None,
    authorized_by: User,
    by=None,
) -> Authorization:
    """An authorization signed on paper before the app, recorded as "authorized (imported)"
    by `authorized_by` (no password: the signature was given elsewhere)."""
    if expires_on is not None and expires_on < authorized_on:
        raise PersonnelError("The authorization cannot end before it starts.")
    authorization = Authorization(
        person_id=person.id,
        person=person,
        method_id=method.id,
        method=method,
        authorized_on=authorized_on,
        expires_on=expires_on,
        status=AuthorizationStatus.ACTIVE.value,
        authorized_by_id=authorized_by.id,
        authorized_by=authorized_by,
        unmet=[],
        source=Source.IMPORT.value,
    )
    authorization.statement = _statement(authorization, extra=" (Signed on paper; imported.)")
    db.session.add(authorization)
    db.session.flush()
    signature = sign(
        subject_type="authorization",
        subject_id=authorization.id,
        subject_key=authorization.subject_key,
        by=authorized_by,
        password="",
        meaning=AUTHORIZED_IMPORTED,
        content_sha256=_sha256_text(authorization.statement),
        verify_password=False,
    )
    authorization.signature_id = signature.id
    db.session.flush()
    _audit_person(
        person,
        "authorization.imported",
        by,
        {
            "authorization": [None, authorization.id],
            "method": [None, method.code],
            "authorized_on": [None, authorized_on],
            "expires_on": [None, expires_on],
            "authorized_by": [None, authorized_by.email],
            "signature": [None, signature.id],
        },
    )
    return authorization


def _set_status(authorization: Authorization, status: AuthorizationStatus, by, reason: str):
    old = authorization.status
    authorization.status = status.value
    authorization.status_reason = reason
    authorization.status_changed_at = utcnow()
    user = getattr(by, "user", by)
    authorization.status_changed_by_id = user.id if user is not None else None
    return {"authorization": [authorization.id, authorization.id], "status": [old, status.value]}


def _reason(reason: str | None, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise PersonnelError(f"Give the reason for the {what}.")
    return reason


def suspend(authorization: Authorization, *, reason: str, by) -> None:
    """Stop an active authorization for now (e.g. pending retraining)."""
    reason = _reason(reason, "suspension")
    if authorization.status != AuthorizationStatus.ACTIVE.value:
        raise PersonnelError(
            f"Only an active authorization can be suspended; this one is {authorization.status}."
        )
    changes = _set_status(authorization, AuthorizationStatus.SUSPENDED, by, reason)
    db.session.flush()
    _audit_person(authorization.person, "authorization.suspended", by, changes, reason)


def withdraw(authorization: Authorization, *, reason: str, by) -> None:
    """End an authorization for good (it stays on record)."""
    reason = _reason(reason, "withdrawal")
    if authorization.status == AuthorizationStatus.WITHDRAWN.value:
        raise PersonnelError("This authorization is already withdrawn.")
    changes = _set_status(authorization, AuthorizationStatus.WITHDRAWN, by, reason)
    db.session.flush()
    _audit_person(authorization.person, "authorization.withdrawn", by, changes, reason)


def reinstate(
    authorization: Authorization,
    *,
    reason: str,
    by,
    password: str,
    override_reason: str | None = None,
) -> None:
    """Lift a suspension: the same checks and e-signature as a new authorization."""
    reason = _reason(reason, "reinstatement")
    if authorization.status != AuthorizationStatus.SUSPENDED.value:
        raise PersonnelError("Only a suspended authorization can be reinstated.")
    person, method = authorization.person, authorization.method
    if not person.active_on(lab_today()):
        raise PersonnelError(f"{person.name} no longer works here.")
    unmet = qualification_gaps(person, method, lab_today())
    override = (override_reason or "").strip() or None
    if unmet and not override:
        raise AuthorizationRefused(person, method, unmet)
    statement = _statement(authorization, action="reinstate the authorization of") + (
        f" Reinstated: {reason}."
        + (
            f" Requirements not met: {'; '.join(unmet)}. Override reason: {override}"
            if unmet
            else ""
        )
    )
    signature = sign(
        subject_type="authorization",
        subject_id=authorization.id,
        subject_key=authorization.subject_key,
        by=by,
        password=password,
        meaning=Meaning.AUTHORIZED,
        content_sha256=_sha256_text(statement),
        comment=reason,
    )
    changes = _set_status(authorization, AuthorizationStatus.ACTIVE, by, reason)
    if unmet:
        authorization.unmet = unmet
        authorization.override_reason = override
        changes["unmet"] = [None, unmet]
    db.session.flush()
    _audit_person(
        person,
        "authorization.reinstated",
        by,
        {**changes, "signature": [None, signature.id]},
        reason + (f" (override: {override})" if unmet else ""),
    )


def authorizations_of(person: Person) -> list[Authorization]:
    return list(
        db.session.scalars(
            select(Authorization)
            .where(Authorization.person_id == person.id)
            .order_by(Authorization.authorized_on.desc(), Authorization.id.desc())
        )
    )


def current_authorizations(method_ids, as_of: dt.date) -> dict[int, list[Authorization]]:
    """Authorizations current on `as_of`, per method, in one query."""
    stmt = (
        select(Authorization)
        .join(Person, Person.id == Authorization.person_id)
        .where(
            Authorization.method_id.in_(method_ids),
            Authorization.status == AuthorizationStatus.ACTIVE.value,
            Authorization.authorized_on <= as_of,
            or_(Authorization.expires_on.is_(None), Authorization.expires_on >= as_of),
            Person.active_on_clause(as_of),
        )
        .order_by(Person.name)
        # A few hundred methods and signers among thousands of authorizations: loaded once
        # each, not joined (with each method's procedure and its owner) onto every row.
        # Callers that need a method's procedure read it themselves (procedure_columns).
        .options(
            selectinload(Authorization.method).lazyload(Method.procedure),
            selectinload(Authorization.authorized_by),
            # The signed text and the unmet list at signing: read when signing, not here.
            defer(Authorization.statement),
            defer(Authorization.unmet),
        )
    )
    grouped: dict[int, list[Authorization]] = {}
    for authorization in db.session.scalars(stmt):
        grouped.setdefault(authorization.method_id, []).append(authorization)
    return grouped


def methods_overview(as_of: dt.date, *, procedures: bool = True):
    """Each method in scope with its currently authorized people and who of them is leaving;
    `procedures` False: without the methods' procedures (figures that never show them)."""
    stmt = select(Method).order_by(Method.code)
    if not procedures:
        stmt = stmt.options(lazyload(Method.procedure))
    methods = db.session.scalars(stmt).all()
    current = current_authorizations([m.id for m in methods], as_of)
    return [(method, current.get(method.id, [])) for method in methods]


# --- "my training" and the dashboard ----------------------------------------------------------


def person_matrix_row(person: Person, as_of: dt.date):
    """One person's statuses: every item their job roles require or they have trained on."""
    required = select(JobRoleRequirement.training_item_id).where(
        JobRoleRequirement.job_role_id.in_([r.id for r in person.job_roles])
    )
    trained = select(TrainingRecord.training_item_id).where(TrainingRecord.person_id == person.id)
    item_ids = db.session.scalars(
        select(TrainingItem.id).where(
            or_(TrainingItem.id.in_(required), TrainingItem.id.in_(trained))
        )
    ).all()
    matrix = build_matrix([person], as_of=as_of, columns=item_columns(item_ids))
    row = matrix.rows[0]
    return list(zip(matrix.columns, row.cells, strict=True))


def training_totals(as_of: dt.date) -> Counter:
    """Required cells by status over everyone active on `as_of` (stored: see compliance.stored)."""

    def compute():
        people_stmt = select(Person).where(Person.active_on_clause(as_of))
        people = db.session.scalars(people_stmt).all()
        ids = select(Person.id).where(Person.active_on_clause(as_of))
        cells = required_cells(people, as_of=as_of, person_ids=ids)
        return dict(Counter(cell.status.value for _, _, cell in cells))

    totals = stored(Recipe("training totals", {"as_of": as_of.isoformat()}, compute))
    return Counter({CellStatus(status): n for status, n in totals.items()})


def analyst_cover(as_of: dt.date) -> dict[str, int]:
    """Methods in scope with no authorized analyst, with a single one, and how many of those
    single analysts are leaving (stored: see compliance.stored)."""

    def compute():
        rows = [(m, a) for m, a in methods_overview(as_of, procedures=False) if m.is_in_scope]
        single = [authorized[0] for _, authorized in rows if len(authorized) == 1]
        return {
            "nobody": sum(1 for _, authorized in rows if not authorized),
            "single": len(single),
            "leaving": sum(1 for a in single if a.person.left_on is not None),
        }

    return stored(Recipe("analyst cover", {"as_of": as_of.isoformat()}, compute))


def open_acknowledgements(person: Person) -> list[AcknowledgementTask]:
    from compliance.documents.services import open_tasks_for

    user = person.user
    if user is None and person.email:
        user = db.session.scalar(select(User).where(User.email == person.email))
    return open_tasks_for(user) if user is not None else []


def job_role_user_ids(names, as_of: dt.date):
    """A subquery of the logins of people active on `as_of` who hold any of the job roles named
    (case-insensitive): how "job_role:<name>" distribution lists resolve to readers."""
    wanted = [_squash(name).lower() for name in names]
    return (
        select(User.id)
        .join(Person, person_login())
        .join(PersonJobRole, PersonJobRole.person_id == Person.id)
        .join(JobRole, JobRole.id == PersonJobRole.job_role_id)
        .where(func.lower(JobRole.name).in_(wanted), Person.active_on_clause(as_of))
    )


def holders_of(job_role: JobRole, as_of: dt.date) -> list[Person]:
    """People active on `as_of` who hold the job role."""
    return list(
        db.session.scalars(
            select(Person)
            .join(PersonJobRole, PersonJobRole.person_id == Person.id)
            .where(PersonJobRole.job_role_id == job_role.id, Person.active_on_clause(as_of))
            .order_by(Person.name)
        )
    )


# --- the dashboard ----------------------------------------------------------------------------


def dashboard_cards(principal, today: dt.date) -> list[dict]:
    """Cards for the dashboard: the lab's training and authorization gaps for those who manage
    personnel, and one's own training for everyone with a staff record."""
    from flask import url_for

    from compliance.permissions import Permission

    cards = []
    if principal.can(Permission.PERSONNEL_MANAGE):
        totals = training_totals(today)
        expired, missing = totals[CellStatus.EXPIRED], totals[CellStatus.MISSING]
        due = totals[CellStatus.DUE]
        cards.append(
            {
                "title": "Training gaps",
                "value": str(expired + missing),
                "note": f"{expired} expired, {missing} missing, {due} due in 30 days",
                "href": url_for("personnel.matrix"),
                "tone": "danger" if expired + missing else ("warning" if due else "success"),
            }
        )
        cover = analyst_cover(today)
        nobody, single, leaving = cover["nobody"], cover["single"], cover["leaving"]
        cards.append(
            {
                "title": "Methods without an authorized analyst",
                "value": str(nobody),
                "note": f"{single} with a single analyst, {leaving} of whom is leaving",
                "href": url_for("personnel.methods"),
                "tone": "danger" if nobody else ("warning" if leaving else "success"),
            }
        )
    if principal.can(Permission.TRAINING_SELF):
        person = person_for_user(principal.user)
        if person is not None:
            cells = [cell for _, cell in person_matrix_row(person, today) if cell.required]
            gaps = sum(1 for cell in cells if cell.status.is_gap)
            due = sum(1 for cell in cells if cell.status is CellStatus.DUE)
            cards.append(
                {
                    "title": "My training",
                    "value": str(gaps),
                    "note": f"missing or expired; {due} due in 30 days",
                    "href": url_for("personnel.my_training"),
                    "tone": "danger" if gaps else ("warning" if due else "success"),
                }
            )
    return cards


# --- for the gap engine (TRN-MISSING, TRN-EXPIRED, AUTH-NONE, AUTH-UNQUALIFIED) ---------------


def training_gaps(as_of: dt.date):
    """(person, item column, cell) for every required training that is missing or expired on
    `as_of`, over everyone working here that day. A fixed number of queries."""
    active = Person.active_on_clause(as_of)
    people = db.session.scalars(select(Person).where(active).order_by(Person.name)).all()
    matrix = build_matrix(people, as_of=as_of, person_ids=select(Person.id).where(active))
    return [
        (row.person, column, cell)
        for row in matrix.rows
        for column, cell in zip(matrix.columns, row.cells, strict=True)
        if cell.required and cell.status.is_gap
    ]


def unqualified_authorizations(
    as_of: dt.date, authorized: dict[int, list[Authorization]] | None = None
) -> list[tuple[Authorization, list[str]]]:
    """Authorizations current on `as_of` whose holder lacks training on the current revision
    of the procedure or a current competence assessment, with what is lacking. `authorized`:
    every method's current authorizations, when the caller holds them already."""
    if authorized is None:
        authorized = current_authorizations(select(Method.id), as_of)
    current = [a for group in authorized.values() for a in group]
    unmet = unmet_requirements([(a.person, a.method) for a in current], as_of)
    return [
        (a, unmet[(a.person_id, a.method_id)]) for a in current if unmet[(a.person_id, a.method_id)]
    ]
