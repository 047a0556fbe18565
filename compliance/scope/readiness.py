"""Could a method be performed and defended today? Each domain answers its own part.

A readiness check takes the methods and a date and returns, per method id, the reasons the
method is not ready (an empty list or a missing key: nothing to say). This module answers for
the method's status, its procedure (document control) and its verification record; proficiency
testing registers its check from compliance.proficiency.readiness. Equipment and personnel
register theirs the same way, from their own packages, without this module importing them:

    from compliance.scope.readiness import Reason, readiness_check

    @readiness_check("equipment")
    def equipment_ready(methods, as_of):
        return {method.id: [Reason("equipment", "XRF-001 calibration overdue since ...")]}

A domain whose check is not registered is reported as "not checked", never as fine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from flask import url_for
from sqlalchemy import and_, select

from compliance.documents.models import Document, Revision, RevisionState
from compliance.documents.services import next_review_on
from compliance.extensions import db
from compliance.scope.models import Method, MethodStatus, MethodValidation
from compliance.signatures.models import Meaning, Signature

BLOCKER = "blocker"  # the method cannot be performed, or not defended, as things stand
WARNING = "warning"  # it can, but the evidence is weaker than an assessor expects

# Every part of the question; a part without a registered check is "not checked".
EXPECTED_CHECKS = ("status", "procedure", "verification", "proficiency", "equipment", "personnel")


@dataclass(frozen=True)
class Reason:
    check: str  # which part of readiness: "procedure", "equipment", ...
    message: str  # what is wrong and what to do, naming the exact record
    severity: str = BLOCKER
    href: str | None = None


class ReadinessCheck(Protocol):
    def __call__(self, methods: Sequence[Method], as_of: dt.date) -> Mapping[int, list[Reason]]: ...


CHECKS: dict[str, ReadinessCheck] = {}


def register_check(name: str, check: ReadinessCheck) -> ReadinessCheck:
    """Add (or replace) the check answering one part of readiness."""
    CHECKS[name] = check
    return check


def readiness_check(name: str):
    """Decorator form of register_check."""

    def decorator(check: ReadinessCheck) -> ReadinessCheck:
        return register_check(name, check)

    return decorator


def per_method(function: Callable[[Method, dt.date], list[Reason]]) -> ReadinessCheck:
    """Adapt a one-method function (method, as_of) -> reasons into a check.

    Simple, but one call (and its queries) per method: fine for a method page, slow for a
    large scope listing; prefer a set-based check there.
    """

    def check(methods: Sequence[Method], as_of: dt.date) -> dict[int, list[Reason]]:
        return {method.id: list(function(method, as_of)) for method in methods}

    return check


@dataclass
class Readiness:
    method: Method
    as_of: dt.date
    reasons: list[Reason] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    @property
    def blockers(self) -> list[Reason]:
        return [r for r in self.reasons if r.severity == BLOCKER]

    @property
    def warnings(self) -> list[Reason]:
        return [r for r in self.reasons if r.severity != BLOCKER]

    @property
    def status(self) -> str:
        """ "not ready" (a blocker), "unchecked" (a part nobody answered), or "ready"."""
        if self.blockers:
            return "not ready"
        if self.unchecked:
            return "unchecked"
        return "ready"

    @property
    def is_ready(self) -> bool:
        return self.status == "ready"

    def by_check(self) -> dict[str, list[Reason]]:
        grouped: dict[str, list[Reason]] = {name: [] for name in EXPECTED_CHECKS}
        for reason in self.reasons:
            grouped.setdefault(reason.check, []).append(reason)
        return grouped


def assess(methods: Sequence[Method], as_of: dt.date) -> dict[int, Readiness]:
    """Readiness of each method as of the date, from every registered check."""
    _load_builtin_checks()
    results = {m.id: Readiness(m, as_of) for m in methods}
    if not methods:
        return results
    # The expected parts first, in their reading order, whatever order they registered in.
    names = [n for n in EXPECTED_CHECKS if n in CHECKS] + [
        n for n in CHECKS if n not in EXPECTED_CHECKS
    ]
    for name in names:
        for method_id, reasons in CHECKS[name](methods, as_of).items():
            if method_id in results:
                results[method_id].reasons.extend(reasons)
    missing = [name for name in EXPECTED_CHECKS if name not in CHECKS]
    for readiness in results.values():
        readiness.unchecked = list(missing)
    return results


def assess_one(method: Method, as_of: dt.date) -> Readiness:
    return assess([method], as_of)[method.id]


def _load_builtin_checks() -> None:
    # Proficiency testing registers itself on import; it imports this module, so not at the top.
    import compliance.proficiency.readiness  # noqa: F401


# --- the parts this module answers ---------------------------------------------------------


@readiness_check("status")
def status_check(methods: Sequence[Method], as_of: dt.date) -> dict[int, list[Reason]]:
    """A suspended or withdrawn method is not offered, whatever else is in order."""
    return {
        m.id: [
            Reason(
                "status",
                f"{m.code} is {MethodStatus(m.status).label}"
                + (f": {m.status_reason}" if m.status_reason else "")
                + ". Reinstate it on the scope before reporting results under accreditation.",
            )
        ]
        for m in methods
        if not m.is_in_scope
    }


@readiness_check("procedure")
def procedure_check(methods: Sequence[Method], as_of: dt.date) -> dict[int, list[Reason]]:
    """The governing procedure exists, has an effective, properly approved revision, and its
    periodic review is not overdue on the date (one query for revisions, one for approvals)."""
    procedure_ids = {m.procedure_id for m in methods if m.procedure_id}
    effective: dict[int, Revision] = {}
    approved: set[int] = set()
    if procedure_ids:
        rows = db.session.scalars(
            select(Revision).where(
                Revision.document_id.in_(procedure_ids),
                Revision.state == RevisionState.EFFECTIVE.value,
            )
        )
        effective = {rev.document_id: rev for rev in rows}
        if effective:
            approved = set(
                db.session.scalars(
                    select(Revision.id)
                    .join(
                        Signature,
                        and_(
                            Signature.subject_type == "revision",
                            Signature.subject_id == Revision.id,
                            Signature.meaning.in_([Meaning.APPROVED, Meaning.APPROVED_IMPORTED]),
                            Signature.content_sha256 == Revision.file_sha256,
                        ),
                    )
                    .where(
                        Revision.id.in_([r.id for r in effective.values()]),
                        (Revision.author_id.is_(None))
                        | (Signature.signer_id != Revision.author_id),
                    )
                )
            )
    found: dict[int, list[Reason]] = {}
    for method in methods:
        reasons = found.setdefault(method.id, [])
        document: Document | None = method.procedure
        if document is None:
            reasons.append(
                Reason(
                    "procedure",
                    f"{method.code} has no governing procedure: link the controlled document "
                    "analysts work from.",
                )
            )
            continue
        href = url_for("documents.show", document_id=document.id)
        revision = effective.get(document.id)
        if revision is None:
            reasons.append(
                Reason(
                    "procedure",
                    f"{document.number} has no effective revision: analysts would work from a "
                    "draft or an obsolete copy.",
                    href=href,
                )
            )
            continue
        if revision.id not in approved:
            reasons.append(
                Reason(
                    "procedure",
                    f"{document.number} Rev {revision.label} lacks a valid approval by someone "
                    "other than its author.",
                    href=href,
                )
            )
        due = next_review_on(document, revision)
        if due is not None and due < as_of:
            reasons.append(
                Reason(
                    "procedure",
                    f"{document.number} was due for periodic review on {due.isoformat()}: sign "
                    "'reviewed, no change needed' or issue a new revision.",
                    href=href,
                )
            )
    return found


@readiness_check("verification")
def verification_check(methods: Sequence[Method], as_of: dt.date) -> dict[int, list[Reason]]:
    """A method is defended by a verification (or validation) record dated by the as-of day."""
    ids = [m.id for m in methods]
    recorded = set(
        db.session.scalars(
            select(MethodValidation.method_id).where(
                MethodValidation.method_id.in_(ids), MethodValidation.performed_on <= as_of
            )
        )
    )
    return {
        m.id: [
            Reason(
                "verification",
                f"{m.code} has no verification or validation record (7.2): record the study "
                "that shows the lab performs the method as written.",
                href=url_for("scope.show", method_id=m.id),
            )
        ]
        for m in methods
        if m.id not in recorded
    }
