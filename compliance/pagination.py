"""Pagination of list pages, the same everywhere."""

from flask import current_app, request

from compliance.extensions import db


def paginate(stmt):
    return db.paginate(
        stmt,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PER_PAGE"],
        max_per_page=200,
        error_out=False,
    )
