"""`flask --app compliance import methods FILE`: the scope from a spreadsheet, all rows or none."""

from __future__ import annotations

import csv
import hashlib
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from compliance.audit.models import AuditEntry
from compliance.extensions import db
from compliance.scope import services
from compliance.scope.imports import import_methods
from compliance.scope.models import Method, MethodEquipmentRequirement
from tests.conftest import csrf_token
from tests.factories import effective_document

HEADER = ["code", "title", "procedure_number", "equipment", "pt_interval_months"]


@pytest.fixture(autouse=True)
def in_tmp(monkeypatch, tmp_path):
    """Files are named relative to the working folder, so messages read `methods.csv:ROW`."""
    monkeypatch.chdir(tmp_path)


def write_csv(path, rows, header=HEADER):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path.name


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def trail_size() -> int:
    return count(AuditEntry)


@pytest.fixture
def procedures(qm):
    xrf, _ = effective_document(qm, number="TM-AS6171-3", doc_type="test_method")
    xray, _ = effective_document(qm, number="TM-AS6171-5", doc_type="test_method")
    return xrf, xray


@pytest.fixture
def cli(app):
    """`flask import methods FILE`."""

    def run(*args: str):
        return app.test_cli_runner().invoke(args=["import", "methods", *args])

    return run


GOOD = [
    ["AS6171/3", "X-ray fluorescence (XRF)", "TM-AS6171-3", "EQ-XRF-01", "12"],
    ["as6171/5", "Radiological inspection", "tm-as6171-5", "EQ-XRAY-01; EQ-XRAY-02", "24"],
    ["AS6171/8", "Raman spectroscopy", "", "", ""],
]


def test_good_rows_create_the_methods(ctx, qm, procedures, tmp_path):
    result = import_methods(write_csv(tmp_path / "methods.csv", GOOD), by=qm)
    assert result.ok and result.applied, result.error_lines()
    assert result.summary_line() == "methods.csv: 3 rows, 3 created"
    xrf, xray, raman = (services.method_by_code(c) for c in ("AS6171/3", "AS6171/5", "AS6171/8"))
    assert (xrf.procedure, xrf.pt_interval_months, xrf.asset_ids) == (
        procedures[0],
        12,
        ["EQ-XRF-01"],
    )
    assert xray.code == "AS6171/5" and xray.procedure == procedures[1]
    assert sorted(xray.asset_ids) == ["EQ-XRAY-01", "EQ-XRAY-02"]
    assert (raman.procedure, raman.pt_interval_months, raman.asset_ids) == (None, None, [])
    assert all(m.is_in_scope for m in (xrf, xray, raman))
    created = db.session.scalars(
        select(AuditEntry.entity_key).where(AuditEntry.action == "method.created")
    ).all()
    assert sorted(created) == ["AS6171/3", "AS6171/5", "AS6171/8"]


def test_bad_rows_are_all_reported_and_nothing_is_written(ctx, qm, procedures, tmp_path):
    before = trail_size()
    path = write_csv(
        tmp_path / "methods.csv",
        [
            ["AS6171/3", "XRF", "TM-NOPE-1", "EQ-XRF-01", "12"],
            ["AS 6171 <3>", "XRF", "", "", ""],
            ["AS6171/5", "", "", "", "0"],
            ["AS6171/6", "C-SAM", "", "bad id!;EQ-1", "twelve"],
            ["AS6171/3", "XRF again", "", "", ""],
        ],
    )
    result = import_methods(path, by=qm)
    assert not result.ok and not result.applied
    assert result.error_lines() == [
        "methods.csv:2: procedure_number: no document TM-NOPE-1 in the register; register the "
        "procedure first",
        "methods.csv:3: code: 'AS 6171 <3>' is not a method code: capitals, digits, spaces and "
        ". - / _ ( ) (up to 40 characters), e.g. AS6171/2.",
        "methods.csv:4: title: a value is required",
        "methods.csv:4: pt_interval_months: must be at least 1, got 0",
        "methods.csv:5: equipment: \"bad id!\": 'bad id!' is not an asset id: letters, digits "
        "and . - / _ (up to 40), e.g. XRF-001.",
        'methods.csv:5: pt_interval_months: expected a whole number, got "twelve"',
        "methods.csv:6: code: same code as row 2",
    ]
    assert count(Method) == 0 and trail_size() == before


def test_reimporting_the_same_file_changes_nothing(ctx, qm, procedures, tmp_path):
    path = write_csv(tmp_path / "methods.csv", GOOD)
    import_methods(path, by=qm)
    db.session.commit()
    before = trail_size()
    again = import_methods(path, by=qm)
    assert again.summary_line() == "methods.csv: 3 rows, 3 unchanged"
    assert trail_size() == before


def test_updates_change_only_what_differs_and_keep_type_requirements(ctx, qm, procedures, tmp_path):
    import_methods(write_csv(tmp_path / "methods.csv", GOOD), by=qm)
    xrf = services.method_by_code("AS6171/3")
    services.add_equipment_requirement(xrf, equipment_type="Balance", min_count=1, by=qm)
    db.session.commit()
    path = write_csv(
        tmp_path / "update.csv",
        [["AS6171/3", "X-ray fluorescence (XRF)", "TM-AS6171-3", "EQ-XRF-02", "6"]],
    )
    preview = import_methods(path, apply=False, by=qm)
    assert preview.summary_line() == "update.csv: 1 row, 1 to update (preview, nothing written)"
    assert xrf.pt_interval_months == 12
    result = import_methods(path, by=qm)
    assert result.summary_line() == "update.csv: 1 row, 1 updated"
    assert xrf.pt_interval_months == 6 and xrf.asset_ids == ["EQ-XRF-02"]
    assert [r.equipment_type for r in xrf.equipment_requirements if r.equipment_type] == ["Balance"]
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_key == "AS6171/3", AuditEntry.seq > 0)
        .order_by(AuditEntry.seq)
    ).all()
    assert entries[-2].action == "method.updated"
    assert entries[-2].changes == {"pt_interval_months": [12, 6]}
    assert entries[-1].changes == {"assets": [["EQ-XRF-01"], ["EQ-XRF-02"]]}


def test_a_column_left_out_leaves_that_field_alone(ctx, qm, procedures, tmp_path):
    import_methods(write_csv(tmp_path / "methods.csv", GOOD), by=qm)
    path = write_csv(
        tmp_path / "titles.csv",
        [["AS6171/3", "XRF (handheld)"]],
        header=["code", "title"],
    )
    assert import_methods(path, by=qm).summary_line() == "titles.csv: 1 row, 1 updated"
    xrf = services.method_by_code("AS6171/3")
    assert xrf.title == "XRF (handheld)" and xrf.pt_interval_months == 12
    assert xrf.procedure is not None and xrf.asset_ids == ["EQ-XRF-01"]


def test_xlsx_with_number_cells(ctx, qm, procedures, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["AS6171/3", "XRF", "TM-AS6171-3", "EQ-XRF-01", 12])
    sheet.append(["AS6171/9", "FTIR", None, None, 24.0])
    workbook.save(tmp_path / "methods.xlsx")
    result = import_methods("methods.xlsx", by=qm)
    assert result.summary_line() == "methods.xlsx: 2 rows, 2 created", result.error_lines()
    assert services.method_by_code("AS6171/9").pt_interval_months == 24
    assert count(MethodEquipmentRequirement) == 1


def test_cli_command(app, qm, procedures, cli, tmp_path):
    write_csv(tmp_path / "methods.csv", GOOD)
    dry = cli("methods.csv", "--dry-run")
    assert dry.exit_code == 0 and "3 to create (preview, nothing written)" in dry.output
    assert count(Method) == 0
    done = cli("methods.csv")
    assert done.exit_code == 0, done.output
    assert "methods.csv: 3 rows, 3 created" in done.output
    write_csv(tmp_path / "bad.csv", [["AS6171/4", "Decap", "TM-NONE", "", ""]])
    bad = cli("bad.csv")
    assert bad.exit_code == 1
    assert "bad.csv:2: procedure_number: no document TM-NONE in the register" in bad.output
    assert count(Method) == 3


def test_web_upload_preview_and_confirm(client, auth, qm, procedures, make_user):
    data = io.StringIO()
    csv.writer(data).writerows([HEADER, *GOOD])
    staff = make_user("staff")
    auth.login(staff.email)
    assert client.get("/imports/methods").status_code == 403
    auth.logout()
    auth.login(qm.email)
    preview = auth.post(
        "/imports/methods",
        {"file": (io.BytesIO(data.getvalue().encode()), "methods.csv")},
        form_page="/imports/methods",
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200 and "3 to create" in preview.text
    assert count(Method) == 0
    sha = hashlib.sha256(data.getvalue().encode()).hexdigest()
    confirmed = client.post(
        "/imports/methods/confirm",
        data={
            "csrf_token": csrf_token(preview.text),
            "sha256": sha,
            "filename": "methods.csv",
            "date_format": "",
        },
    )
    assert confirmed.status_code == 302
    assert count(Method) == 3
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import.applied"))
