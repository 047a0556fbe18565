"""Pieces of the OpenAPI document shared by resources: pages, errors, parameters."""

from __future__ import annotations

from compliance.api.core import DATE_PATTERN, MAX_PAGE, MAX_PER_PAGE
from compliance.web import MAX_ID


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict, required=None) -> dict:
    """A closed object: every documented field is sent, nothing undocumented is."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(required if required is not None else properties),
        "additionalProperties": False,
    }


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}
URI = {"type": "string", "format": "uri"}


def query(name: str, description: str, schema: dict) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def path_id(name: str) -> dict:
    """A record id in the path; past MAX_ID no route matches (404)."""
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    }


def text_query(name: str, description: str, max_length: int = 200) -> dict:
    # Every request carrying a NUL character is refused (400), whatever the field.
    return query(
        name, description, {"type": "string", "maxLength": max_length, "pattern": "^[^\\x00]*$"}
    )


def date_query(name: str, description: str) -> dict:
    return query(name, description, {"type": "string", "format": "date", "pattern": DATE_PATTERN})


PAGE_PARAMETERS = [
    query("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
    query(
        "per_page",
        f"Items per page (at most {MAX_PER_PAGE}).",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
    ),
]


def page_of(item_schema: str) -> dict:
    return obj(
        {
            "items": {"type": "array", "items": ref(item_schema)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
            "pages": {"type": "integer", "minimum": 0},
            "next": nullable(URI),
            "prev": nullable(URI),
        }
    )


def json_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "403": {"$ref": "#/components/responses/Forbidden"},
}


def operation(
    operation_id: str, summary: str, response: dict, parameters=(), not_found=False
) -> dict:
    responses = {"200": response, **ERRORS}
    if not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    return {
        "operationId": operation_id,
        "summary": summary,
        "parameters": list(parameters),
        "responses": responses,
    }
