"""Pagination of list pages, the same everywhere."""

from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination

from compliance.extensions import db


class RowPagination(SelectPagination):
    """Pages of whole rows, for list queries that select several entities at once."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def _page_args() -> dict:
    return {
        "page": request.args.get("page", 1, type=int),
        "per_page": current_app.config["PER_PAGE"],
        "max_per_page": 200,
        "error_out": False,
    }


def paginate(stmt):
    return db.paginate(stmt, **_page_args())


def paginate_rows(stmt) -> RowPagination:
    return RowPagination(select=stmt, session=db.session(), **_page_args())
