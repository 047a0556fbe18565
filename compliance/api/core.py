"""The /api/v1 blueprint: token authentication, JSON errors, query parameters, pagination."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from flask import Blueprint, Flask, current_app, g, jsonify, request, url_for
from werkzeug.exceptions import HTTPException, default_exceptions

from compliance.api.tokens import authenticate
from compliance.extensions import db
from compliance.pagination import RowPagination
from compliance.permissions import Permission

PREFIX = "/api/v1"
MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000
# Dates the API accepts; also stated in the OpenAPI document.
DATE_PATTERN = r"^[12][0-9]{3}-[0-9]{2}-[0-9]{2}$"

bp = Blueprint("api", __name__, url_prefix=PREFIX)


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str, headers: dict | None = None):
    name = default_exceptions[status].__name__ if status in default_exceptions else "Error"
    response = jsonify({"error": name, "message": message})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    db.session.rollback()
    return error_response(error.status, error.message)


def api_requires(permission: Permission):
    """Authenticate the bearer token (401) and check the permission (403), in JSON.

    The token's principal becomes this request's current_user; a browser session plays no part.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, secret = header.partition(" ")
            principal = authenticate(secret.strip()) if scheme.lower() == "bearer" else None
            if principal is None:
                return error_response(
                    401,
                    "Send a valid personal access token: 'Authorization: Bearer <token>'.",
                    {"WWW-Authenticate": 'Bearer realm="api"'},
                )
            g._login_user = principal  # Flask-Login's current_user for this request only
            if not principal.can(permission):
                return error_response(403, "This token does not grant access to this resource.")
            return view(*args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator


# --- query parameters -----------------------------------------------------------------------


def text_arg(name: str, max_length: int = 200) -> str:
    value = request.args.get(name, "").replace("\x00", "").strip()
    if len(value) > max_length:
        raise ApiError(400, f"'{name}' is longer than {max_length} characters.")
    return value


def choice_arg(name: str, choices) -> str:
    value = request.args.get(name, "")
    if value and value not in choices:
        raise ApiError(400, f"'{name}' must be one of: {', '.join(choices)}.")
    return value


def int_arg(name: str, *, default: int | None, minimum: int, maximum: int) -> int | None:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"'{name}' must be a whole number.") from None
    if not minimum <= value <= maximum:
        raise ApiError(400, f"'{name}' must be between {minimum} and {maximum}.")
    return value


def date_arg(name: str) -> dt.date | None:
    raw = request.args.get(name, "")
    if raw == "":
        return None
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or not 1000 <= value.year <= 2999 or len(raw) != 10:
        raise ApiError(400, f"'{name}' must be a date like 2026-03-31.")
    return value


# --- pagination -----------------------------------------------------------------------------


def paginated(
    stmt, serialize: Callable | None = None, *, serialize_page: Callable | None = None
) -> dict:
    """One page of `stmt`'s rows as {"items", "page", "per_page", "total", "pages", "next",
    "prev"}; next/prev are URLs that keep the filters.

    `serialize` turns one row into an item; `serialize_page` turns the page's rows into items at
    once, for resources that load what the rows need in a few set-based queries per page."""
    page = int_arg("page", default=1, minimum=1, maximum=MAX_PAGE)
    per_page = int_arg(
        "per_page",
        default=min(current_app.config["PER_PAGE"], MAX_PER_PAGE),
        minimum=1,
        maximum=MAX_PER_PAGE,
    )
    pagination = RowPagination(
        select=stmt,
        session=db.session(),
        page=page,
        per_page=per_page,
        max_per_page=MAX_PER_PAGE,
        error_out=False,
    )

    def link(number: int) -> str:
        args = {**request.args.to_dict(), "page": number, "per_page": per_page}
        return url_for(request.endpoint, **(request.view_args or {}), **args, _external=True)

    return {
        "items": serialize_page(pagination.items)
        if serialize_page is not None
        else [serialize(row) for row in pagination.items],
        "page": page,
        "per_page": per_page,
        "total": pagination.total,
        "pages": pagination.pages,
        "next": link(page + 1) if page < pagination.pages else None,
        "prev": link(min(page - 1, pagination.pages)) if page > 1 and pagination.pages else None,
    }


# --- wiring ---------------------------------------------------------------------------------


def _json_errors_under_prefix(app: Flask) -> None:
    """Errors raised before a view runs (no such path, wrong method) answer in JSON under
    /api/; everywhere else the HTML error pages registered earlier stay in charge."""
    for code, exception in default_exceptions.items():
        if code < 400:
            continue
        page = app.error_handler_spec[None].get(code, {}).get(exception)

        def handler(error: HTTPException, page=page):
            if request.path == "/api" or request.path.startswith("/api/"):
                db.session.rollback()
                code = getattr(error, "code", None) or 500
                headers = {}
                if code == 405 and getattr(error, "valid_methods", None):
                    headers["Allow"] = ", ".join(error.valid_methods)
                message = "This resource is read-only." if code == 405 else error.description
                if code >= 500:
                    message = "The error was logged. Try again."
                return error_response(code, message, headers)
            return page(error) if page is not None else error

        app.register_error_handler(code, handler)


def register_api(app: Flask) -> None:
    """Register the API and its token pages. Call after the HTML error pages are registered."""
    from compliance.api import openapi  # noqa: F401  (imports every resource's routes)
    from compliance.api.views import bp as tokens_bp
    from compliance.extensions import csrf

    # Token-authenticated and read-only: there is no session form to forge.
    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.register_blueprint(tokens_bp)
    _json_errors_under_prefix(app)
