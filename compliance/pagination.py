"""Pagination of list pages, the same everywhere."""

from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import func

from compliance.extensions import db

# Far past any real list, and small enough that the row offset fits a 64-bit integer.
MAX_PAGE = 1_000_000


class RowPagination(SelectPagination):
    """Pages of whole rows, for list queries that select several entities at once."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


class ScannedRowPagination(RowPagination):
    """For a filter that reads every row anyway (a search through revision texts): the page
    comes with its total (count(*) OVER ()), so the rows are scanned once, not again to count
    them. A page past the end has no row to carry the total: then it is counted apart."""

    _total: int | None = None

    def _query_items(self) -> list:
        select = (
            self._query_args["select"]
            .add_columns(func.count().over())
            .limit(self.per_page)
            .offset(self._query_offset)
        )
        rows = self._query_args["session"].execute(select).all()
        if rows:
            self._total = rows[0][-1]
        return [tuple(row[:-1]) for row in rows]

    def _query_count(self) -> int:
        return self._total if self._total is not None else super()._query_count()


def _page_args() -> dict:
    # Past MAX_PAGE the OFFSET overflows in the database; such a page is as empty as any past
    # the last one. Below 1, error_out=False shows the first page.
    page = min(request.args.get("page", 1, type=int), MAX_PAGE)
    return {
        "page": page,
        "per_page": current_app.config["PER_PAGE"],
        "max_per_page": 200,
        "error_out": False,
    }


def paginate(stmt):
    return db.paginate(stmt, **_page_args())


def paginate_rows(stmt, *, scanned: bool = False) -> RowPagination:
    """`scanned`: the filter reads every row (see ScannedRowPagination)."""
    pagination = ScannedRowPagination if scanned else RowPagination
    return pagination(select=stmt, session=db.session(), **_page_args())
