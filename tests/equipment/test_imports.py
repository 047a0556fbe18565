"""`flask import equipment|providers|calibrations FILE` and the web upload: good files, bad rows
writing nothing, idempotent re-imports, real XLSX date cells."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
import time_machine
from sqlalchemy import func, select

from compliance.audit.models import AuditEntry
from compliance.equipment import services
from compliance.equipment.models import (
    CalibrationEvent,
    Equipment,
    ImpactAssessment,
    Provider,
)
from compliance.extensions import db
from tests.factories import make_method

EQUIPMENT = (
    "asset_id,description,type,manufacturer,model,serial_number,location,status,"
    "calibration_interval_months,check_interval_months,methods"
)
PROVIDERS = "name,accreditation_body,accreditation_number,accreditation_expires_on,scope"
CALIBRATIONS = "asset_id,calibrated_on,provider,certificate_number,as_found,as_left,due_on"

GOOD_EQUIPMENT = f"""
{EQUIPMENT}
EQ-XRF-01,Handheld XRF analyser,XRF analyser,Thermo,XL5,SN1,XRF room,in_service,12,1,AS6171/3
eq-bal-01,Analytical balance,Balance,Mettler,XPR205,SN2,Decap lab,,12,1,AS6171/3;as6171/4
EQ-STM-00,Old microscope,Stereo microscope,,,,Storage,retired,,,
"""
GOOD_PROVIDERS = f"""
{PROVIDERS}
Precision Metrology,ANAB,AC-1187,2027-12-31,"Mass, dimensional"
Northgate Calibration,ANAB,AC-0452,2026-03-31,Temperature
"""
GOOD_CALIBRATIONS = f"""
{CALIBRATIONS}
EQ-XRF-01,2025-01-31,Precision Metrology,PM-1,in,in,
EQ-XRF-01,2026-01-31,Precision Metrology,PM-2,out,adjusted,
EQ-BAL-01,2026-02-28,in-house,IH-7,in,in,2026-08-31
"""


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _error_lines(result) -> list[str]:
    return [line for line in result.output.splitlines() if re.match(r"^\S+\.(csv|xlsx):\d+:", line)]


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(dt.datetime(2026, 6, 10, 9, tzinfo=dt.UTC), tick=True):
        yield


@pytest.fixture
def cli(app, monkeypatch, tmp_path):
    """Run `flask import KIND FILE` from the file's folder, so errors read `FILE:ROW`."""
    monkeypatch.chdir(tmp_path)

    def run(kind: str, name: str, text: str | None = None, *options: str):
        if text is not None:
            (tmp_path / name).write_text(text.strip() + "\n", encoding="utf-8")
        return app.test_cli_runner().invoke(args=["import", kind, name, *options])

    return run


@pytest.fixture
def methods(app):
    return [make_method("AS6171/3"), make_method("AS6171/4")]


def test_equipment_import_creates_then_changes_nothing_on_a_second_run(cli, methods):
    result = cli("equipment", "equipment.csv", GOOD_EQUIPMENT)
    assert result.exit_code == 0, result.output
    assert "3 rows, 3 created" in result.output
    balance = services.equipment_by_asset_id("EQ-BAL-01")
    assert balance.method_codes == ["AS6171/3", "AS6171/4"]
    assert (balance.calibration_required, balance.calibration_interval_months) == (True, 12)
    assert balance.status == "in_service"
    old = services.equipment_by_asset_id("EQ-STM-00")
    assert (old.status, old.calibration_required) == ("retired", False)
    entries = _count(AuditEntry)
    again = cli("equipment", "equipment.csv")
    assert again.exit_code == 0 and "3 unchanged" in again.output
    assert _count(AuditEntry) == entries


def test_equipment_import_updates_and_empty_cells_keep_values(cli, methods):
    cli("equipment", "equipment.csv", GOOD_EQUIPMENT)
    result = cli(
        "equipment",
        "update.csv",
        f"{EQUIPMENT}\nEQ-XRF-01,Handheld XRF analyser,XRF analyser,,,,Lab 2,out_of_service,6,,\n",
    )
    assert result.exit_code == 0, result.output
    assert "1 updated" in result.output
    item = services.equipment_by_asset_id("EQ-XRF-01")
    assert (item.location, item.calibration_interval_months, item.status) == (
        "Lab 2",
        6,
        "out_of_service",
    )
    assert (item.manufacturer, item.method_codes) == ("Thermo", ["AS6171/3"])
    # Back in service only with a verification recorded after the status change (6.4.4).
    back = cli(
        "equipment",
        "back.csv",
        f"{EQUIPMENT}\nEQ-XRF-01,Handheld XRF analyser,,,,,,in_service,,,\n",
    )
    assert back.exit_code == 1
    assert _error_lines(back) == [
        "back.csv:2: status: EQ-XRF-01 is out of service; it returns to service only after a "
        "passing calibration or check recorded after its status changed (6.4.4): record that first"
    ]


def test_bad_equipment_rows_write_nothing_and_name_file_row_and_column(cli, methods):
    text = f"""
{EQUIPMENT}
EQ-1,Good item,,,,,,,12,,AS6171/3
EQ 2,Bad id,,,,,,,12,,
EQ-3,Bad status,,,,,,broken,12,,
EQ-4,Bad interval,,,,,,,0,,
EQ-5,Unknown method,,,,,,,12,,AS6171/99
EQ-1,Repeated,,,,,,,12,,
"""
    result = cli("equipment", "bad.csv", text)
    assert result.exit_code == 1
    lines = _error_lines(result)
    assert lines[0].startswith("bad.csv:3: asset_id: 'EQ 2' is not an asset id")
    assert lines[1].startswith("bad.csv:4: status: expected one of in_service")
    assert lines[2] == "bad.csv:5: calibration_interval_months: must be at least 1, got 0"
    assert lines[3].startswith("bad.csv:6: methods: no method has the code AS6171/99")
    assert lines[4] == "bad.csv:7: asset_id: same asset_id as row 2"
    assert "nothing written" in result.output
    assert _count(Equipment) == 0 and _count(AuditEntry) == 0


def test_providers_import_is_idempotent_and_updates_what_changed(cli):
    assert cli("providers", "providers.csv", GOOD_PROVIDERS).exit_code == 0
    provider = services.provider_by_name("precision metrology")
    assert provider.accreditation_expires_on == dt.date(2027, 12, 31)
    assert provider.is_approved and provider.scope == "Mass, dimensional"
    again = cli("providers", "providers.csv")
    assert "2 unchanged" in again.output
    renewed = cli("providers", "renewed.csv", f"{PROVIDERS}\nNorthgate Calibration,,,2028-03-31,\n")
    assert renewed.exit_code == 0 and "1 updated" in renewed.output
    northgate = services.provider_by_name("Northgate Calibration")
    assert northgate.accreditation_expires_on == dt.date(2028, 3, 31)
    assert northgate.scope == "Temperature"
    bad = cli("providers", "bad.csv", f"{PROVIDERS}\nin-house,,,,\nB,,,31/12/2027,\nA,,,,\na,,,,\n")
    assert _error_lines(bad) == [
        'bad.csv:2: name: "in-house" means the lab itself and cannot name a provider',
        'bad.csv:3: accreditation_expires_on: expected a date like 2024-03-31, got "31/12/2027"',
        "bad.csv:5: name: same provider as row 4",
    ]
    assert _count(Provider) == 2


def test_calibration_history_import(cli, methods):
    cli("equipment", "equipment.csv", GOOD_EQUIPMENT)
    cli("providers", "providers.csv", GOOD_PROVIDERS)
    result = cli("calibrations", "calibrations.csv", GOOD_CALIBRATIONS)
    assert result.exit_code == 0, result.output
    assert "3 rows, 3 created" in result.output
    xrf = services.equipment_by_asset_id("EQ-XRF-01")
    latest = xrf.latest_calibration
    assert (latest.certificate_number, latest.due_on, latest.source) == (
        "PM-2",
        dt.date(2027, 1, 31),
        "import",
    )
    balance = services.equipment_by_asset_id("EQ-BAL-01")
    assert balance.latest_calibration.due_on == dt.date(2026, 8, 31)  # stated on the certificate
    assert balance.latest_calibration.is_in_house
    # The out-of-tolerance row opened an assessment back to the previous good calibration.
    [assessment] = db.session.scalars(select(ImpactAssessment)).all()
    assert (assessment.equipment_id, assessment.period_start) == (xrf.id, dt.date(2025, 1, 31))
    again = cli("calibrations", "calibrations.csv")
    assert again.exit_code == 0 and "3 unchanged" in again.output
    assert _count(CalibrationEvent) == 3 and _count(ImpactAssessment) == 1


def test_bad_calibration_rows_write_nothing(cli, methods):
    cli("equipment", "equipment.csv", GOOD_EQUIPMENT)
    cli("providers", "providers.csv", GOOD_PROVIDERS)
    cli("calibrations", "calibrations.csv", GOOD_CALIBRATIONS)
    before = (_count(CalibrationEvent), _count(AuditEntry))
    text = f"""
{CALIBRATIONS}
EQ-XRF-01,2026-05-01,Precision Metrology,PM-3,in,in,
EQ-NOPE,2026-05-01,Precision Metrology,PM-4,in,in,
EQ-BAL-01,2026-05-01,Nobody Inc,X,in,in,
EQ-BAL-01,2026-07-01,in-house,X,in,in,
EQ-BAL-01,2026-04-01,in-house,X,adjusted,in,
EQ-BAL-01,2026-04-02,in-house,X,in,in,2026-04-01
EQ-XRF-01,2026-01-31,Precision Metrology,PM-2,in,in,
EQ-STM-00,2026-01-31,in-house,X,in,in,2026-12-01
"""
    result = cli("calibrations", "bad.csv", text)
    assert result.exit_code == 1
    lines = _error_lines(result)
    assert lines == [
        "bad.csv:3: asset_id: no equipment has the asset id EQ-NOPE",
        'bad.csv:4: provider: no provider is named "Nobody Inc"; import it first or write in-house',
        "bad.csv:5: calibrated_on: 2026-07-01 is in the future (today is 2026-06-10)",
        'bad.csv:6: as_found: expected one of in, out; got "adjusted"',
        "bad.csv:7: due_on: 2026-04-01 is not after the calibration date 2026-04-02",
        "bad.csv:8: as_found: EQ-XRF-01 already has a calibration on 2026-01-31 with as_found "
        "out, as_left adjusted; calibration records are never overwritten: correct it in the app",
        "bad.csv:9: asset_id: EQ-STM-00 is retired",
    ]
    assert (_count(CalibrationEvent), _count(AuditEntry)) == before


def _xlsx(path, header: str, rows: list[list]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header.split(","))
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def test_xlsx_with_real_date_and_number_cells(cli, methods, tmp_path):
    _xlsx(
        tmp_path / "equipment.xlsx",
        EQUIPMENT,
        [
            [
                "EQ-CAL-01",
                "Calipers",
                "Calipers",
                "Mitutoyo",
                500196,
                13005621,
                "Receiving",
                "in service",
                12,
                None,
                "AS6171/4",
            ]
        ],
    )
    result = cli("equipment", "equipment.xlsx")
    assert result.exit_code == 0, result.output
    item = services.equipment_by_asset_id("EQ-CAL-01")
    assert (item.model, item.serial_number, item.calibration_interval_months) == (
        "500196",
        "13005621",
        12,
    )
    _xlsx(
        tmp_path / "providers.xlsx",
        PROVIDERS,
        [["Acme", "A2LA", "1234.01", dt.date(2027, 1, 1), ""]],
    )
    assert cli("providers", "providers.xlsx").exit_code == 0
    _xlsx(
        tmp_path / "calibrations.xlsx",
        CALIBRATIONS,
        [
            ["EQ-CAL-01", dt.datetime(2026, 1, 31), "Acme", "A-1", "in", "in", None],
            ["EQ-CAL-01", dt.date(2025, 1, 31), "Acme", "A-0", "in", "in", dt.date(2026, 1, 15)],
        ],
    )
    result = cli("calibrations", "calibrations.xlsx")
    assert result.exit_code == 0, result.output
    assert item.latest_calibration.due_on == dt.date(2027, 1, 31)  # 31 Jan + 12 months
    assert services.provider_by_name("Acme").accreditation_expires_on == dt.date(2027, 1, 1)
    assert "2 unchanged" in cli("calibrations", "calibrations.xlsx").output


def test_left_out_of_tolerance_in_the_history_quarantines_only_if_newest(cli, methods):
    cli("equipment", "equipment.csv", GOOD_EQUIPMENT)
    text = f"""
{CALIBRATIONS}
EQ-BAL-01,2025-01-10,in-house,IH-1,out,out,
EQ-BAL-01,2025-02-10,in-house,IH-2,in,in,
EQ-XRF-01,2026-05-01,in-house,IH-3,out,out,
"""
    assert cli("calibrations", "history.csv", text).exit_code == 0
    assert services.equipment_by_asset_id("EQ-BAL-01").status == "in_service"
    assert services.equipment_by_asset_id("EQ-XRF-01").status == "quarantined"


def test_web_upload_preview_then_confirm(app, client, auth, make_user, methods):
    qm = make_user("quality_manager")
    auth.login(qm.email)
    data = GOOD_EQUIPMENT.strip().encode()
    preview = auth.post(
        "/imports/equipment",
        {"file": (io.BytesIO(data), "equipment.csv")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200 and "3 to create" in preview.text
    assert _count(Equipment) == 0
    sha = re.search(r'name="sha256"[^>]*value="([0-9a-f]{64})"', preview.text).group(1)
    confirmed = auth.post(
        "/imports/equipment/confirm",
        {"sha256": sha, "filename": "equipment.csv", "date_format": ""},
        form_page="/imports/equipment",
    )
    assert confirmed.status_code == 302
    assert _count(Equipment) == 3
    staff = make_user("staff")
    auth.logout()
    auth.login(staff.email)
    assert client.get("/imports/equipment").status_code == 403
