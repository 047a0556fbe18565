"""Digest sections from personnel, equipment and CAPA, and staff without a login, against the
real SMTP server: each person is told about their own training, equipment and actions once."""

import datetime as dt

import pytest
from sqlalchemy import update

from compliance.dates import lab_today
from compliance.extensions import db
from compliance.personnel import services as personnel
from compliance.personnel.models import Person
from compliance.reminders import services
from compliance.users import services as users
from tests.api.lab import build_lab
from tests.equipment.helpers import calibrate, make_item
from tests.factories import make_person
from tests.reminders.conftest import PUBLIC

TODAY = lab_today()


@pytest.fixture
def lab(make_user):
    qm = make_user("quality_manager", name="Quinn Manager", email="qm@lab.example")
    tech = make_user("staff", name="Alice Analyst", email="alice@lab.example")
    make_user("auditor", email="auditor@lab.example")
    return build_lab(qm, tech, TODAY)


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def _day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def test_a_technician_hears_of_their_training_equipment_and_actions(app, smtp, lab):
    services.run_reminders(TODAY)
    (mail,) = smtp.to("alice@lab.example")
    text = _text(mail)

    assert "YOUR TRAINING: EXPIRED, MISSING OR EXPIRING (2, 1 missing)" in text
    assert f"- ESD-101: ESD awareness expires (due {_day(15)})" in text
    assert "[MISSING] TM-AS6171-2 (Rev A): External visual inspection: no training" in text
    assert "SAFE-1" not in text  # current: nothing to do
    assert f"{PUBLIC}/personnel/me" in text

    assert (
        "CALIBRATIONS AND INTERMEDIATE CHECKS OF EQUIPMENT IN YOUR CUSTODY (3, 2 overdue)" in text
    )
    calipers_due = lab.overdue.calibration_due_on
    assert (
        f"[OVERDUE] EQ-CAL-01 Test instrument EQ-CAL-01: calibration overdue - do not use "
        f"(due {calipers_due})" in text
    )
    assert "[OVERDUE] EQ-BAL-01 Test instrument EQ-BAL-01: intermediate check overdue" in text
    assert (
        "- EQ-BAL-01 Test instrument EQ-BAL-01: calibration due "
        f"(due {lab.soon.calibration_due_on})" in text
    )
    assert f"{PUBLIC}/equipment/{lab.overdue.id}" in text
    assert "EQ-XRF-01" not in text  # the quality manager's, and not due

    assert "CORRECTIVE ACTIONS YOU OWN (2, 1 overdue)" in text
    reference = lab.late_action.nonconformity.reference
    assert f"[OVERDUE] {reference}: Recall the calipers (due {_day(-3)})" in text
    assert f"- {reference}: Train custodians on due dates (due {_day(10)})" in text
    assert f"{PUBLIC}/nonconformities/{lab.late_action.nonconformity_id}" in text

    # The HTML part holds the same links, urgent flags in red.
    html = _html(mail)
    assert f'<a href="{PUBLIC}/equipment/{lab.overdue.id}">' in html
    assert '<strong style="color: #b02a37;">MISSING</strong>' in html
    assert "7 items to act on, 4 urgent" in mail["Subject"]


def test_the_quality_manager_gets_the_lab_findings_not_others_work(app, smtp, lab):
    services.run_reminders(TODAY)
    text = _text(smtp.to("qm@lab.example")[0])
    assert "THE LAB'S OPEN FINDINGS" in text
    assert f"[BLOCKER] CA-OVERDUE (8.7.1): Corrective action #{lab.late_action.id}" in text
    # Their own sections only: no staff record, no item of theirs due, no action of theirs.
    for section in ("YOUR TRAINING", "EQUIPMENT IN YOUR CUSTODY", "CORRECTIVE ACTIONS YOU OWN"):
        assert section not in text


def test_staff_without_a_login_get_their_digest_at_their_staff_address(app, smtp, lab):
    result = services.run_reminders(TODAY)
    assert "bob.bench@lab.test" in result.sent
    (mail,) = smtp.to("bob.bench@lab.test")
    assert "Bob Bench" in mail["To"]
    text = _text(mail)
    assert "Hello Bob Bench," in text
    assert "YOUR TRAINING: EXPIRED, MISSING OR EXPIRING (2, 1 expired, 1 missing)" in text
    assert f"[EXPIRED] ESD-101: ESD awareness expired (due {_day(-35)})" in text
    assert "[MISSING] SAFE-1: Lab safety: no training on record" in text
    # No login: no links to pages they cannot open, and nobody else's business.
    assert "/personnel/me" not in text and "/account/reminders" not in text
    assert "Ask your quality manager" in text
    assert "EQUIPMENT" not in text and "CORRECTIVE" not in text and "FINDINGS" not in text
    # Leavers and people with nothing to do get nothing; the auditor neither.
    assert smtp.to("carl@lab.test") == [] and smtp.to("auditor@lab.example") == []
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp.messages) == [
        "alice@lab.example",
        "bob.bench@lab.test",
        "qm@lab.example",
    ]
    # Once a day for them too.
    again = services.run_reminders(TODAY)
    assert "bob.bench@lab.test" in again.skipped and len(smtp.to("bob.bench@lab.test")) == 1


def test_a_staff_record_linked_to_a_login_makes_one_digest_at_the_logins_address(app, smtp, lab):
    db.session.execute(
        update(Person).where(Person.id == lab.alice.id).values(email="alice@home.example")
    )
    db.session.commit()
    result = services.run_reminders(TODAY)
    assert "alice@home.example" not in result.sent and smtp.to("alice@home.example") == []
    (mail,) = smtp.to("alice@lab.example")
    text = _text(mail)
    # Both halves in one digest: the staff record's training and the login's actions.
    assert "YOUR TRAINING" in text and "CORRECTIVE ACTIONS YOU OWN" in text


def test_a_deactivated_login_falls_back_to_the_staff_address(app, smtp, lab, make_user):
    users.deactivate_user(lab.tech, by=make_user("admin"), reason="moved to sales")
    db.session.commit()
    services.run_reminders(TODAY)
    # Still working here: told about their training at the staff record's address, as
    # someone without a login (no links to pages they can no longer open).
    (mail,) = smtp.to(lab.alice.email)
    text = _text(mail)
    assert "YOUR TRAINING" in text and "CORRECTIVE ACTIONS" not in text
    assert "/personnel/me" not in text and "Ask your quality manager" in text


def test_the_run_costs_the_same_queries_however_many_staff_and_items(app, smtp, lab, count_queries):
    def queries() -> tuple[int, int]:
        with count_queries() as counter:
            result = services.run_reminders(TODAY, dry_run=True)
        return counter.count, sum(o.item_count for o in result.outgoing)

    few, items = queries()
    for n in range(6):
        person = make_person(
            f"X{n}", name=f"Extra {n}", email=f"extra{n}@lab.test", job_roles=[lab.technician]
        )
        personnel.record_training(
            person, lab.esd, completed_on=_day(-360), expires_on=_day(5), by=lab.qm
        )
        item = make_item(f"EQ-NEW-{n:02d}", custodian=lab.tech, check_interval_months=1)
        calibrate(item, _day(-370))
    db.session.commit()
    many, more_items = queries()
    assert more_items > items + 6 * 3
    assert many == few


def test_the_settings_page_previews_the_new_sections(client, auth, lab):
    auth.login("alice@lab.example")
    page = client.get("/account/reminders").text
    assert "Your training: expired, missing or expiring" in page
    assert "EQ-CAL-01" in page and "Recall the calipers" in page
