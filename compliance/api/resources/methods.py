"""GET /api/v1/methods: the test methods on the scope, with their governing procedure."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from compliance.api.core import api_requires, bp, choice_arg, paginated, text_arg
from compliance.api.resources.common import (
    DATE,
    INTEGER,
    PAGE_PARAMETERS,
    STRING,
    URI,
    json_response,
    nullable,
    obj,
    operation,
    page_of,
    query,
    ref,
    text_query,
)
from compliance.documents.models import Revision, RevisionState
from compliance.permissions import Permission
from compliance.scope.models import Method, MethodStatus

STATUSES = [s.value for s in MethodStatus]
Current = aliased(Revision, name="current")


def methods_query(*, q: str = "", status: str = "", technique: str = "", include_all=False):
    """Methods with the effective revision of their procedure, as (Method, Revision|None).

    Like the scope page: withdrawn methods only on request (`all`) or by status."""
    stmt = select(Method, Current).outerjoin(
        Current,
        and_(
            Current.document_id == Method.procedure_id,
            Current.state == RevisionState.EFFECTIVE.value,
        ),
    )
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            or_(func.lower(Method.code).like(like), func.lower(Method.title).like(like))
        )
    if status:
        stmt = stmt.where(Method.status == status)
    elif not include_all:
        stmt = stmt.where(Method.status != MethodStatus.WITHDRAWN.value)
    if technique:
        stmt = stmt.where(func.lower(Method.technique) == technique.lower())
    return stmt.order_by(Method.code)


def method_json(method: Method, current: Revision | None) -> dict:
    procedure = method.procedure
    return {
        "id": method.id,
        "code": method.code,
        "title": method.title,
        "technique": method.technique,
        "status": method.status,
        "pt_interval_months": method.pt_interval_months,
        "procedure": None
        if procedure is None
        else {
            "id": procedure.id,
            "number": procedure.number,
            "title": procedure.title,
            "current_revision": None
            if current is None
            else {
                "id": current.id,
                "label": current.label,
                "effective_on": current.effective_on.isoformat() if current.effective_on else None,
            },
            "url": url_for("documents.show", document_id=procedure.id, _external=True),
        },
    }


@bp.get("/methods")
@api_requires(Permission.SCOPE_VIEW)
def methods():
    stmt = methods_query(
        q=text_arg("q"),
        status=choice_arg("status", STATUSES),
        technique=text_arg("technique"),
        include_all=choice_arg("all", ["0", "1"]) == "1",
    )
    return paginated(stmt, lambda row: method_json(*row))


SCHEMAS = {
    "Method": obj(
        {
            "id": INTEGER,
            "code": STRING,
            "title": STRING,
            "technique": STRING,
            "status": {"type": "string", "enum": STATUSES},
            "pt_interval_months": nullable(INTEGER),
            "procedure": nullable(
                obj(
                    {
                        "id": INTEGER,
                        "number": STRING,
                        "title": STRING,
                        "current_revision": nullable(
                            obj({"id": INTEGER, "label": STRING, "effective_on": nullable(DATE)})
                        ),
                        "url": URI,
                    }
                )
            ),
        }
    ),
    "MethodPage": page_of("Method"),
}

PATHS = {
    "/api/v1/methods": {
        "get": operation(
            "listMethods",
            "The test methods on the scope of accreditation and their governing procedure.",
            json_response("A page of methods.", ref("MethodPage")),
            [
                text_query("q", "Search code and title."),
                query("status", "Scope status.", {"type": "string", "enum": STATUSES}),
                text_query("technique", "Technique, exact (case-insensitive)."),
                query(
                    "all",
                    "1: include withdrawn methods (left out by default, as on the scope page).",
                    {"type": "string", "enum": ["0", "1"]},
                ),
                *PAGE_PARAMETERS,
            ],
        )
    }
}
