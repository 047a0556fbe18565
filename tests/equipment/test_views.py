"""Equipment pages as each role uses them: the quality manager runs the programme, staff record
checks and maintenance, auditors read everything and change nothing."""

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
import time_machine
from sqlalchemy import func, select

from compliance.equipment import services
from compliance.equipment.models import CalibrationEvent, IntermediateCheck, MaintenanceRecord
from compliance.extensions import db
from compliance.files.models import StoredFile
from tests.conftest import DEMO_PASSWORD
from tests.equipment.helpers import calibrate, make_item, make_provider
from tests.factories import make_method
from tests.uploads import hostile

NOW = dt.datetime(2026, 6, 10, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def qm(make_user):
    return make_user("quality_manager", name="Quinn Manager")


@pytest.fixture
def register(app, qm):
    """Four items: overdue, due soon, fine (in another location, serving AS6171/3), never
    calibrated."""
    method = make_method("AS6171/3")
    overdue = make_item("EQ-CAL-01", equipment_type="Calipers", location="Receiving", custodian=qm)
    calibrate(overdue, dt.date(2025, 5, 1))
    soon = make_item("EQ-BAL-01", equipment_type="Balance", location="Decap lab")
    calibrate(soon, dt.date(2025, 6, 20))
    fine = make_item(
        "EQ-XRF-01", equipment_type="XRF analyser", location="XRF room", methods=[method]
    )
    calibrate(fine, dt.date(2026, 5, 1))
    never = make_item("EQ-SEM-01", equipment_type="SEM", location="SEM lab")
    return {"overdue": overdue, "soon": soon, "fine": fine, "never": never}


def _assets(html: str) -> list[str]:
    return re.findall(r">(EQ-[A-Z]+-\d+)</a>", html)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_list_filters_and_the_overdue_warning(client, auth, qm, register):
    auth.login(qm.email)
    page = client.get("/equipment/")
    assert _assets(page.text) == ["EQ-BAL-01", "EQ-CAL-01", "EQ-SEM-01", "EQ-XRF-01"]
    assert "overdue - do not use" in page.text and "not calibrated - do not use" in page.text
    assert _assets(client.get("/equipment/?due=overdue").text) == ["EQ-CAL-01"]
    assert _assets(client.get("/equipment/?due=due_soon").text) == ["EQ-BAL-01"]
    assert _assets(client.get("/equipment/?due=missing").text) == ["EQ-SEM-01"]
    assert _assets(client.get("/equipment/?due=ok").text) == ["EQ-XRF-01"]
    assert _assets(client.get("/equipment/?q=balance").text) == ["EQ-BAL-01"]
    assert _assets(client.get("/equipment/?type=SEM").text) == ["EQ-SEM-01"]
    assert _assets(client.get("/equipment/?location=XRF+room").text) == ["EQ-XRF-01"]
    assert _assets(client.get("/equipment/?method=AS6171/3").text) == ["EQ-XRF-01"]
    assert _assets(client.get(f"/equipment/?custodian={qm.id}").text) == ["EQ-CAL-01"]
    assert _assets(client.get("/equipment/?status=retired").text) == []
    by_due = _assets(client.get("/equipment/?sort=due").text)
    assert by_due == ["EQ-CAL-01", "EQ-BAL-01", "EQ-XRF-01", "EQ-SEM-01"]
    # Everywhere the item appears: its page, the calendar and the dashboard.
    show = client.get(f"/equipment/{register['overdue'].id}")
    assert "overdue - do not use" in show.text
    calendar = client.get("/equipment/calendar?month=2026-05")
    assert "calibration overdue - do not use" in calendar.text
    dashboard = client.get("/")
    assert "Calibrations" in dashboard.text and "1 overdue, 1 never calibrated" in dashboard.text


def test_location_and_custodian_are_searched_by_part_and_listed_only_while_few(
    client, auth, qm, register, monkeypatch
):
    """A network of labs has a thousand locations and custodians: the register searches them
    by part of the name, suggests them while few, and keeps an exact pick from a link."""
    auth.login(qm.email)
    assert _assets(client.get("/equipment/?location_search=xrf").text) == ["EQ-XRF-01"]
    assert _assets(client.get("/equipment/?location_search=LAB").text) == ["EQ-BAL-01", "EQ-SEM-01"]
    assert _assets(client.get("/equipment/?location_search=%25").text) == []  # % is literal
    assert _assets(client.get("/equipment/?custodian_search=quinn").text) == ["EQ-CAL-01"]
    by_mail = client.get(f"/equipment/?custodian_search={qm.email.split('@')[0].upper()}")
    assert _assets(by_mail.text) == ["EQ-CAL-01"]
    assert _assets(client.get("/equipment/?custodian_search=nobody").text) == []

    page = client.get("/equipment/")
    assert (
        '<datalist id="location-choices">' in page.text and '<option value="XRF room">' in page.text
    )
    assert '<option value="Quinn Manager">' in page.text
    assert '<select class="form-select form-select-sm" name="method"' in page.text

    pinned = client.get(f"/equipment/?location=XRF+room&custodian={qm.id}&due=ok")
    assert _assets(pinned.text) == []  # the XRF is not Quinn's
    assert "at XRF room" in pinned.text and "held by Quinn Manager" in pinned.text
    assert f'href="/equipment/?due=ok&amp;custodian={qm.id}"' in pinned.text  # drops location

    monkeypatch.setattr("compliance.equipment.register.LISTED_CHOICES", 2)
    crowded = client.get("/equipment/")
    assert "location-choices" not in crowded.text and "custodian-choices" in crowded.text
    assert '<input class="form-control form-control-sm" type="search" name="type"' in crowded.text
    assert _assets(client.get("/equipment/?type=SEM").text) == ["EQ-SEM-01"]

    calendar = client.get("/equipment/calendar?month=2026-06&location_search=decap")
    assert "EQ-BAL-01" in calendar.text and "EQ-CAL-01" not in calendar.text
    assert "month=2026-07&amp;location_search=decap" in calendar.text  # next month keeps it
    theirs = client.get("/equipment/calendar?month=2026-06&custodian_search=quinn")
    assert "EQ-CAL-01" in theirs.text and "EQ-BAL-01" not in theirs.text


def test_calendar_month_and_list_by_location_and_custodian(client, auth, qm, register):
    auth.login(qm.email)
    june = client.get("/equipment/calendar?month=2026-06")
    assert "June 2026" in june.text and "EQ-BAL-01 cal" in june.text  # due 2026-06-20
    decap = client.get("/equipment/calendar?month=2026-06&location=Receiving")
    assert "EQ-BAL-01" not in decap.text and "EQ-CAL-01" in decap.text
    mine = client.get(f"/equipment/calendar?month=2027-05&custodian={qm.id}")
    assert "EQ-XRF-01" not in mine.text
    may_2027 = client.get("/equipment/calendar?month=2027-05")
    assert "EQ-XRF-01 cal" in may_2027.text


def test_export_xlsx_and_csv(client, auth, qm, register):
    services.update_equipment(
        register["never"], by=qm, description='=HYPERLINK("x")', calibration_interval_months=12
    )
    db.session.commit()
    auth.login(qm.email)
    response = client.get("/equipment/export?format=xlsx&due=overdue")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.values)
    header = rows[0]
    assert len(rows) == 2 and rows[1][0] == "EQ-CAL-01"
    assert rows[1][header.index("calibration_due_on")].date() == dt.date(2026, 5, 1)
    assert rows[1][header.index("calibration_status")] == "overdue - do not use"
    text = client.get("/equipment/export?format=csv").data.decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text)))
    assert [r["asset_id"] for r in table] == ["EQ-BAL-01", "EQ-CAL-01", "EQ-SEM-01", "EQ-XRF-01"]
    assert table[2]["description"].startswith("'=")  # formula-injection safe
    assert table[3]["methods"] == "AS6171/3"


def test_register_record_calibration_with_certificate_and_correct_it(client, auth, qm):
    make_provider("Precision Metrology")
    auth.login(qm.email)
    created = auth.post(
        "/equipment/new",
        {
            "asset_id": "eq-ct-01",
            "description": "Curve tracer",
            "custodian_id": "0",
            "status": "in_service",
            "calibration_required": "y",
            "calibration_interval_months": "12",
        },
    )
    assert created.status_code == 302
    item = services.equipment_by_asset_id("EQ-CT-01")
    provider = services.provider_by_name("Precision Metrology")
    form = f"/equipment/{item.id}/calibrations/new"
    pdf = hostile.minimal_pdf()
    recorded = auth.post(
        form,
        {
            "calibrated_on": "2026-01-31",
            "provider_id": str(provider.id),
            "certificate_number": "PM-77",
            "certificate": (io.BytesIO(pdf), "PM-77.pdf"),
            "as_found": "out",
            "as_left": "adjusted",
            "uncertainty": "±0.4 %",
            "traceability": "NIST",
        },
        content_type="multipart/form-data",
    )
    assert recorded.status_code == 302
    event = item.latest_calibration
    assert (event.due_on, event.certificate_number) == (dt.date(2027, 1, 31), "PM-77")
    assert services.open_assessment_count() == 1
    download = client.get(f"/calibrations/{event.id}/certificate")
    assert download.data == pdf and download.mimetype == "application/pdf"
    # A disguised file is refused and nothing is stored.
    files, events = _count(StoredFile), _count(CalibrationEvent)
    refused = auth.post(
        form,
        {
            "calibrated_on": "2026-02-01",
            "provider_id": str(provider.id),
            "certificate_number": "PM-78",
            "certificate": (io.BytesIO(hostile.genuine_docx()), "PM-78.pdf"),
            "as_found": "in",
            "as_left": "in",
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "extension must match the content" in refused.text
    assert (_count(StoredFile), _count(CalibrationEvent)) == (files, events)
    # Correct it: a new record supersedes the old one, the certificate file carries over.
    corrected = auth.post(
        f"/calibrations/{event.id}/correct",
        {
            "calibrated_on": "2026-01-31",
            "provider_id": str(provider.id),
            "certificate_number": "PM-077",
            "as_found": "out",
            "as_left": "adjusted",
            "reason": "leading zero missing",
        },
        content_type="multipart/form-data",
    )
    assert corrected.status_code == 302
    latest = item.latest_calibration
    assert (
        latest.supersedes_id == event.id and latest.certificate_sha256 == event.certificate_sha256
    )
    page = client.get(f"/equipment/{item.id}")
    assert "superseded by record" in page.text and "leading zero missing" in page.text


def test_status_form_enforces_return_to_service(client, auth, qm, register):
    item = register["fine"]
    auth.login(qm.email)
    path = f"/equipment/{item.id}/status"
    auth.post(
        path, {"status": "quarantined", "reason": "dropped"}, form_page=f"/equipment/{item.id}"
    )
    refused = auth.post(
        path,
        {"status": "in_service", "reason": "ok now"},
        form_page=f"/equipment/{item.id}",
        follow_redirects=True,
    )
    assert "6.4.4" in refused.text
    db.session.expire_all()
    assert services.equipment_by_asset_id("EQ-XRF-01").status == "quarantined"


def test_close_an_impact_assessment_with_a_signature(client, auth, qm, register):
    calibrate(register["fine"], dt.date(2026, 6, 1), found="out")
    [assessment] = services.open_assessments()
    auth.login(qm.email)
    page = f"/impact-assessments/{assessment.id}"
    assert "open" in client.get(page).text
    saved = auth.post(
        f"{page}/edit",
        {
            "assessor_id": str(qm.id),
            "conclusion": "No result affected.",
            "actions": "None needed.",
            "version": str(assessment.version),
        },
        form_page=page,
    )
    db.session.expire_all()
    assert saved.status_code == 302 and assessment.conclusion == "No result affected."
    wrong = auth.post(
        f"{page}/close", {"password": "not my password"}, form_page=page, follow_redirects=True
    )
    db.session.expire_all()
    assert assessment.is_open and "password" in wrong.text.lower()
    closed = auth.post(
        f"{page}/close", {"password": DEMO_PASSWORD}, form_page=page, follow_redirects=True
    )
    db.session.expire_all()
    assert "closed and signed" in closed.text and not assessment.is_open
    assert "<strong>Closed</strong> by Quinn Manager" in closed.text
    assert "valid: bytes match" in closed.text


def test_staff_record_checks_and_maintenance_but_do_not_manage(client, auth, make_user, register):
    tech = make_user("staff")
    item = register["soon"]
    auth.login(tech.email)
    show = client.get(f"/equipment/{item.id}")
    assert "Record an intermediate check" in show.text
    assert "Record a calibration" not in show.text and "Change status" not in show.text
    checked = auth.post(
        f"/equipment/{item.id}/checks",
        {"performed_on": "2026-06-09", "result": "pass", "reference": "CW-01"},
        form_page=f"/equipment/{item.id}",
    )
    assert checked.status_code == 302 and _count(IntermediateCheck) == 1
    auth.post(
        f"/equipment/{item.id}/maintenance",
        {"kind": "damage", "performed_on": "2026-06-09", "description": "Draft shield cracked"},
        form_page=f"/equipment/{item.id}",
    )
    assert _count(MaintenanceRecord) == 1
    assert client.get(f"/equipment/{item.id}/edit").status_code == 403
    refused = auth.post(f"/equipment/{item.id}/status", {}, form_page="/equipment/")
    assert refused.status_code == 403


def test_auditors_read_everything_and_change_nothing(client, auth, make_user, register):
    calibrate(register["fine"], dt.date(2026, 6, 1), found="out")
    [assessment] = services.open_assessments()
    provider = make_provider()
    auditor = make_user("auditor")
    auth.login(auditor.email)
    item = register["overdue"]
    for path in (
        "/equipment/",
        f"/equipment/{item.id}",
        "/equipment/calendar",
        "/providers/",
        f"/providers/{provider.id}",
        "/impact-assessments/",
        f"/impact-assessments/{assessment.id}",
        "/equipment/export",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        if response.mimetype == "text/html":
            for control in (
                "Record a calibration",
                "Change status",
                "Record an intermediate",
                "Sign and close",
                "Register equipment",
                "Add a provider",
            ):
                assert control not in response.text, (path, control)
    for path in (
        f"/equipment/{item.id}/checks",
        f"/equipment/{item.id}/maintenance",
        f"/equipment/{item.id}/status",
        f"/impact-assessments/{assessment.id}/close",
        "/equipment/new",
    ):
        assert auth.post(path, {}, form_page="/equipment/").status_code == 403, path
