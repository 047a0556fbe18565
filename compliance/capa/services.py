"""Nonconforming work and corrective action: raise, investigate, act, check, close.

The lifecycle: a nonconformity is raised from any source (any other domain calls
`open_nonconformity`), investigated (clause, risk, immediate correction, root cause), given
corrective actions with an owner and a due date, checked for effectiveness once every action
is done, and closed by a quality manager with an e-signature over the closed record.

Every function flushes and writes its audit entry; none commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from compliance.audit.services import diff, record
from compliance.capa.models import (
    CorrectiveAction,
    NCSource,
    NCStatus,
    Nonconformity,
    RiskLevel,
)
from compliance.dates import lab_today
from compliance.db import utcnow
from compliance.extensions import db
from compliance.permissions import Permission, Role
from compliance.quality.numbering import next_reference
from compliance.quality.rules import QualityError, clean_clause, clean_text
from compliance.scope.models import Method
from compliance.signatures.models import Meaning, Signature
from compliance.signatures.services import sign
from compliance.users.models import User


class CapaError(QualityError):
    """A refused step of the nonconformity lifecycle; the message names the rule."""


def _user(by) -> User | None:
    return getattr(by, "user", by)


def _is_quality_manager(by) -> bool:
    user = _user(by)
    return user is not None and user.has_role(Role.QUALITY_MANAGER)


def _audit(nc: Nonconformity, action: str, by, changes: dict, reason: str | None = None):
    record(
        action,
        entity_type="nonconformity",
        entity_key=nc.reference,
        actor=by,
        changes=changes,
        reason=reason,
    )


def _require_open(nc: Nonconformity, what: str) -> None:
    if nc.is_closed:
        raise CapaError(f"{nc.reference} is closed; {what} is no longer possible.")


def open_nonconformity(
    *,
    by,
    source: str,
    description: str,
    clause_number: str = "",
    method: Method | None = None,
    risk: str = RiskLevel.MEDIUM.value,
    source_id: int | None = None,
    source_label: str = "",
    raised_on: dt.date | None = None,
    immediate_correction: str = "",
) -> Nonconformity:
    """Raise a nonconformity. Other domains (PT, audits, complaints, equipment impact
    assessments) call this with their `source` and the id of their record."""
    if source not in {s.value for s in NCSource}:
        raise CapaError(f"Unknown nonconformity source '{source}'.")
    if risk not in {r.value for r in RiskLevel}:
        raise CapaError(f"Unknown risk level '{risk}'.")
    raised_on = raised_on or lab_today()
    if raised_on > lab_today():
        raise CapaError("A nonconformity cannot be raised with a date in the future.")
    user = _user(by)
    nc = Nonconformity(
        reference=next_reference(Nonconformity.reference, "NC", raised_on),
        source=source,
        source_id=source_id,
        source_label=(source_label or "")[:300],
        raised_on=raised_on,
        raised_by_id=user.id if user else None,
        description=clean_text(description, "A description of the nonconformity"),
        clause_number=clean_clause(clause_number),
        method_id=method.id if method else None,
        method=method,
        risk=risk,
        immediate_correction=(immediate_correction or "").strip(),
        status=NCStatus.OPEN.value,
    )
    db.session.add(nc)
    db.session.flush()
    _audit(
        nc,
        "nonconformity.raised",
        by,
        diff(
            {},
            {
                "source": source,
                "source_record": source_label or None,
                "description": nc.description,
                "clause": nc.clause_number or None,
                "method": method.code if method else None,
                "risk": risk,
                "raised_on": raised_on,
            },
        ),
    )
    return nc


def _investigation(nc: Nonconformity) -> dict:
    return {
        "description": nc.description,
        "clause": nc.clause_number,
        "risk": nc.risk,
        "immediate_correction": nc.immediate_correction,
        "root_cause": nc.root_cause,
    }


def update_investigation(
    nc: Nonconformity,
    *,
    by,
    description: str,
    clause_number: str,
    risk: str,
    immediate_correction: str,
    root_cause: str,
    reason: str | None = None,
) -> dict:
    """Record what was done at once and why it happened (returns the changes)."""
    _require_open(nc, "changing the investigation")
    if risk not in {r.value for r in RiskLevel}:
        raise CapaError(f"Unknown risk level '{risk}'.")
    before = _investigation(nc)
    nc.description = clean_text(description, "A description of the nonconformity")
    nc.clause_number = clean_clause(clause_number)
    nc.risk = risk
    nc.immediate_correction = clean_text(
        immediate_correction, "The immediate correction", required=False
    )
    nc.root_cause = clean_text(root_cause, "The root cause", required=False)
    changes = diff(before, _investigation(nc))
    if changes:
        db.session.flush()
        _audit(nc, "nonconformity.investigated", by, changes, reason)
    return changes


def add_action(
    nc: Nonconformity, *, by, description: str, owner: User, due_on: dt.date
) -> CorrectiveAction:
    """A corrective action against the root cause, with its owner and due date."""
    _require_open(nc, "adding a corrective action")
    if not nc.root_cause:
        raise CapaError(
            f"Record the root cause of {nc.reference} first: a corrective action removes a cause."
        )
    if owner is None or not owner.is_active:
        raise CapaError("The owner of a corrective action must be an active user.")
    if due_on is None:
        raise CapaError("A corrective action needs a due date.")
    user = _user(by)
    action = CorrectiveAction(
        nonconformity_id=nc.id,
        nonconformity=nc,
        description=clean_text(description, "A description of the action"),
        owner_id=owner.id,
        owner=owner,
        due_on=due_on,
        created_by_id=user.id if user else None,
    )
    db.session.add(action)
    # A new action makes an earlier effectiveness verdict stale.
    stale = nc.is_effective is not None
    nc.is_effective = None
    db.session.flush()
    _audit(
        nc,
        "corrective_action.added",
        by,
        {
            "action": [None, f"#{action.id} {action.description}"],
            "owner": [None, owner.email],
            "due_on": [None, due_on],
            **({"is_effective": [True, None]} if stale else {}),
        },
    )
    return action


def complete_action(
    action: CorrectiveAction, *, by, note: str, completed_on: dt.date | None = None
) -> None:
    """The owner (or a quality manager) reports the action done, saying what was done."""
    nc = action.nonconformity
    _require_open(nc, "completing an action")
    user = _user(by)
    if user is None or (user.id != action.owner_id and not _is_quality_manager(user)):
        raise CapaError("Only the owner of the action or a quality manager can complete it.")
    if action.completed_on is not None:
        raise CapaError(f"Action #{action.id} was completed on {action.completed_on}.")
    completed_on = completed_on or lab_today()
    if completed_on > lab_today():
        raise CapaError("An action cannot be completed on a future date.")
    action.completed_on = completed_on
    action.completion_note = clean_text(note, "What was done")
    db.session.flush()
    _audit(
        nc,
        "corrective_action.completed",
        by,
        {"action": [f"#{action.id}", f"#{action.id}"], "completed_on": [None, completed_on]},
        reason=action.completion_note,
    )


def record_effectiveness(
    nc: Nonconformity,
    *,
    by,
    check: str,
    is_effective: bool,
    checked_on: dt.date | None = None,
) -> None:
    """Whether the actions removed the cause, judged after the last one was done.
    Not effective: the nonconformity stays open for further action."""
    _require_open(nc, "an effectiveness check")
    if not nc.actions:
        raise CapaError(f"{nc.reference} has no corrective action to check.")
    if nc.open_actions():
        raise CapaError(
            f"{len(nc.open_actions())} action(s) of {nc.reference} are not done yet; check "
            "effectiveness once every action is complete."
        )
    checked_on = checked_on or lab_today()
    last_done = max(a.completed_on for a in nc.actions)
    if checked_on < last_done or checked_on > lab_today():
        raise CapaError(
            f"The effectiveness check date must fall between the last action ({last_done}) "
            "and today."
        )
    before = {
        "effectiveness_check": nc.effectiveness_check,
        "checked_on": nc.effectiveness_checked_on,
        "is_effective": nc.is_effective,
    }
    user = _user(by)
    nc.effectiveness_check = clean_text(check, "What was checked and what it showed")
    nc.effectiveness_checked_on = checked_on
    nc.effectiveness_checked_by_id = user.id if user else None
    nc.is_effective = bool(is_effective)
    db.session.flush()
    _audit(
        nc,
        "nonconformity.effectiveness_checked",
        by,
        diff(
            before,
            {
                "effectiveness_check": nc.effectiveness_check,
                "checked_on": checked_on,
                "is_effective": nc.is_effective,
            },
        ),
    )


def closure_problems(nc: Nonconformity) -> list[str]:
    """Why the nonconformity cannot be closed yet (empty: it can)."""
    problems = []
    if nc.is_closed:
        return [f"{nc.reference} is already closed."]
    if not nc.root_cause:
        problems.append("the root cause is not recorded")
    if not nc.actions:
        problems.append("no corrective action is recorded")
    elif nc.open_actions():
        problems.append(f"{len(nc.open_actions())} corrective action(s) are not done")
    if nc.effectiveness_checked_on is None or nc.is_effective is None:
        problems.append("the effectiveness of the actions has not been checked")
    elif not nc.is_effective:
        problems.append("the last effectiveness check found the actions not effective")
    return problems


def closure_content(nc: Nonconformity) -> bytes:
    """The record as closed, canonically serialised: what the closure signature binds."""
    payload = {
        "reference": nc.reference,
        "source": nc.source,
        "source_record": nc.source_label,
        "raised_on": nc.raised_on.isoformat(),
        "description": nc.description,
        "clause": nc.clause_number,
        "method": nc.method.code if nc.method else None,
        "risk": nc.risk,
        "immediate_correction": nc.immediate_correction,
        "root_cause": nc.root_cause,
        "actions": [
            {
                "description": a.description,
                "owner": a.owner.email,
                "due_on": a.due_on.isoformat(),
                "completed_on": a.completed_on.isoformat() if a.completed_on else None,
                "completion_note": a.completion_note,
            }
            for a in nc.actions
        ],
        "effectiveness_check": nc.effectiveness_check,
        "effectiveness_checked_on": (
            nc.effectiveness_checked_on.isoformat() if nc.effectiveness_checked_on else None
        ),
        "is_effective": nc.is_effective,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def closure_sha256(nc: Nonconformity) -> str:
    return hashlib.sha256(closure_content(nc)).hexdigest()


def close(nc: Nonconformity, *, by, password: str, comment: str | None = None) -> Signature:
    """Close with the quality manager's e-signature (meaning "closed") over the record.

    Refused (CapaError) without a root cause, with an action not done, or without an
    effectiveness check that found the actions effective; SignatureError on a wrong password.
    """
    if not _is_quality_manager(by):
        raise CapaError("Only a quality manager can close a nonconformity.")
    problems = closure_problems(nc)
    if problems:
        raise CapaError(f"{nc.reference} cannot be closed: " + "; ".join(problems) + ".")
    signature = sign(
        subject_type="nonconformity",
        subject_id=nc.id,
        subject_key=nc.reference,
        by=by,
        password=password,
        meaning=Meaning.CLOSED,
        content_sha256=closure_sha256(nc),
        comment=comment,
    )
    user = _user(by)
    nc.status = NCStatus.CLOSED.value
    nc.closed_at = utcnow()
    nc.closed_by_id = user.id
    nc.closure_signature_id = signature.id
    db.session.flush()
    _audit(nc, "nonconformity.closed", by, {"status": [NCStatus.OPEN.value, NCStatus.CLOSED.value]})
    return signature


# --- reading --------------------------------------------------------------------------------


def nonconformities(*, status: str = "", source: str = "") -> list[Nonconformity]:
    stmt = select(Nonconformity).order_by(Nonconformity.raised_on.desc(), Nonconformity.id.desc())
    if status:
        stmt = stmt.where(Nonconformity.status == status)
    if source:
        stmt = stmt.where(Nonconformity.source == source)
    return list(db.session.scalars(stmt))


def actions_for(user: User) -> list[CorrectiveAction]:
    """Open corrective actions owned by the person, soonest due first."""
    return list(
        db.session.scalars(
            select(CorrectiveAction)
            .join(Nonconformity)
            .where(
                CorrectiveAction.owner_id == user.id,
                CorrectiveAction.completed_on.is_(None),
                Nonconformity.status == NCStatus.OPEN.value,
            )
            .order_by(CorrectiveAction.due_on)
        )
    )


def reported_by(user: User) -> list[Nonconformity]:
    return list(
        db.session.scalars(
            select(Nonconformity)
            .where(Nonconformity.raised_by_id == user.id)
            .order_by(Nonconformity.raised_on.desc())
        )
    )


def actions_open_on(as_of: dt.date, *, due_before: dt.date) -> list[CorrectiveAction]:
    """Actions open on the date (not completed by then, on nonconformities raised and not
    closed by then) whose due date is before `due_before`, soonest first (one query)."""
    end_of_day = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), dt.UTC)
    closed_by_then = Nonconformity.closed_at.is_not(None) & (Nonconformity.closed_at < end_of_day)
    return list(
        db.session.scalars(
            select(CorrectiveAction)
            .join(Nonconformity)
            .where(
                CorrectiveAction.due_on < due_before,
                or_(CorrectiveAction.completed_on.is_(None), CorrectiveAction.completed_on > as_of),
                Nonconformity.raised_on <= as_of,
                ~closed_by_then,
            )
            .order_by(CorrectiveAction.due_on, CorrectiveAction.id)
            # Lists of actions name the nonconformity, not its method (nor the method's
            # procedure: the gap rule then does not depend on documents).
            .options(joinedload(CorrectiveAction.nonconformity).lazyload(Nonconformity.method))
        )
    )


def overdue_actions(as_of: dt.date) -> list[CorrectiveAction]:
    """Actions open on the date past their due date."""
    return actions_open_on(as_of, due_before=as_of)


def can_view(principal, nc: Nonconformity) -> bool:
    """Quality readers see every record; others see what they reported or must act on."""
    if principal.can(Permission.QUALITY_VIEW):
        return True
    return nc.raised_by_id == principal.id or any(a.owner_id == principal.id for a in nc.actions)
