"""Cell parsers: accepted values and the exact error messages people see."""

import datetime as dt
import enum

import pytest

from compliance.imports import (
    Column,
    FieldError,
    ParseOptions,
    bool_field,
    cell_text,
    check_date_format,
    choice_field,
    date_field,
    email_field,
    int_field,
    list_field,
    text_field,
)

ISO = ParseOptions()
DMY = ParseOptions(date_format="%d/%m/%Y")


def error_of(parser, value, options=ISO):
    with pytest.raises(FieldError) as caught:
        parser(value, options)
    return str(caught.value)


def test_text_strips_and_limits_length():
    assert text_field()("  QP-8.3-01 ", ISO) == "QP-8.3-01"
    assert error_of(text_field(max_length=5), "abcdefg") == "is 7 characters long; the limit is 5"


def test_text_keeps_whole_numbers_as_people_typed_them():
    assert text_field()(1042, ISO) == "1042"
    assert text_field()(1042.0, ISO) == "1042"
    assert text_field()(3.5, ISO) == "3.5"
    assert cell_text(dt.datetime(2024, 3, 31)) == "2024-03-31"


def test_date_iso_by_default():
    assert date_field("2024-03-31", ISO) == dt.date(2024, 3, 31)
    assert date_field(" 2024-02-29 ", ISO) == dt.date(2024, 2, 29)


def test_date_error_messages():
    assert error_of(date_field, "31/03/2024") == 'expected a date like 2024-03-31, got "31/03/2024"'
    assert error_of(date_field, "20240331") == 'expected a date like 2024-03-31, got "20240331"'
    assert error_of(date_field, "2023-02-29") == 'there is no such date as "2023-02-29"'
    assert error_of(date_field, 45382) == "expected a date like 2024-03-31, got the number 45382"


def test_date_with_a_date_format():
    assert date_field("31/03/2024", DMY) == dt.date(2024, 3, 31)
    assert error_of(date_field, "2024-03-31", DMY) == (
        'expected a date like 31/03/2024, got "2024-03-31"'
    )


def test_real_date_cells_are_accepted_whatever_the_format():
    assert date_field(dt.datetime(2024, 3, 31, 0, 0), DMY) == dt.date(2024, 3, 31)
    assert date_field(dt.date(2024, 3, 31), ISO) == dt.date(2024, 3, 31)


def test_unusable_date_formats_are_refused():
    check_date_format("%d.%m.%Y")
    with pytest.raises(ValueError, match="does not hold a whole date"):
        check_date_format("%d/%m")


def test_int_with_bounds():
    parse = int_field(minimum=1, maximum=120)
    assert parse("12", ISO) == 12
    assert parse(12.0, ISO) == 12
    assert error_of(parse, "twelve") == 'expected a whole number, got "twelve"'
    assert error_of(parse, 1.5) == "expected a whole number, got the number 1.5"
    assert error_of(parse, "0") == "must be at least 1, got 0"
    assert error_of(parse, "121") == "must be at most 120, got 121"
    assert error_of(parse, True) == "expected a whole number, got TRUE"


def test_choice_lists_the_allowed_values():
    parse = choice_field(["in", "out", "adjusted"])
    assert parse(" OUT ", ISO) == "out"
    assert error_of(parse, "maybe") == 'expected one of in, out, adjusted; got "maybe"'


def test_choice_from_an_enum_returns_members():
    class Result(enum.Enum):
        COMPETENT = "competent"
        NOT_YET = "not_yet"

    parse = choice_field(Result)
    assert parse("not_yet", ISO) is Result.NOT_YET
    assert error_of(parse, "no") == 'expected one of competent, not_yet; got "no"'


def test_email():
    assert email_field(" Ada.Lovelace@Lab.example ", ISO) == "ada.lovelace@lab.example"
    assert error_of(email_field, "Ada Lovelace") == (
        'expected an e-mail address like name@example.org, got "Ada Lovelace"'
    )


def test_bool_yes_no():
    assert bool_field("Yes", ISO) is True
    assert bool_field("n", ISO) is False
    assert bool_field(True, ISO) is True
    assert error_of(bool_field, "perhaps") == 'expected yes or no, got "perhaps"'


def test_list_on_semicolons_and_spaces():
    roles = list_field()
    assert roles("Technician; Analyst ;;Technician", ISO) == ["Technician", "Analyst"]
    clauses = list_field(separator=None)
    assert clauses("6.2  7.2.1\t8.3", ISO) == ["6.2", "7.2.1", "8.3"]


def test_list_names_every_bad_item():
    parse = list_field(int_field(minimum=1))
    assert error_of(parse, "1;x;0") == (
        '"x": expected a whole number, got "x"; "0": must be at least 1, got 0'
    )
    assert error_of(parse, ";;") == 'expected a list separated by ";", got ";;"'


def test_column_names_are_canonical():
    assert Column("hired_on", parse=date_field).required is False
    with pytest.raises(ValueError):
        Column("Hired_On")
