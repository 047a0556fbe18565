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
    """For a filter that reads every row anyway (a search through revision texts). The scan
    selects only the rows' keys, with their total (count(*) OVER ()), so it is made once and
    carries no columns or eager joins it does not need; the page's whole rows are then read by
    key. A page past the end has no row to carry the total: then it is counted apart."""

    _total: int | None = None

    def _query_items(self) -> list:
        select, session, key = (self._query_args[k] for k in ("select", "session", "key"))
        page = (
            select.with_only_columns(key, func.count().over(), maintain_column_froms=True)
            .limit(self.per_page)
            .offset(self._query_offset)
        )
        keys = session.execute(page).all()
        if not keys:
            return []
        self._total = keys[0][1]
        return list(session.execute(select.where(key.in_([k for k, _ in keys]))).all())

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


def paginate_rows(stmt, *, scanned_by=None) -> RowPagination:
    """`scanned_by`: the filter reads every row, and this column (unique per row) picks the
    page's rows out of the scan (see ScannedRowPagination)."""
    if scanned_by is None:
        return RowPagination(select=stmt, session=db.session(), **_page_args())
    return ScannedRowPagination(select=stmt, session=db.session(), key=scanned_by, **_page_args())
