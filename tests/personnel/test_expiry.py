"""Expiry arithmetic: retraining intervals across month ends and leap days, and cell status."""

import datetime as dt

import pytest

from compliance.personnel import services
from compliance.personnel.matrix import DUE_SOON_DAYS, CellStatus, status_of
from tests.factories import make_person
from tests.personnel.conftest import TODAY

D = dt.date


@pytest.mark.parametrize(
    ("completed", "months", "expected"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # month end into a leap February
        (D(2023, 1, 31), 1, D(2023, 2, 28)),  # ... and a common one
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # a leap day a year on
        (D(2024, 2, 29), 48, D(2028, 2, 29)),  # ... and four years on
        (D(2024, 8, 31), 6, D(2025, 2, 28)),
        (D(2024, 3, 31), 1, D(2024, 4, 30)),  # 31st into a 30-day month
        (D(2023, 12, 15), 12, D(2024, 12, 15)),
        (D(2025, 11, 30), 3, D(2026, 2, 28)),  # across a year end to a short month
    ],
)
def test_expiry_from_the_retraining_interval(lab, completed, months, expected):
    lab.esd.retrain_interval_months = months
    assert services.expiry_for(lab.esd, completed) == expected


def test_stored_expiry_comes_from_the_interval_unless_given(lab):
    person = make_person("E1", job_roles=[lab.technician])
    computed = services.record_training(person, lab.esd, completed_on=D(2025, 1, 31), by=lab.qm)
    given = services.record_training(
        person, lab.esd, completed_on=D(2025, 3, 31), expires_on=D(2025, 12, 31), by=lab.qm
    )
    never = services.record_training(person, lab.safety, completed_on=D(2025, 1, 31), by=lab.qm)
    assert computed.expires_on == D(2026, 1, 31)
    assert given.expires_on == D(2025, 12, 31)
    assert never.expires_on is None


def test_expiry_before_completion_and_future_completion_are_refused(lab):
    person = make_person("E1", job_roles=[lab.technician])
    with pytest.raises(services.PersonnelError, match="before the completion date"):
        services.record_training(
            person, lab.esd, completed_on=D(2025, 6, 1), expires_on=D(2025, 5, 31), by=lab.qm
        )
    with pytest.raises(services.PersonnelError, match="in the future"):
        services.record_training(
            person, lab.esd, completed_on=TODAY + dt.timedelta(days=1), by=lab.qm
        )


@pytest.mark.parametrize(
    ("expires_in_days", "status"),
    [
        (None, CellStatus.CURRENT),
        (DUE_SOON_DAYS + 1, CellStatus.CURRENT),
        (DUE_SOON_DAYS, CellStatus.DUE),
        (1, CellStatus.DUE),
        (0, CellStatus.DUE),  # valid through its expiry date
        (-1, CellStatus.EXPIRED),
    ],
)
def test_status_boundaries(expires_in_days, status):
    expires = None if expires_in_days is None else TODAY + dt.timedelta(days=expires_in_days)
    assert status_of(expires, TODAY) is status
