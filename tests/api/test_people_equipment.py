"""People (training status, authorizations) and equipment (calibration status) through the API:
the web lists' records and filters, the roles that read them, a fixed cost per page."""

import datetime as dt

import pytest
import time_machine

from compliance.extensions import db
from compliance.personnel import services as personnel
from tests.api.conftest import bearer
from tests.api.lab import build_lab
from tests.equipment.helpers import calibrate, make_item
from tests.factories import make_person

NOW = dt.datetime(2026, 6, 10, 9, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def lab(make_user):
    qm = make_user("quality_manager", name="Quinn Manager", email="quinn@lab.test")
    tech = make_user("staff", name="Alice Analyst", email="alice@lab.test")
    return build_lab(qm, tech, TODAY)


def _get(client, path, secret, **params):
    response = client.get(path, headers=bearer(secret), query_string=params)
    assert response.status_code == 200, response.text
    return response.json


def _days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


# --- people -----------------------------------------------------------------------------------


def test_people_come_with_their_training_status_and_authorizations(client, lab, token_for):
    data = _get(client, "/api/v1/people", token_for(lab.qm))
    # Leavers are left out, as on the web list; by name.
    assert [p["name"] for p in data["items"]] == ["Alice Analyst", "Bob Bench", "Dora Desk"]
    assert data["total"] == 3
    alice, bob, dora = data["items"]

    assert alice["employee_id"] == "E1" and alice["job_roles"] == ["Technician"]
    assert alice["is_active"] is True and alice["left_on"] is None
    by_label = {t["item"]["label"]: t for t in alice["training"]}
    assert set(by_label) == {"ESD-101", "SAFE-1", "TM-AS6171-2"}
    assert by_label["ESD-101"]["status"] == "due"
    assert by_label["ESD-101"]["expires_on"] == _days(15)
    assert by_label["ESD-101"]["completed_on"] == _days(-350)
    assert by_label["SAFE-1"]["status"] == "current"
    assert by_label["SAFE-1"]["expires_on"] is None
    assert by_label["TM-AS6171-2"]["status"] == "missing"
    assert by_label["TM-AS6171-2"]["item"]["kind"] == "document"
    assert by_label["TM-AS6171-2"]["item"]["current_revision"] == "A"
    assert alice["training_summary"] == {"current": 1, "due": 1, "expired": 0, "missing": 1}
    (authorization,) = alice["authorizations"]
    assert authorization["method"]["code"] == "AS6171/2"
    assert authorization["status"] == "active" and authorization["is_current"] is True
    assert authorization["authorized_on"] == _days(-30)
    assert alice["url"].endswith(f"/personnel/people/{lab.alice.id}")

    bob_status = {t["item"]["label"]: t["status"] for t in bob["training"]}
    assert bob_status == {"ESD-101": "expired", "SAFE-1": "missing", "TM-AS6171-2": "current"}
    assert bob["email"] == "bob.bench@lab.test" and bob["authorizations"] == []
    # No job role, nothing required.
    assert dora["training"] == [] and dora["job_roles"] == []


def test_training_status_as_of_another_date(client, lab, token_for):
    later = _get(client, f"/api/v1/people/{lab.alice.id}", token_for(lab.qm), as_of=_days(20))
    esd = next(t for t in later["training"] if t["item"]["label"] == "ESD-101")
    assert esd["status"] == "expired"


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"q": "bob"}, ["Bob Bench"]),
        ({"q": "e4"}, ["Dora Desk"]),  # the employee id
        ({"include_left": "1"}, ["Alice Analyst", "Bob Bench", "Carl Former", "Dora Desk"]),
        ({"include_left": "0"}, ["Alice Analyst", "Bob Bench", "Dora Desk"]),
    ],
)
def test_people_filter_by_the_web_lists_fields(client, lab, token_for, params, names):
    data = _get(client, "/api/v1/people", token_for(lab.qm), **params)
    assert [p["name"] for p in data["items"]] == names


def test_people_filter_by_job_role_and_method(client, lab, token_for):
    secret = token_for(lab.qm)
    holders = _get(client, "/api/v1/people", secret, job_role=lab.technician.id)
    assert [p["name"] for p in holders["items"]] == ["Alice Analyst", "Bob Bench"]
    # Tied to the method: authorized (Alice) or required to train on its procedure (both).
    tied = _get(client, "/api/v1/people", secret, method=lab.method.id, include_left="1")
    assert [p["name"] for p in tied["items"]] == ["Alice Analyst", "Bob Bench", "Carl Former"]
    carl = tied["items"][2]
    assert carl["is_active"] is False and carl["left_on"] == _days(-10)


def test_one_person_and_a_missing_one(client, lab, token_for):
    secret = token_for(lab.qm)
    bob = _get(client, f"/api/v1/people/{lab.bob.id}", secret)
    assert bob["employee_id"] == "E2" and len(bob["training"]) == 3
    missing = client.get("/api/v1/people/999999", headers=bearer(secret))
    assert missing.status_code == 404 and missing.json["error"] == "NotFound"


def test_people_are_read_by_those_who_read_personnel_records(client, make_user, lab, token_for):
    for role, status in [
        ("quality_manager", 200),
        ("auditor", 200),
        ("staff", 403),
        ("admin", 403),
    ]:
        response = client.get("/api/v1/people", headers=bearer(token_for(make_user(role))))
        assert response.status_code == status, role
    # A staff member's token cannot read even their own record here ("my training" can).
    own = client.get(f"/api/v1/people/{lab.alice.id}", headers=bearer(token_for(lab.tech)))
    assert own.status_code == 403


@pytest.mark.parametrize(
    "params",
    [{"job_role": "0"}, {"method": "x"}, {"include_left": "yes"}, {"as_of": "2026-13-01"}],
)
def test_malformed_people_parameters_answer_400(client, lab, token_for, params):
    response = client.get("/api/v1/people", headers=bearer(token_for(lab.qm)), query_string=params)
    assert response.status_code == 400 and response.json["error"] == "BadRequest"


def test_a_page_of_people_costs_the_same_queries_however_many(
    client, lab, token_for, count_queries
):
    secret = token_for(lab.qm)

    def queries() -> int:
        with count_queries() as counter:
            data = _get(client, "/api/v1/people", secret, per_page=50)
        return counter.count, len(data["items"])

    few, shown = queries()
    for n in range(8):
        person = make_person(f"X{n}", name=f"Extra {n}", job_roles=[lab.technician])
        personnel.record_training(
            person, lab.esd, completed_on=TODAY - dt.timedelta(days=5 + n), by=lab.qm
        )
        personnel.import_authorization(
            person,
            lab.method,
            authorized_on=TODAY - dt.timedelta(days=3),
            expires_on=None,
            authorized_by=lab.qm,
        )
    db.session.commit()
    many, shown_now = queries()
    assert shown_now == shown + 8
    assert many == few


# --- equipment --------------------------------------------------------------------------------


def test_equipment_comes_with_its_calibration_status(client, lab, token_for):
    data = _get(client, "/api/v1/equipment", token_for(lab.tech))
    items = {e["asset_id"]: e for e in data["items"]}
    assert list(items) == ["EQ-BAL-01", "EQ-CAL-01", "EQ-MIC-01", "EQ-SEM-01", "EQ-XRF-01"]

    calipers = items["EQ-CAL-01"]
    assert calipers["calibration"]["status"] == "overdue"
    assert calipers["calibration"]["do_not_use"] is True
    assert calipers["calibration"]["in_programme"] is True
    assert calipers["calibration"]["last_calibrated_on"] == _days(-400)
    assert calipers["calibration"]["due_on"] == lab.overdue.calibration_due_on.isoformat()
    assert calipers["calibration"]["days_to_due"] < 0
    assert calipers["custodian"] == {"id": lab.tech.id, "name": "Alice Analyst"}
    assert calipers["methods"] == ["AS6171/2"] and calipers["type"] == "Calipers"
    assert calipers["url"].endswith(f"/equipment/{lab.overdue.id}")

    balance = items["EQ-BAL-01"]
    assert balance["calibration"]["status"] == "due_soon"
    assert balance["intermediate_check"]["last_passed_on"] == _days(-45)
    assert balance["intermediate_check"]["next_due_on"] < TODAY.isoformat()  # overdue check
    assert items["EQ-XRF-01"]["calibration"]["status"] == "ok"
    # A calibration is as good as a check: the next check runs from it.
    assert items["EQ-XRF-01"]["intermediate_check"]["last_passed_on"] is None
    assert items["EQ-XRF-01"]["intermediate_check"]["next_due_on"] > TODAY.isoformat()
    never = items["EQ-SEM-01"]["calibration"]
    assert (never["status"], never["last_calibrated_on"], never["due_on"]) == (
        "missing",
        None,
        None,
    )
    exempt = items["EQ-MIC-01"]["calibration"]
    assert exempt["status"] == "not_required" and exempt["in_programme"] is False


@pytest.mark.parametrize(
    ("params", "assets"),
    [
        ({"q": "xrf"}, ["EQ-XRF-01"]),
        ({"due": "overdue"}, ["EQ-CAL-01"]),
        ({"due": "due_soon"}, ["EQ-BAL-01"]),
        ({"due": "missing"}, ["EQ-SEM-01"]),
        ({"due": "ok"}, ["EQ-XRF-01"]),
        ({"due": "not_required"}, ["EQ-MIC-01"]),
        ({"type": "Balance"}, ["EQ-BAL-01"]),
        ({"location": "Receiving"}, ["EQ-CAL-01"]),
        ({"method": "as6171/2"}, ["EQ-CAL-01"]),
        ({"status": "in_service", "due": "overdue"}, ["EQ-CAL-01"]),
        ({"status": "retired"}, []),
        ({"sort": "due", "due": "overdue"}, ["EQ-CAL-01"]),
    ],
)
def test_equipment_filters_by_the_registers_fields(client, lab, token_for, params, assets):
    data = _get(client, "/api/v1/equipment", token_for(lab.qm), **params)
    assert [e["asset_id"] for e in data["items"]] == assets


def test_equipment_filters_by_custodian_and_sorts_by_due_date(client, lab, token_for):
    secret = token_for(lab.qm)
    mine = _get(client, "/api/v1/equipment", secret, custodian=lab.tech.id)
    assert [e["asset_id"] for e in mine["items"]] == ["EQ-BAL-01", "EQ-CAL-01"]
    by_due = _get(client, "/api/v1/equipment", secret, sort="due")
    # Soonest (most overdue) first; items without a due date last.
    assert [e["asset_id"] for e in by_due["items"]][:3] == ["EQ-CAL-01", "EQ-BAL-01", "EQ-XRF-01"]


def test_one_item_and_a_missing_one(client, lab, token_for):
    secret = token_for(lab.qm)
    one = _get(client, f"/api/v1/equipment/{lab.soon.id}", secret)
    assert one["asset_id"] == "EQ-BAL-01" and one["calibration"]["status"] == "due_soon"
    missing = client.get("/api/v1/equipment/999999", headers=bearer(secret))
    assert missing.status_code == 404 and missing.json["error"] == "NotFound"


def test_equipment_is_read_by_those_who_see_the_register(client, make_user, lab, token_for):
    for role, status in [
        ("quality_manager", 200),
        ("staff", 200),
        ("auditor", 200),
        ("admin", 403),
    ]:
        response = client.get("/api/v1/equipment", headers=bearer(token_for(make_user(role))))
        assert response.status_code == status, role


@pytest.mark.parametrize(
    "params", [{"due": "soon"}, {"status": "broken"}, {"sort": "colour"}, {"custodian": "0"}]
)
def test_malformed_equipment_parameters_answer_400(client, lab, token_for, params):
    response = client.get(
        "/api/v1/equipment", headers=bearer(token_for(lab.qm)), query_string=params
    )
    assert response.status_code == 400 and response.json["error"] == "BadRequest"


def test_a_page_of_equipment_costs_the_same_queries_however_long(
    client, lab, token_for, count_queries
):
    secret = token_for(lab.qm)

    def queries() -> tuple[int, int]:
        with count_queries() as counter:
            data = _get(client, "/api/v1/equipment", secret, per_page=50)
        return counter.count, len(data["items"])

    few, shown = queries()
    for n in range(8):
        item = make_item(
            f"EQ-NEW-{n:02d}", custodian=lab.tech, check_interval_months=2, methods=[lab.method]
        )
        calibrate(item, TODAY - dt.timedelta(days=20 + n))
    many, shown_now = queries()
    assert shown_now == shown + 8
    assert many == few
