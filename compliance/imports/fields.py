"""Column declarations and the cell parsers imports are built from."""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .errors import FieldError

ISO_DATE_FORMAT = "%Y-%m-%d"
_EXAMPLE_DATE = dt.date(2024, 3, 31)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WHOLE_NUMBER = re.compile(r"[+-]?\d+")
# Deliberately loose: the lab's mail server is the real judge; this catches typos and pasted names.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_TRUE = frozenset({"yes", "y", "true", "1"})
_FALSE = frozenset({"no", "n", "false", "0"})
_SHOWN_LIMIT = 60


@dataclass(frozen=True)
class ParseOptions:
    """Settings that apply to every cell of one import (from the CLI or the upload form)."""

    date_format: str | None = None  # strptime format; None means ISO YYYY-MM-DD


# A parser turns one non-empty cell into a Python value or raises FieldError. Cells are `str` from
# CSV; from XLSX they may also be int, float, bool, date, datetime or time.
Parser = Callable[[Any, ParseOptions], Any]


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """The text of a cell as a person reads it: XLSX number 1042 (or 1042.0) gives "1042"."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def shown(value: Any) -> str:
    """A cell value quoted for an error message, shortened if long."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) > _SHOWN_LIMIT:
            text = text[: _SHOWN_LIMIT - 1] + "…"
        return f'"{text}"'
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"the number {cell_text(value)}"
    return cell_text(value)


@dataclass(frozen=True)
class Column:
    """One column an import accepts. `required` means the column must be present and never empty."""

    name: str
    parse: Parser | None = None  # None: text_field() with its default length limit
    required: bool = False

    def __post_init__(self) -> None:
        if self.name != self.name.strip().lower() or not self.name:
            raise ValueError(f"column names are lower case without spaces around: {self.name!r}")
        if self.parse is None:
            object.__setattr__(self, "parse", text_field())


def text_field(max_length: int | None = 255) -> Parser:
    """Text, stripped; longer than `max_length` characters is an error."""

    def parse_text(value: Any, options: ParseOptions) -> str:
        text = cell_text(value)
        if max_length is not None and len(text) > max_length:
            raise FieldError(f"is {len(text)} characters long; the limit is {max_length}")
        return text

    return parse_text


def date_example(date_format: str | None) -> str:
    return _EXAMPLE_DATE.strftime(date_format or ISO_DATE_FORMAT)


def check_date_format(date_format: str) -> None:
    """Raise ValueError unless `date_format` writes and reads back a date (for --date-format)."""
    try:
        example = _EXAMPLE_DATE.strftime(date_format)
        read_back = dt.datetime.strptime(example, date_format).date()
    except ValueError as exc:
        raise ValueError(f'date format "{date_format}" is not usable: {exc}') from None
    if read_back != _EXAMPLE_DATE:
        raise ValueError(
            f'date format "{date_format}" does not hold a whole date: 2024-03-31 '
            f'is written as "{example}", which reads back as {read_back.isoformat()}'
        )


def date_field(value: Any, options: ParseOptions) -> dt.date:
    """A date: ISO YYYY-MM-DD text, text in `options.date_format`, or a real XLSX date cell."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    expected = f"expected a date like {date_example(options.date_format)}, got {shown(value)}"
    if not isinstance(value, str):
        raise FieldError(expected)
    text = value.strip()
    if options.date_format is None:
        if not _ISO_DATE.fullmatch(text):
            raise FieldError(expected)
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise FieldError(f'there is no such date as "{text}"') from None
    try:
        return dt.datetime.strptime(text, options.date_format).date()
    except ValueError:
        raise FieldError(expected) from None


def int_field(minimum: int | None = None, maximum: int | None = None) -> Parser:
    """A whole number, optionally within [minimum, maximum]."""

    def parse_int(value: Any, options: ParseOptions) -> int:
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
            number = int(value.strip())
        else:
            number = None
        if number is None:
            raise FieldError(f"expected a whole number, got {shown(value)}")
        if minimum is not None and number < minimum:
            raise FieldError(f"must be at least {minimum}, got {number}")
        if maximum is not None and number > maximum:
            raise FieldError(f"must be at most {maximum}, got {number}")
        return number

    return parse_int


def choice_field(
    choices: Iterable[str] | type[enum.Enum], *, case_sensitive: bool = False
) -> Parser:
    """One of the allowed values, returned as declared (or the Enum member when given an Enum)."""
    if isinstance(choices, type) and issubclass(choices, enum.Enum):
        allowed: dict[str, Any] = {str(member.value): member for member in choices}
    else:
        allowed = {choice: choice for choice in choices}
    if not allowed:
        raise ValueError("choice_field needs at least one allowed value")
    listed = ", ".join(allowed)
    lookup = allowed if case_sensitive else {key.casefold(): v for key, v in allowed.items()}

    def parse_choice(value: Any, options: ParseOptions) -> Any:
        text = cell_text(value)
        found = lookup.get(text if case_sensitive else text.casefold())
        if found is None:
            raise FieldError(f"expected one of {listed}; got {shown(value)}")
        return found

    return parse_choice


def email_field(value: Any, options: ParseOptions) -> str:
    """An e-mail address, lower-cased so lookups match however it was typed."""
    text = cell_text(value)
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        raise FieldError(f"expected an e-mail address like name@example.org, got {shown(value)}")
    return text.lower()


def bool_field(value: Any, options: ParseOptions) -> bool:
    """yes/no (also y/n, true/false, 1/0, and XLSX TRUE/FALSE cells)."""
    if isinstance(value, bool):
        return value
    text = cell_text(value).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FieldError(f"expected yes or no, got {shown(value)}")


def list_field(item: Parser | None = None, *, separator: str | None = ";") -> Parser:
    """Several values in one cell split on `separator` (None: whitespace), each parsed by `item`.

    Empty items are dropped and repeats kept once, in order. Every bad item is named in the message.
    """
    item_parser = item or text_field()

    def parse_list(value: Any, options: ParseOptions) -> list[Any]:
        text = cell_text(value)
        pieces = text.split(separator) if separator is not None else text.split()
        items: list[Any] = []
        problems: list[str] = []
        for piece in (p.strip() for p in pieces):
            if not piece:
                continue
            try:
                parsed = item_parser(piece, options)
            except FieldError as exc:
                problems.append(f'"{piece}": {exc}')
                continue
            if parsed not in items:
                items.append(parsed)
        if problems:
            raise FieldError("; ".join(problems))
        if not items:
            raise FieldError(
                f"expected a list separated by {_separator_name(separator)}, got {shown(value)}"
            )
        return items

    return parse_list


def _separator_name(separator: str | None) -> str:
    return "spaces" if separator in (None, " ") else f'"{separator}"'
