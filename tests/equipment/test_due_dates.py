"""The calibration due-date rule (compliance/equipment/services.py: calibration_due_on)."""

import datetime as dt

import pytest

from compliance.equipment.services import calibration_due_on, calibration_status, check_due_on

D = dt.date


@pytest.mark.parametrize(
    ("calibrated_on", "months", "due"),
    [
        (D(2026, 3, 15), 12, D(2027, 3, 15)),  # the plain case
        (D(2026, 1, 31), 1, D(2026, 2, 28)),  # month end clamps to the shorter month
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # ... and to 29 February in a leap year
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2026, 5, 31), 1, D(2026, 6, 30)),
        (D(2028, 2, 29), 12, D(2029, 2, 28)),  # a leap day + 1 year is 28 February
        (D(2028, 2, 29), 48, D(2032, 2, 29)),  # ... + 4 years is a leap day again
        (D(2027, 2, 28), 12, D(2028, 2, 28)),  # not pushed to the leap day
        (D(2026, 12, 15), 1, D(2027, 1, 15)),  # across the year end
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2026, 4, 30), 24, D(2028, 4, 30)),
    ],
)
def test_due_date_is_calendar_months_after_the_calibration(calibrated_on, months, due):
    assert calibration_due_on(calibrated_on, months) == due


def test_a_due_date_stated_on_the_certificate_wins_over_the_interval():
    stated = D(2026, 9, 1)
    assert calibration_due_on(D(2026, 3, 15), 12, stated) == stated
    assert calibration_due_on(D(2026, 3, 15), None, stated) == stated


def test_no_interval_and_no_stated_date_means_no_due_date():
    assert calibration_due_on(D(2026, 3, 15), None) is None


def test_intermediate_check_due_counts_from_the_later_of_check_and_calibration():
    assert check_due_on(1, D(2026, 1, 31), D(2025, 12, 1)) == D(2026, 2, 28)
    assert check_due_on(3, D(2026, 1, 10), D(2026, 2, 1)) == D(2026, 5, 1)
    assert check_due_on(3, None, None) is None
    assert check_due_on(None, D(2026, 1, 10), None) is None


@pytest.mark.parametrize(
    ("due", "state", "label"),
    [
        (D(2026, 6, 9), "overdue", "overdue - do not use"),
        (D(2026, 6, 10), "due_soon", "due today"),
        (D(2026, 6, 11), "due_soon", "due in 1 day"),
        (D(2026, 7, 10), "due_soon", "due in 30 days"),
        (D(2026, 7, 11), "ok", "calibrated"),
    ],
)
def test_status_from_the_due_date_and_the_window(due, state, label):
    status = calibration_status(
        status="in_service",
        calibration_required=True,
        due_on=due,
        has_calibration=True,
        today=D(2026, 6, 10),
        window_days=30,
    )
    assert (status.state, status.label) == (state, label)
    assert status.do_not_use == (state == "overdue")
    assert status.days_to_due == (due - D(2026, 6, 10)).days


def test_past_due_is_do_not_use_whatever_the_register_status_but_retired_leaves_the_programme():
    common = {"due_on": D(2026, 1, 1), "has_calibration": True, "today": D(2026, 6, 10)}
    quarantined = calibration_status(
        status="quarantined", calibration_required=True, window_days=30, **common
    )
    assert quarantined.label == "overdue - do not use"
    retired = calibration_status(
        status="retired", calibration_required=True, window_days=30, **common
    )
    assert retired.state == "retired" and not retired.do_not_use
    never = calibration_status(
        status="in_service",
        calibration_required=True,
        due_on=None,
        has_calibration=False,
        today=D(2026, 6, 10),
        window_days=30,
    )
    assert never.label == "not calibrated - do not use"
