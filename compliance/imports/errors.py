"""Import errors: a rendered problem per bad cell, row or file, and the exceptions carrying it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ImportProblem:
    """One error in an import file, rendered as `FILE:ROW: column: message`.

    `row` is the spreadsheet row (the header is row 1); `None` for a problem with the file as a
    whole that has no row (wrong extension, too large). `column` is `None` when no single column
    is at fault.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        if self.column:
            return f"{where}: {self.column}: {self.message}"
        return f"{where}: {self.message}"


class FieldError(ValueError):
    """Raised by a cell parser; the runner adds the file, row and column."""


class RowError(Exception):
    """A rule broken by a row, raised or yielded by a domain's `check_row`, `check_rows` or `apply`.

    `row` may be left out inside `check_row` (the runner knows which row it is checking);
    `check_rows` and `apply` must give it.
    """

    def __init__(self, column: str | None, message: str, *, row: int | None = None) -> None:
        super().__init__(message)
        self.column = column
        self.message = message
        self.row = row

    def __repr__(self) -> str:
        return f"RowError({self.column!r}, {self.message!r}, row={self.row!r})"


class ReadError(Exception):
    """The file cannot be read at all (extension, size, encoding, corrupt, too many rows)."""

    def __init__(self, problem: ImportProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem
