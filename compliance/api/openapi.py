"""The OpenAPI 3.1 document, assembled from the resource modules and served at openapi.json."""

from __future__ import annotations

from flask import current_app, jsonify

from compliance.api.core import bp
from compliance.api.resources import RESOURCES
from compliance.api.resources.common import json_response, obj
from compliance.permissions import public

ERROR = obj(
    {
        "error": {"type": "string", "description": "The HTTP status name, e.g. NotFound."},
        "message": {"type": "string"},
    }
)


def _error(description: str) -> dict:
    return json_response(description, {"$ref": "#/components/schemas/Error"})


def document() -> dict:
    paths: dict = {}
    schemas: dict = {"Error": ERROR}
    for resource in RESOURCES:
        paths.update(resource.PATHS)
        schemas.update(resource.SCHEMAS)
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": f"{current_app.config['LAB_NAME']}: compliance API",
            "version": "1.0.0",
            "description": (
                "Read-only access to the lab's controlled documents, people and their training, "
                "equipment and its calibration status, the scope and the findings. "
                "Authenticate with a personal access token (Settings > API tokens): "
                "`Authorization: Bearer <token>`. A token acts with the roles chosen when it "
                "was made, and never with more than its owner holds now. Lists are paged "
                "(`page`, `per_page`) and filter by the same fields as the web pages. No "
                "method other than GET exists here (405)."
            ),
        },
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal access token (starts with cmp_).",
                }
            },
            "schemas": schemas,
            "responses": {
                "BadRequest": _error("A query parameter is malformed or out of range."),
                "Unauthorized": _error("No token, or a revoked, expired or unknown one."),
                "Forbidden": _error("The token's roles do not grant this resource."),
                "NotFound": _error("No such record."),
            },
        },
    }


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(document())
