"""The all-or-nothing import run, with a staff-like import declared the way a domain would."""

import datetime as dt
from dataclasses import dataclass, field

import openpyxl
import pytest

from compliance.imports import (
    Column,
    ImportProblem,
    ImportSpec,
    ImportSummary,
    RowError,
    Upload,
    bool_field,
    choice_field,
    date_field,
    email_field,
    int_field,
    list_field,
    run_import,
    text_field,
)

HEADER = "employee_id,name,email,job_roles,hired_on,grade,active"


@dataclass
class FakeStaffStore:
    """Stands in for the database: known job roles, people by employee id, apply calls."""

    roles: set[str] = field(default_factory=lambda: {"Analyst", "Technician"})
    people: dict[str, dict] = field(default_factory=dict)
    apply_calls: int = 0


def check_staff_row(row, store):
    unknown = [role for role in row["job_roles"] or () if role not in store.roles]
    if unknown:
        yield RowError("job_roles", f"no job role named {', '.join(unknown)}")
    if row["hired_on"] and row["hired_on"] > dt.date(2024, 12, 31):
        yield RowError("hired_on", "is in the future")
    row.resolved["known"] = row["employee_id"] in store.people


def plan(rows, store):
    summary = ImportSummary()
    for row in rows:
        existing = store.people.get(row["employee_id"])
        if existing is None:
            summary.created += 1
        elif existing == row.values:
            summary.unchanged += 1
        else:
            summary.updated += 1
    return summary


def apply_staff(rows, store):
    store.apply_calls += 1
    summary = plan(rows, store)
    for row in rows:
        store.people[row["employee_id"]] = dict(row.values)
    return summary


STAFF = ImportSpec(
    name="staff",
    columns=[
        Column("employee_id", parse=text_field(max_length=20), required=True),
        Column("name", required=True),
        Column("email", parse=email_field, required=True),
        Column("job_roles", parse=list_field()),
        Column("hired_on", parse=date_field),
        Column("grade", parse=int_field(minimum=1, maximum=9)),
        Column("active", parse=bool_field),
    ],
    check_row=check_staff_row,
    unique=["employee_id", "email"],
    apply=apply_staff,
    preview=plan,
)

GOOD_ROWS = [
    ["1042", "Ada Lovelace", "ada@lab.example", "Analyst; Technician", "2021-09-01", "3", "yes"],
    ["7", "Grace Hopper", "GRACE@lab.example", "", "2019-01-15", "", "no"],
]


def write_csv(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def good_csv(tmp_path, name="staff.csv"):
    return write_csv(tmp_path / name, [HEADER, *(",".join(row) for row in GOOD_ROWS)])


def test_good_csv_applies_once_and_summarises(tmp_path):
    store = FakeStaffStore()
    path = good_csv(tmp_path)
    result = run_import(path, STAFF, ctx=store)
    assert result.ok and result.applied
    assert store.apply_calls == 1
    assert store.people["1042"]["job_roles"] == ["Analyst", "Technician"]
    assert store.people["7"]["email"] == "grace@lab.example"
    assert store.people["7"]["grade"] is None
    assert result.summary_line() == f"{path}: 2 rows, 2 created"


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    store = FakeStaffStore()
    path = good_csv(tmp_path)
    run_import(path, STAFF, ctx=store)
    again = run_import(path, STAFF, ctx=store)
    assert again.summary == ImportSummary(unchanged=2)
    assert again.summary_line() == f"{path}: 2 rows, 2 unchanged"


def test_csv_and_xlsx_with_real_date_cells_parse_identically(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.upper().split(","))
    sheet.append(
        [1042, "Ada Lovelace", "ada@lab.example", "Analyst; Technician", dt.date(2021, 9, 1), 3]
        + ["yes"]
    )
    sheet.append([7, "Grace Hopper", "GRACE@lab.example", None, dt.date(2019, 1, 15), None, False])
    workbook.save(tmp_path / "staff.xlsx")

    from_csv = run_import(good_csv(tmp_path), STAFF, ctx=FakeStaffStore(), apply=False)
    # a real date cell is a date whatever --date-format says
    from_xlsx = run_import(
        tmp_path / "staff.xlsx", STAFF, ctx=FakeStaffStore(), apply=False, date_format="%d/%m/%Y"
    )
    assert from_csv.ok and from_xlsx.ok
    assert [row.values for row in from_xlsx.rows] == [row.values for row in from_csv.rows]
    assert from_xlsx.rows[0]["employee_id"] == "1042"
    assert from_xlsx.rows[0]["hired_on"] == dt.date(2021, 9, 1)


def test_headers_match_case_insensitively_in_any_order(tmp_path):
    path = write_csv(
        tmp_path / "staff.csv",
        [" Email ,EMPLOYEE_ID,Name", "ada@lab.example,1042,Ada Lovelace"],
    )
    result = run_import(path, STAFF, ctx=FakeStaffStore(), apply=False)
    assert result.ok
    assert result.rows[0].values["employee_id"] == "1042"
    assert result.rows[0].values["hired_on"] is None
    assert result.rows[0].present == {"email", "employee_id", "name"}


def test_unknown_and_missing_columns_are_reported_on_row_1(tmp_path):
    store = FakeStaffStore()
    path = write_csv(tmp_path / "staff.csv", ["employee_id,Shoe Size,name", "1042,9,Ada"])
    result = run_import(path, STAFF, ctx=store)
    assert result.error_lines() == [
        f"{path}:1: Shoe Size: unknown column; the columns are employee_id, name, email, "
        "job_roles, hired_on, grade, active",
        f"{path}:1: email: required column is missing",
    ]
    assert store.apply_calls == 0
    assert result.summary_line() == f"{path}: 2 errors; nothing written"


def test_a_column_named_twice_and_a_value_without_a_column_name(tmp_path):
    path = write_csv(
        tmp_path / "staff.csv",
        ["employee_id,name,email,,NAME", "1042,Ada,ada@lab.example,,x", "7,Grace,g@lab.example,?,"],
    )
    result = run_import(path, STAFF, ctx=FakeStaffStore())
    assert result.error_lines() == [
        f"{path}:1: NAME: column appears twice",
        f"{path}:3: column D has a value but no column name in row 1",
    ]


def test_values_beyond_the_last_named_column(tmp_path):
    path = write_csv(
        tmp_path / "staff.csv", ["employee_id,name,email", "1042,Ada,ada@lab.example,,oops"]
    )
    result = run_import(path, STAFF, ctx=FakeStaffStore())
    assert result.error_lines() == [
        f"{path}:2: has values to the right of the last named column (column D onwards)"
    ]


def test_every_bad_row_is_reported_and_nothing_is_applied(tmp_path):
    store = FakeStaffStore()
    path = write_csv(
        tmp_path / "staff.csv",
        [
            HEADER,
            "1042,Ada Lovelace,ada@lab.example,Analyst,2021-09-01,3,yes",
            ",Nobody,not-an-email,Analyst,31/03/2024,10,maybe",
            "",
            "7,Grace Hopper,grace@lab.example,Astronaut;Analyst,2030-01-01,,",
            "8,Alan Turing,alan@lab.example,,2023-02-29,,",
        ],
    )
    result = run_import(path, STAFF, ctx=store)
    assert not result.ok and not result.applied
    assert store.apply_calls == 0 and store.people == {}
    assert result.error_lines() == [
        f"{path}:3: employee_id: a value is required",
        f'{path}:3: email: expected an e-mail address like name@example.org, got "not-an-email"',
        f'{path}:3: hired_on: expected a date like 2024-03-31, got "31/03/2024"',
        f"{path}:3: grade: must be at most 9, got 10",
        f'{path}:3: active: expected yes or no, got "maybe"',
        f"{path}:5: job_roles: no job role named Astronaut",
        f"{path}:5: hired_on: is in the future",
        f'{path}:6: hired_on: there is no such date as "2023-02-29"',
    ]
    assert result.errors[0] == ImportProblem(str(path), 3, "employee_id", "a value is required")
    assert result.summary_line() == f"{path}: 8 errors in 3 rows; nothing written"
    assert sorted(row for row in result.errors_by_row()) == [3, 5, 6]


def test_date_format_from_the_command_line(tmp_path):
    path = write_csv(
        tmp_path / "staff.csv",
        [
            "employee_id,name,email,hired_on",
            "1,Ada,ada@lab.example,01/09/2021",
            "2,Bo,b@l.example,x",
        ],
    )
    result = run_import(path, STAFF, ctx=FakeStaffStore(), date_format="%d/%m/%Y")
    assert result.error_lines() == [f'{path}:3: hired_on: expected a date like 31/03/2024, got "x"']
    ok = write_csv(
        tmp_path / "ok.csv", ["employee_id,name,email,hired_on", "1,A,a@l.example,1/9/2021"]
    )
    result = run_import(ok, STAFF, ctx=FakeStaffStore(), date_format="%d/%m/%Y", apply=False)
    assert result.rows[0]["hired_on"] == dt.date(2021, 9, 1)
    with pytest.raises(ValueError, match="not usable|whole date"):
        run_import(ok, STAFF, ctx=FakeStaffStore(), date_format="%H:%M")


def test_duplicates_within_the_file_name_the_earlier_row(tmp_path):
    path = write_csv(
        tmp_path / "staff.csv",
        [
            "employee_id,name,email",
            "1042,Ada,ada@lab.example",
            "7,Grace,grace@lab.example",
            "1042,Ada again,ADA@lab.example",
            "9,Alan,grace@lab.example",
        ],
    )
    store = FakeStaffStore()
    result = run_import(path, STAFF, ctx=store)
    assert result.error_lines() == [
        f"{path}:4: employee_id: same employee_id as row 2",
        f"{path}:4: email: same email as row 2",
        f"{path}:5: email: same email as row 3",
    ]
    assert store.apply_calls == 0


def test_composite_unique_keys_and_cross_row_checks(tmp_path):
    def only_one_adjusted(rows, ctx):
        adjusted = [row.number for row in rows if row["as_found"] == "adjusted"]
        for number in adjusted[1:]:
            yield RowError(
                "as_found", f"only one adjustment per file (see row {adjusted[0]})", row=number
            )

    calibrations = ImportSpec(
        name="calibrations",
        columns=[
            Column("asset_id", required=True),
            Column("calibrated_on", parse=date_field, required=True),
            Column("as_found", parse=choice_field(["in", "out", "adjusted"]), required=True),
        ],
        unique=[("asset_id", "calibrated_on")],
        check_rows=only_one_adjusted,
        apply=lambda rows, ctx: pytest.fail("must not apply"),
    )
    path = write_csv(
        tmp_path / "cal.csv",
        [
            "asset_id,calibrated_on,as_found",
            "XRF-01,2024-01-10,in",
            "XRF-01,2024-06-10,adjusted",
            "XRF-01,2024-01-10,adjusted",
            "XRF-02,2024-01-10,sideways",
        ],
    )
    result = run_import(path, calibrations, ctx=None)
    assert result.error_lines() == [
        f"{path}:4: asset_id: same asset_id and calibrated_on as row 2",
        f"{path}:4: as_found: only one adjustment per file (see row 3)",
        f'{path}:5: as_found: expected one of in, out, adjusted; got "sideways"',
    ]


def test_check_row_may_raise_a_single_error(tmp_path):
    def no_sevens(row, ctx):
        if row["employee_id"] == "7":
            raise RowError("employee_id", "7 is reserved")

    spec = ImportSpec(name="staff", columns=STAFF.columns, check_row=no_sevens, apply=STAFF.apply)
    store = FakeStaffStore()
    result = run_import(good_csv(tmp_path), spec, ctx=store)
    assert result.error_lines() == [f"{tmp_path / 'staff.csv'}:3: employee_id: 7 is reserved"]
    assert store.apply_calls == 0


def test_a_rule_found_while_applying_is_an_error_not_a_crash(tmp_path):
    def refuse(rows, ctx):
        raise RowError("email", "belongs to another user", row=3)

    spec = ImportSpec(name="staff", columns=STAFF.columns, apply=refuse)
    result = run_import(good_csv(tmp_path), spec, ctx=None)
    assert not result.applied
    assert result.error_lines() == [f"{tmp_path / 'staff.csv'}:3: email: belongs to another user"]


def test_preview_parses_and_plans_but_writes_nothing(tmp_path):
    store = FakeStaffStore(people={"7": {}})
    path = good_csv(tmp_path)
    result = run_import(path, STAFF, ctx=store, apply=False)
    assert result.ok and not result.applied
    assert store.apply_calls == 0 and store.people == {"7": {}}
    assert [row["name"] for row in result.rows] == ["Ada Lovelace", "Grace Hopper"]
    assert result.rows[1].resolved == {"known": True}
    assert result.summary == ImportSummary(created=1, updated=1)
    assert result.summary_line() == (
        f"{path}: 2 rows, 1 to create, 1 to update (preview, nothing written)"
    )


def test_preview_of_an_uploaded_file(tmp_path):
    data = good_csv(tmp_path).read_bytes()
    result = run_import(Upload("staff.csv", data), STAFF, ctx=FakeStaffStore(), apply=False)
    assert result.ok and result.file == "staff.csv" and len(result.rows) == 2
    bad = run_import(Upload("staff.csv", data + b"x,y,z\n"), STAFF, ctx=FakeStaffStore())
    assert bad.error_lines() == [
        'staff.csv:4: email: expected an e-mail address like name@example.org, got "z"'
    ]


def test_unreadable_files_and_limits_come_back_as_errors(tmp_path):
    store = FakeStaffStore()
    big = good_csv(tmp_path)
    result = run_import(big, STAFF, ctx=store, max_rows=1)
    assert result.error_lines() == [
        f"{big}:3: the file has more than 1 data rows, the import limit; "
        "split it into smaller files"
    ]
    result = run_import(big, STAFF, ctx=store, max_bytes=10)
    assert result.error_lines() == [
        f"{big}: is larger than the import limit of 10 bytes; split it into smaller files"
    ]
    result = run_import(Upload("staff.pdf", b"%PDF"), STAFF, ctx=store)
    assert result.error_lines() == ['staff.pdf: has ".pdf"; import files must be .csv or .xlsx']
    assert store.apply_calls == 0


def test_a_header_only_file_imports_nothing(tmp_path):
    path = write_csv(tmp_path / "staff.csv", [HEADER])
    store = FakeStaffStore()
    result = run_import(path, STAFF, ctx=store)
    assert result.ok
    assert result.summary_line() == f"{path}: 0 rows, no changes"


def test_spec_declaration_mistakes_fail_early():
    with pytest.raises(ValueError, match="declared twice"):
        ImportSpec(name="x", columns=[Column("a"), Column("a")], apply=lambda rows, ctx: None)
    with pytest.raises(ValueError, match="unknown columns"):
        ImportSpec(name="x", columns=[Column("a")], unique=["b"], apply=lambda rows, ctx: None)
