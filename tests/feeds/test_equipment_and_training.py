"""Calibration, intermediate-check and training-expiry events: the lab-wide calendar for the
quality manager, each custodian's own items, each person's own training."""

import datetime as dt

import pytest
from icalendar import Calendar

from compliance.dates import lab_today
from compliance.equipment import services as equipment
from tests.api.lab import build_lab
from tests.feeds.test_feeds import _events, _feed_url

TODAY = lab_today()


@pytest.fixture
def lab(make_user):
    qm = make_user("quality_manager", name="Quinn Manager")
    tech = make_user("staff", name="Alice Analyst", email="alice@lab.test")
    return build_lab(qm, tech, TODAY)


def _calendar_events(client, url) -> list:
    response = client.get(url)
    assert response.status_code == 200
    return list(Calendar.from_ical(response.data).walk("VEVENT"))


def test_the_quality_manager_sees_every_calibration_and_check(client, auth, lab):
    url = _feed_url(auth, lab.qm)
    events = _events(client.get(url))
    assert events["Calibration due: EQ-CAL-01"]["day"] == lab.overdue.calibration_due_on
    assert events["Calibration due: EQ-BAL-01"]["day"] == lab.soon.calibration_due_on
    assert events["Calibration due: EQ-XRF-01"]["day"] == lab.fine.calibration_due_on
    assert events["Intermediate check due: EQ-BAL-01"]["day"] == equipment.next_check_on(lab.soon)
    assert events["Intermediate check due: EQ-XRF-01"]["day"] == equipment.next_check_on(lab.fine)
    assert events["Calibration due: EQ-CAL-01"]["url"].endswith(f"/equipment/{lab.overdue.id}")
    # Never calibrated (no date to show) and exempt items have no event; nor does training,
    # the quality manager having no staff record here.
    assert not any("EQ-SEM-01" in s or "EQ-MIC-01" in s for s in events)
    assert not any(s.startswith("Training expires") for s in events)

    # The XRF is also the quality manager's own: one event, not two.
    vevents = _calendar_events(client, url)
    xrf = [e for e in vevents if str(e["SUMMARY"]) == "Calibration due: EQ-XRF-01"]
    assert len(xrf) == 1
    assert [str(c) for c in xrf[0].get("CATEGORIES").cats] == ["Calibration"]
    # All-day events (VALUE=DATE), not moments in time.
    assert isinstance(xrf[0].decoded("DTSTART"), dt.date)
    assert not isinstance(xrf[0].decoded("DTSTART"), dt.datetime)
    assert "custodian Quinn Manager" in str(xrf[0]["DESCRIPTION"])


def test_a_custodian_sees_their_own_items_and_their_training_expiry(client, auth, lab):
    events = _events(client.get(_feed_url(auth, lab.tech)))
    assert events["Calibration due: EQ-CAL-01"]["day"] == lab.overdue.calibration_due_on
    assert events["Calibration due: EQ-BAL-01"]["day"] == lab.soon.calibration_due_on
    assert events["Intermediate check due: EQ-BAL-01"]["day"] == equipment.next_check_on(lab.soon)
    assert not any("EQ-XRF-01" in summary for summary in events)  # not in their custody

    esd = events["Training expires: ESD-101"]
    assert esd["day"] == TODAY + dt.timedelta(days=15)
    assert esd["url"].endswith("/personnel/me")
    # Training without an expiry (lab safety) and missing training have no date.
    assert [s for s in events if s.startswith("Training expires")] == ["Training expires: ESD-101"]


def test_staff_with_no_custody_and_no_staff_record_see_neither(client, auth, lab, make_user):
    events = _events(client.get(_feed_url(auth, make_user("staff"))))
    assert not any(s.startswith(("Calibration", "Intermediate", "Training")) for s in events)
