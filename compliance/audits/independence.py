"""Auditors do not audit their own work (8.8.2 b, c): the rule, and where domains extend it.

"Own work", concretely. An auditor may not audit:
1. an area they answer for: they are the audit's auditee;
2. a clause for which they own a controlled document: they own a registered document that
   declares an audited clause, a clause inside one, or a clause containing one
   (owning QP-8.3-01 for 8.3.2 rules out auditing 8.3, 8.3.2 and 8);
3. a method whose governing procedure they own;
4. whatever another domain says is theirs: personnel registers "authorized analyst for an
   audited method" with `register_conflict_check` (this module does not import personnel).

A conflict check takes (auditor, clauses, methods) and returns one message per conflict.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select

from compliance.documents.models import Document, DocumentClause
from compliance.extensions import db
from compliance.quality.rules import covers
from compliance.scope.models import Method
from compliance.users.models import User

ConflictCheck = Callable[[User, Sequence[str], Sequence[Method]], list[str]]
CONFLICT_CHECKS: dict[str, ConflictCheck] = {}


def register_conflict_check(name: str, check: ConflictCheck) -> ConflictCheck:
    """Add (or replace) a rule saying which audited clauses or methods are the auditor's work."""
    CONFLICT_CHECKS[name] = check
    return check


def conflict_check(name: str):
    def decorator(check: ConflictCheck) -> ConflictCheck:
        return register_conflict_check(name, check)

    return decorator


@conflict_check("document owner")
def owned_documents(auditor: User, clauses: Sequence[str], methods: Sequence[Method]) -> list[str]:
    rows = db.session.execute(
        select(Document.number, DocumentClause.clause_number)
        .join(DocumentClause, DocumentClause.document_id == Document.id)
        .where(Document.owner_id == auditor.id)
        .order_by(Document.number, DocumentClause.clause_number)
    ).all()
    conflicts = []
    for number, declared in rows:
        hit = next((c for c in clauses if covers(c, declared)), None)
        if hit:
            conflicts.append(f"owns {number}, which addresses clause {declared} (audited: {hit})")
    return conflicts


@conflict_check("procedure owner")
def owned_procedures(auditor: User, clauses: Sequence[str], methods: Sequence[Method]) -> list[str]:
    return [
        f"owns {m.procedure.number}, the procedure of method {m.code}"
        for m in methods
        if m.procedure is not None and m.procedure.owner_id == auditor.id
    ]


def independence_conflicts(
    auditor: User,
    clauses: Sequence[str],
    methods: Sequence[Method],
    auditee: User | None = None,
) -> list[str]:
    """Every reason the auditor would be auditing their own work (empty: independent)."""
    conflicts = []
    if auditee is not None and auditee.id == auditor.id:
        conflicts.append("is the auditee of this audit")
    for check in CONFLICT_CHECKS.values():
        conflicts.extend(check(auditor, clauses, methods))
    return conflicts
