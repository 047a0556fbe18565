"""GET /api/v1/people: staff with their training status and authorizations.

A page costs a fixed number of queries however many people it holds: the training statuses come
from the training matrix (personnel/matrix.py build_matrix) for the whole page at once, and the
authorizations from one query over the page's people.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from flask import abort, url_for
from sqlalchemy import select

from compliance.api.core import api_requires, bp, choice_arg, date_arg, int_arg, paginated, text_arg
from compliance.api.resources.common import (
    DATE,
    INTEGER,
    PAGE_PARAMETERS,
    STRING,
    URI,
    date_query,
    json_response,
    nullable,
    obj,
    operation,
    page_of,
    path_id,
    query,
    ref,
    text_query,
)
from compliance.dates import lab_today
from compliance.extensions import db
from compliance.permissions import Permission
from compliance.personnel.matrix import (
    DUE_SOON_DAYS,
    CellStatus,
    MatrixFilters,
    build_matrix,
    people_query,
)
from compliance.personnel.models import Authorization, AuthorizationStatus, Person
from compliance.web import MAX_ID

# A person's required items only: "not required" cells are left out.
TRAINING_STATUSES = [s.value for s in CellStatus if s is not CellStatus.NOT_REQUIRED]


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def authorizations_by_person(person_ids: list[int]) -> dict[int, list[Authorization]]:
    """Every authorization of these people, newest first, in one query."""
    grouped: dict[int, list[Authorization]] = defaultdict(list)
    if person_ids:
        for authorization in db.session.scalars(
            select(Authorization)
            .where(Authorization.person_id.in_(person_ids))
            .order_by(Authorization.authorized_on.desc(), Authorization.id.desc())
        ):
            grouped[authorization.person_id].append(authorization)
    return grouped


def authorization_json(authorization: Authorization, as_of: dt.date) -> dict:
    method = authorization.method
    return {
        "id": authorization.id,
        "method": {"id": method.id, "code": method.code, "title": method.title},
        "status": authorization.status,
        "authorized_on": authorization.authorized_on.isoformat(),
        "expires_on": _iso(authorization.expires_on),
        "is_current": authorization.is_current(as_of),
    }


def people_json(people: list[Person], as_of: dt.date) -> list[dict]:
    """The people as API items, their training statuses as of `as_of`."""
    matrix = build_matrix(people, as_of=as_of)
    authorizations = authorizations_by_person([p.id for p in people])
    items = []
    for row in matrix.rows:
        person = row.person
        training = [
            {
                "item": {
                    "id": column.id,
                    "kind": column.kind,
                    "label": column.label,
                    "title": column.title,
                    "current_revision": column.current_revision_label,
                },
                "status": cell.status.value,
                "completed_on": _iso(cell.completed_on),
                "expires_on": _iso(cell.expires_on),
                "note": cell.note,
            }
            for column, cell in zip(matrix.columns, row.cells, strict=True)
            if cell.required
        ]
        items.append(
            {
                "id": person.id,
                "employee_id": person.employee_id,
                "name": person.name,
                "email": person.email,
                "is_active": person.active_on(as_of),
                "left_on": _iso(person.left_on),
                "job_roles": row.job_roles,
                "training_summary": {s: row.count(CellStatus(s)) for s in TRAINING_STATUSES},
                "training": training,
                "authorizations": [
                    authorization_json(a, as_of) for a in authorizations.get(person.id, [])
                ],
                "url": url_for("personnel.show_person", person_id=person.id, _external=True),
            }
        )
    return items


@bp.get("/people")
@api_requires(Permission.PERSONNEL_READ)
def people():
    as_of = date_arg("as_of") or lab_today()
    filters = MatrixFilters(
        job_role_id=int_arg("job_role", default=None, minimum=1, maximum=MAX_ID),
        method_id=int_arg("method", default=None, minimum=1, maximum=MAX_ID),
        q=text_arg("q"),
        include_left=choice_arg("include_left", ["0", "1"]) == "1",
    )
    return paginated(
        people_query(filters, as_of),
        serialize_page=lambda rows: people_json([person for (person,) in rows], as_of),
    )


@bp.get("/people/<int:person_id>")
@api_requires(Permission.PERSONNEL_READ)
def person(person_id: int):
    found = db.session.get(Person, person_id)
    if found is None:
        abort(404, description=f"No person has id {person_id}.")
    return people_json([found], date_arg("as_of") or lab_today())[0]


STATUS_DESCRIPTION = (
    f"current; due: expires within {DUE_SOON_DAYS} days; expired (a document item trained only "
    "on an older revision counts as expired); missing."
)

SCHEMAS = {
    "TrainingStatus": obj(
        {
            "item": obj(
                {
                    "id": INTEGER,
                    "kind": {"type": "string", "enum": ["course", "document"]},
                    "label": {**STRING, "description": "Course code or document number."},
                    "title": STRING,
                    "current_revision": {
                        **nullable(STRING),
                        "description": "Documents: the revision training must be on.",
                    },
                }
            ),
            "status": {"type": "string", "enum": TRAINING_STATUSES},
            "completed_on": nullable(DATE),
            "expires_on": nullable(DATE),
            "note": STRING,
        }
    ),
    "PersonAuthorization": obj(
        {
            "id": INTEGER,
            "method": obj({"id": INTEGER, "code": STRING, "title": STRING}),
            "status": {"type": "string", "enum": [s.value for s in AuthorizationStatus]},
            "authorized_on": DATE,
            "expires_on": nullable(DATE),
            "is_current": {"type": "boolean"},
        }
    ),
    "Person": obj(
        {
            "id": INTEGER,
            "employee_id": STRING,
            "name": STRING,
            "email": nullable(STRING),
            "is_active": {"type": "boolean"},
            "left_on": nullable(DATE),
            "job_roles": {"type": "array", "items": STRING},
            "training_summary": obj(
                {s: {"type": "integer", "minimum": 0} for s in TRAINING_STATUSES}
            ),
            "training": {
                "type": "array",
                "items": ref("TrainingStatus"),
                "description": "Each item the person's job roles require. " + STATUS_DESCRIPTION,
            },
            "authorizations": {"type": "array", "items": ref("PersonAuthorization")},
            "url": URI,
        }
    ),
    "PersonPage": page_of("Person"),
}

ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
AS_OF = date_query("as_of", "Training status as of this date (default today).")

PATHS = {
    "/api/v1/people": {
        "get": operation(
            "listPeople",
            "Staff with their training status (each required item) and authorizations; the "
            "same people and filters as the training matrix.",
            json_response("A page of people.", ref("PersonPage")),
            [
                text_query("q", "Search name and employee id."),
                query("job_role", "Holders of this job role (its id).", ID_SCHEMA),
                query(
                    "method",
                    "People tied to this method (its id): authorized, assessed, or required "
                    "to train on its procedure.",
                    ID_SCHEMA,
                ),
                query(
                    "include_left",
                    "1: include people who have left (left out by default, as on the web list).",
                    {"type": "string", "enum": ["0", "1"]},
                ),
                AS_OF,
                *PAGE_PARAMETERS,
            ],
        )
    },
    "/api/v1/people/{person_id}": {
        "get": operation(
            "getPerson",
            "One person with their training status and authorizations.",
            json_response("The person.", ref("Person")),
            [
                path_id("person_id"),
                AS_OF,
            ],
            not_found=True,
        )
    },
}
