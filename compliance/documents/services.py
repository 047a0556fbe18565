"""Document control (clause 8.3): register, revision workflow, signatures, reading duties.

Every function flushes and writes its audit entry; none commits. Signatures are checked
before anything changes, so a refused password leaves only the lockout counter behind.
"""

from __future__ import annotations

import datetime as dt
import re
import string

from flask import current_app
from sqlalchemy import select

from compliance.audit.services import diff, record
from compliance.clauses.catalogue_iso17025 import BY_NUMBER as CLAUSES
from compliance.dates import add_months, lab_today
from compliance.db import utcnow
from compliance.documents import rendering
from compliance.documents.models import (
    AcknowledgementTask,
    Document,
    DocumentClause,
    DocumentDistribution,
    DocumentType,
    Revision,
    RevisionState,
)
from compliance.extensions import db
from compliance.files.services import DOCX_MEDIA_TYPE, sha256_hex, store_bytes
from compliance.permissions import Role
from compliance.signatures.models import Meaning, Signature
from compliance.signatures.services import sign, signatures_for
from compliance.uploads.docx import check_docx
from compliance.users.models import User, UserRole


class WorkflowError(ValueError):
    """A refused document action; the message names the rule."""


S = RevisionState
NUMBER_RE = re.compile(r"^[A-Z0-9][A-Z0-9.\-/_]{1,39}$")
LABEL_RE = re.compile(r"^(?:[A-Z]{1,3}|[0-9]{1,4})$")
AUDIENCE_RE = re.compile(r"^(role|job_role|method):[\w .\-/]{1,100}$")


# --- validation -----------------------------------------------------------------------------


def validate_number(number: str) -> str:
    number = (number or "").strip().upper()
    if not NUMBER_RE.match(number):
        raise WorkflowError(
            f"'{number}' is not a document number: use capitals, digits and . - / _ "
            "(2 to 40 characters), e.g. QP-8.3-01 or TM-AS6171-2."
        )
    return number


def validate_clauses(numbers) -> list[str]:
    cleaned = sorted({" ".join(str(n).split()) for n in numbers if str(n).strip()})
    unknown = [n for n in cleaned if n not in CLAUSES]
    if unknown:
        raise WorkflowError(
            f"Unknown ISO/IEC 17025:2017 clause(s): {', '.join(unknown)}. Use numbers like 8.3.2."
        )
    return cleaned


def validate_audiences(audiences) -> list[str]:
    cleaned = sorted({a.strip() for a in audiences if a and a.strip()})
    for audience in cleaned:
        if not AUDIENCE_RE.match(audience):
            raise WorkflowError(f"'{audience}' is not a distribution target (e.g. role:staff).")
        kind, _, value = audience.partition(":")
        if kind == "role" and value not in {r.value for r in Role}:
            raise WorkflowError(f"Unknown role '{value}' in the distribution.")
    return cleaned


def validate_label(label: str, scheme: str) -> str:
    label = (label or "").strip().upper()
    if not LABEL_RE.match(label):
        raise WorkflowError(f"'{label}' is not a revision label (A, B, ... or 1, 2, ...).")
    if (scheme == "numbers") != label.isdigit():
        raise WorkflowError(f"Revision label '{label}' does not follow this document's {scheme}.")
    return label


# --- the register ---------------------------------------------------------------------------


def document_by_number(number: str) -> Document | None:
    return db.session.scalar(select(Document).where(Document.number == number.strip().upper()))


def create_document(
    *,
    number: str,
    title: str,
    doc_type: str,
    owner: User,
    review_interval_months: int,
    clauses=(),
    audiences=(),
    label_scheme: str = "letters",
    by,
) -> Document:
    """Register a document (no revision yet). Raises WorkflowError on a bad or taken number."""
    number = validate_number(number)
    if document_by_number(number) is not None:
        raise WorkflowError(f"Document number {number} is already registered.")
    title = " ".join((title or "").split())
    if not title:
        raise WorkflowError("A title is required.")
    if doc_type not in {t.value for t in DocumentType}:
        raise WorkflowError(f"Unknown document type '{doc_type}'.")
    if not 1 <= int(review_interval_months) <= 120:
        raise WorkflowError("The review interval must be between 1 and 120 months.")
    clauses, audiences = validate_clauses(clauses), validate_audiences(audiences)
    document = Document(
        number=number,
        title=title,
        doc_type=doc_type,
        owner_id=owner.id,
        review_interval_months=int(review_interval_months),
        label_scheme=label_scheme,
        clause_rows=[DocumentClause(clause_number=c) for c in clauses],
        distribution_rows=[DocumentDistribution(audience=a) for a in audiences],
    )
    db.session.add(document)
    db.session.flush()
    record(
        "document.created",
        entity_type="document",
        entity_key=number,
        actor=by,
        changes=diff(
            {},
            {
                "title": title,
                "doc_type": doc_type,
                "owner": owner.email,
                "review_interval_months": int(review_interval_months),
                "clauses": clauses,
                "distribution": audiences,
            },
        ),
    )
    return document


def update_document(
    document: Document,
    *,
    by,
    title: str,
    owner: User,
    review_interval_months: int,
    clauses,
    audiences,
    reason: str | None,
) -> None:
    """Change the register entry (not the content: that takes a new revision)."""
    before = _register_values(document)
    clauses, audiences = validate_clauses(clauses), validate_audiences(audiences)
    title = " ".join((title or "").split())
    if not title:
        raise WorkflowError("A title is required.")
    if not 1 <= int(review_interval_months) <= 120:
        raise WorkflowError("The review interval must be between 1 and 120 months.")
    document.title = title
    document.owner_id = owner.id
    document.owner = owner
    document.review_interval_months = int(review_interval_months)
    if clauses != document.clauses:
        document.clause_rows = [DocumentClause(clause_number=c) for c in clauses]
    if audiences != document.audiences:
        document.distribution_rows = [DocumentDistribution(audience=a) for a in audiences]
    changes = diff(before, _register_values(document, clauses=clauses, audiences=audiences))
    if changes:
        db.session.flush()
        record(
            "document.updated",
            entity_type="document",
            entity_key=document.number,
            actor=by,
            changes=changes,
            reason=reason,
        )


def _register_values(document: Document, *, clauses=None, audiences=None) -> dict:
    return {
        "title": document.title,
        "owner": document.owner.email,
        "review_interval_months": document.review_interval_months,
        "clauses": clauses if clauses is not None else document.clauses,
        "distribution": audiences if audiences is not None else document.audiences,
    }


# --- revisions ------------------------------------------------------------------------------


def _label_at(index: int, scheme: str) -> str:
    if scheme == "numbers":
        return str(index + 1)
    letters = string.ascii_uppercase
    label = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        label = letters[rest] + label
    return label


def next_label(document: Document) -> str:
    taken = set(
        db.session.scalars(select(Revision.label).where(Revision.document_id == document.id))
    )
    index = 0
    while _label_at(index, document.label_scheme) in taken:
        index += 1
    return _label_at(index, document.label_scheme)


def _checked_docx(data: bytes, filename: str) -> None:
    check_docx(data, filename=filename, max_bytes=current_app.config["UPLOAD_MAX_BYTES"])


def add_revision(
    document: Document,
    *,
    data: bytes,
    filename: str,
    change_summary: str,
    by,
    label: str | None = None,
) -> Revision:
    """A new draft from an uploaded .docx. Raises UploadRejected or WorkflowError."""
    _checked_docx(data, filename)
    open_work = db.session.scalar(
        select(Revision).where(
            Revision.document_id == document.id,
            Revision.state.in_([S.DRAFT.value, S.IN_REVIEW.value, S.APPROVED.value]),
        )
    )
    if open_work is not None:
        raise WorkflowError(
            f"{document.number} already has revision {open_work.label} "
            f"{open_work.state_enum.label}; finish or withdraw it before starting another."
        )
    label = validate_label(label, document.label_scheme) if label else next_label(document)
    if db.session.scalar(
        select(Revision.id).where(Revision.document_id == document.id, Revision.label == label)
    ):
        raise WorkflowError(f"{document.number} already has a revision {label}.")
    stored = store_bytes(data, filename=filename, media_type=DOCX_MEDIA_TYPE)
    user = getattr(by, "user", by)
    revision = Revision(
        document_id=document.id,
        document=document,
        label=label,
        state=S.DRAFT.value,
        file_sha256=stored.sha256,
        text=rendering.extract_text(data),
        change_summary=(change_summary or "").strip(),
        author_id=user.id,
        author=user,
    )
    db.session.add(revision)
    db.session.flush()
    record(
        "revision.created",
        entity_type="document",
        entity_key=document.number,
        actor=by,
        changes={
            "revision": [None, label],
            "state": [None, S.DRAFT.value],
            "file_sha256": [None, stored.sha256],
            "filename": [None, filename],
            "change_summary": [None, revision.change_summary],
        },
    )
    return revision


def replace_draft_file(revision: Revision, *, data: bytes, filename: str, by) -> None:
    """Swap the .docx of a draft (anything later is frozen)."""
    _require_state(revision, {S.DRAFT}, "replace the file of")
    _checked_docx(data, filename)
    stored = store_bytes(data, filename=filename, media_type=DOCX_MEDIA_TYPE)
    old = revision.file_sha256
    revision.file_sha256 = stored.sha256
    revision.text = rendering.extract_text(data)
    db.session.flush()
    _audit(revision, "revision.file_replaced", by, {"file_sha256": [old, stored.sha256]})


def _require_state(revision: Revision, allowed: set[RevisionState], action: str) -> None:
    if revision.state_enum not in allowed:
        wanted = " or ".join(sorted(s.label for s in allowed))
        raise WorkflowError(
            f"Cannot {action} {revision.display}: it is {revision.state_enum.label}, "
            f"and only a revision that is {wanted} can be."
        )


def _audit(revision: Revision, action: str, by, changes: dict, reason: str | None = None):
    record(
        action,
        entity_type="document",
        entity_key=revision.document.number,
        actor=by,
        changes={"revision": [revision.label, revision.label], **changes},
        reason=reason,
    )


def _set_state(revision: Revision, new: RevisionState) -> dict:
    old = revision.state
    revision.state = new.value
    return {"state": [old, new.value]}


def submit_for_review(revision: Revision, *, by) -> None:
    _require_state(revision, {S.DRAFT}, "send for review")
    changes = _set_state(revision, S.IN_REVIEW)
    revision.submitted_at = utcnow()
    revision.rejection_comment = None
    db.session.flush()
    _audit(revision, "revision.submitted", by, changes)


def reject(revision: Revision, *, by, comment: str) -> None:
    """Send a revision in review back to draft with the reviewer's comments."""
    _require_state(revision, {S.IN_REVIEW}, "reject")
    comment = (comment or "").strip()
    if not comment:
        raise WorkflowError("Say what must change: rejection needs comments.")
    changes = _set_state(revision, S.DRAFT)
    revision.rejection_comment = comment
    db.session.flush()
    _audit(revision, "revision.rejected", by, changes, reason=comment)


def _not_author(revision: Revision, by, what: str) -> None:
    if getattr(by, "id", None) == revision.author_id:
        raise WorkflowError(f"The author of {revision.display} cannot {what} it.")


def sign_review(revision: Revision, *, by, password: str, comment: str | None = None) -> Signature:
    """A reviewer's e-signature (meaning "reviewed") on the exact bytes under review."""
    _require_state(revision, {S.IN_REVIEW}, "review")
    _not_author(revision, by, "review")
    existing = [
        s
        for s in signatures_for("revision", [revision.id])[revision.id]
        if s.meaning == Meaning.REVIEWED and s.signer_id == by.id and s.binds(revision.file_sha256)
    ]
    if existing:
        raise WorkflowError(f"You have already signed the review of {revision.display}.")
    return sign(
        subject_type="revision",
        subject_id=revision.id,
        subject_key=f"{revision.document.number} Rev {revision.label}",
        by=by,
        password=password,
        meaning=Meaning.REVIEWED,
        content_sha256=revision.file_sha256,
        comment=comment,
    )


def approve(
    revision: Revision,
    *,
    by,
    password: str,
    effective_on: dt.date,
    comment: str | None = None,
) -> Signature:
    """The approver's e-signature. Needs a review signature on these bytes, an approver who is
    not the author, and an effective date today or later; becomes effective at once if today."""
    _require_state(revision, {S.IN_REVIEW}, "approve")
    _not_author(revision, by, "approve")
    today = lab_today()
    if effective_on is None or effective_on < today:
        raise WorkflowError(
            f"The effective date must be today ({today.isoformat()}) or later, not "
            f"{effective_on.isoformat() if effective_on else 'empty'}."
        )
    reviews = [
        s
        for s in signatures_for("revision", [revision.id])[revision.id]
        if s.meaning == Meaning.REVIEWED and s.binds(revision.file_sha256)
    ]
    if not reviews:
        raise WorkflowError(f"{revision.display} needs a review signature before approval.")
    signature = sign(
        subject_type="revision",
        subject_id=revision.id,
        subject_key=f"{revision.document.number} Rev {revision.label}",
        by=by,
        password=password,
        meaning=Meaning.APPROVED,
        content_sha256=revision.file_sha256,
        comment=comment,
    )
    changes = _set_state(revision, S.APPROVED)
    revision.approved_at = signature.signed_at
    revision.effective_on = effective_on
    db.session.flush()
    _audit(revision, "revision.approved", by, {**changes, "effective_on": [None, effective_on]})
    make_due_revisions_effective(today)
    return signature


def make_due_revisions_effective(
    as_of: dt.date | None = None, *, assign_tasks: bool = True, document: Document | None = None
) -> list[Revision]:
    """Approved revisions whose effective date has come become effective; the one they replace
    becomes superseded the same moment, and the distribution gets acknowledgement tasks
    (due ACK_DUE_DAYS after the effective date)."""
    as_of = as_of or lab_today()
    stmt = select(Revision).where(
        Revision.state == S.APPROVED.value, Revision.effective_on <= as_of
    )
    if document is not None:
        stmt = stmt.where(Revision.document_id == document.id)
    due = db.session.scalars(stmt.order_by(Revision.effective_on, Revision.id)).all()
    for revision in due:
        previous = current_revision(revision.document)
        if previous is not None:
            changes = _set_state(previous, S.SUPERSEDED)
            previous.superseded_on = revision.effective_on
            db.session.flush()
            _audit(
                previous,
                "revision.superseded",
                None,
                {**changes, "superseded_by": [None, revision.label]},
            )
        changes = _set_state(revision, S.EFFECTIVE)
        db.session.flush()
        _audit(revision, "revision.effective", None, changes)
        if assign_tasks:
            create_acknowledgement_tasks(revision)
    return due


def withdraw(revision: Revision, *, by, reason: str) -> None:
    """Withdraw a revision: a draft abandoned, or an effective one taken out of use."""
    _require_state(revision, {S.DRAFT, S.IN_REVIEW, S.APPROVED, S.EFFECTIVE}, "withdraw")
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("Give a reason for withdrawing the revision.")
    changes = _set_state(revision, S.WITHDRAWN)
    revision.withdrawn_on = lab_today()
    db.session.flush()
    _audit(revision, "revision.withdrawn", by, changes, reason=reason)


# --- reading the register -------------------------------------------------------------------


def current_revision(document: Document) -> Revision | None:
    return db.session.scalar(
        select(Revision).where(
            Revision.document_id == document.id, Revision.state == S.EFFECTIVE.value
        )
    )


def next_review_on(document: Document, effective: Revision | None) -> dt.date | None:
    """Effective date (or last periodic review, whichever is later) + the review interval."""
    if effective is None:
        return None
    return review_due_on(
        effective.effective_on, document.last_reviewed_on, document.review_interval_months
    )


def review_due_on(
    effective_on: dt.date | None, last_reviewed_on: dt.date | None, interval_months: int
) -> dt.date | None:
    if effective_on is None:
        return None
    start = max(filter(None, [effective_on, last_reviewed_on]))
    return add_months(start, interval_months)


def periodic_review(document: Document, *, by, password: str, comment: str | None = None):
    """Sign "reviewed, no change needed": restarts the review interval without a revision."""
    effective = current_revision(document)
    if effective is None:
        raise WorkflowError(f"{document.number} has no effective revision to review.")
    signature = sign(
        subject_type="document",
        subject_id=document.id,
        subject_key=document.number,
        by=by,
        password=password,
        meaning=Meaning.PERIODIC_REVIEW,
        content_sha256=effective.file_sha256,
        comment=comment,
    )
    old = document.last_reviewed_on
    document.last_reviewed_on = lab_today()
    db.session.flush()
    record(
        "document.periodic_review",
        entity_type="document",
        entity_key=document.number,
        actor=by,
        changes={"last_reviewed_on": [old, document.last_reviewed_on]},
        reason=signature.comment,
    )
    return signature


# --- read and acknowledge -------------------------------------------------------------------


def distribution_users(document: Document) -> list[User]:
    """Active people who must read the document: everyone with an app role ("role:staff"), and
    active staff holding a job role ("job_role:<name>") who have a login. Methods join with
    their issue."""
    from sqlalchemy import or_

    from compliance.personnel.services import job_role_user_ids

    roles = [a.split(":", 1)[1] for a in document.audiences if a.startswith("role:")]
    job_roles = [a.split(":", 1)[1] for a in document.audiences if a.startswith("job_role:")]
    audiences = []
    if roles:
        audiences.append(User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(roles))))
    if job_roles:
        audiences.append(User.id.in_(job_role_user_ids(job_roles, lab_today())))
    if not audiences:
        return []
    return list(
        db.session.scalars(
            select(User).where(User.is_active.is_(True), or_(*audiences)).order_by(User.id)
        )
    )


def create_acknowledgement_tasks(revision: Revision) -> int:
    """A reading task for each person in the distribution who has none for this revision."""
    due_on = revision.effective_on + dt.timedelta(days=current_app.config["ACK_DUE_DAYS"])
    existing = set(
        db.session.scalars(
            select(AcknowledgementTask.user_id).where(
                AcknowledgementTask.revision_id == revision.id
            )
        )
    )
    created = 0
    for user in distribution_users(revision.document):
        if user.id in existing:
            continue
        db.session.add(AcknowledgementTask(revision_id=revision.id, user_id=user.id, due_on=due_on))
        created += 1
    db.session.flush()
    if created:
        _audit(
            revision,
            "acknowledgements.assigned",
            None,
            {"tasks": [None, created]},
            reason=f"due {due_on.isoformat()}",
        )
    return created


def acknowledge(task: AcknowledgementTask, *, by, password: str) -> Signature:
    """The reader's e-signature "read and understood" on the revision's bytes."""
    if task.user_id != by.id:
        raise WorkflowError("You can only acknowledge your own reading tasks.")
    if task.acknowledged_at is not None:
        raise WorkflowError(f"You already acknowledged {task.revision.display}.")
    if task.revision.state_enum is not S.EFFECTIVE:
        raise WorkflowError(
            f"{task.revision.display} is {task.revision.state_enum.label}; "
            "only the effective revision can be acknowledged."
        )
    signature = sign(
        subject_type="acknowledgement",
        subject_id=task.id,
        subject_key=f"{task.revision.document.number} Rev {task.revision.label}",
        by=by,
        password=password,
        meaning=Meaning.ACKNOWLEDGED,
        content_sha256=task.revision.file_sha256,
    )
    task.acknowledged_at = signature.signed_at
    task.signature_id = signature.id
    db.session.flush()
    return signature


def open_tasks_for(user: User) -> list[AcknowledgementTask]:
    return list(
        db.session.scalars(
            select(AcknowledgementTask)
            .join(Revision)
            .where(
                AcknowledgementTask.user_id == user.id,
                AcknowledgementTask.acknowledged_at.is_(None),
                Revision.state == S.EFFECTIVE.value,
            )
            .order_by(AcknowledgementTask.due_on)
        )
    )


def content_hash(data: bytes) -> str:
    return sha256_hex(data)


def import_effective_revision(
    document: Document,
    *,
    data: bytes,
    filename: str,
    label: str,
    effective_on: dt.date,
    approved_by: User,
    by=None,
) -> Revision:
    """Bring in a revision approved outside the app (bulk import of an existing library).

    Recorded as approved by `approved_by` with the meaning "approved (imported)"; no password is
    asked because the approval happened on paper. Supersedes an older effective revision.
    """
    if effective_on > lab_today():
        raise WorkflowError(
            f"An imported revision must already be effective; {effective_on.isoformat()} is in "
            "the future."
        )
    _checked_docx(data, filename)
    label = validate_label(label, document.label_scheme)
    stored = store_bytes(data, filename=filename, media_type=DOCX_MEDIA_TYPE)
    revision = Revision(
        document_id=document.id,
        document=document,
        label=label,
        state=S.APPROVED.value,
        file_sha256=stored.sha256,
        text=rendering.extract_text(data),
        change_summary="Imported from the existing document library.",
        author_id=None,
        effective_on=effective_on,
    )
    db.session.add(revision)
    db.session.flush()
    signature = sign(
        subject_type="revision",
        subject_id=revision.id,
        subject_key=f"{document.number} Rev {label}",
        by=approved_by,
        password="",
        meaning=Meaning.APPROVED_IMPORTED,
        content_sha256=stored.sha256,
        verify_password=False,
    )
    revision.approved_at = signature.signed_at
    _audit(
        revision,
        "revision.imported",
        by,
        {
            "state": [None, S.APPROVED.value],
            "file_sha256": [None, stored.sha256],
            "effective_on": [None, effective_on],
            "approved_by": [None, approved_by.email],
        },
    )
    # People read the imported library on paper; reading tasks start with the next revision.
    make_due_revisions_effective(lab_today(), document=document, assign_tasks=False)
    return revision


def record_download(revision: Revision, *, by, state: str) -> None:
    """A stamped copy left the system: who took which revision, in which state."""
    record(
        "revision.downloaded",
        entity_type="document",
        entity_key=revision.document.number,
        actor=by,
        changes={"revision": [revision.label, revision.label], "stamped_as": [None, state]},
    )
