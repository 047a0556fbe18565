"""PT due arithmetic, grading, report files, and the nonconformity of an unsatisfactory result."""

import datetime as dt

import pytest
from sqlalchemy import select

from compliance.audit.models import AuditEntry
from compliance.capa.models import Nonconformity
from compliance.dates import lab_today
from compliance.extensions import db
from compliance.files.services import load_bytes
from compliance.proficiency import services
from compliance.proficiency.services import pt_due_on, pt_status, result_from_z
from compliance.quality.rules import QualityError
from compliance.scope import services as scope
from compliance.scope.models import Method
from compliance.uploads.errors import UploadRejected
from tests.factories import make_pdf


def method(interval, since=dt.date(2024, 1, 31)):
    return Method(code="AS6171/3", title="XRF", pt_interval_months=interval, in_scope_since=since)


@pytest.mark.parametrize(
    ("interval", "last", "due"),
    [
        (12, dt.date(2025, 3, 15), dt.date(2026, 3, 15)),
        (6, dt.date(2025, 8, 31), dt.date(2026, 2, 28)),  # clamped to the month's end
        (12, dt.date(2024, 2, 29), dt.date(2025, 2, 28)),  # leap day, next year
        (24, dt.date(2024, 2, 29), dt.date(2026, 2, 28)),
        (1, dt.date(2026, 1, 31), dt.date(2026, 2, 28)),
        (18, dt.date(2025, 11, 30), dt.date(2027, 5, 30)),
    ],
)
def test_next_round_is_due_one_interval_after_the_last(interval, last, due):
    assert pt_due_on(method(interval), last) == due


def test_first_round_is_due_one_interval_after_joining_the_scope():
    assert pt_due_on(method(12, since=dt.date(2024, 1, 31)), None) == dt.date(2025, 1, 31)
    assert pt_due_on(method(1, since=dt.date(2024, 1, 31)), None) == dt.date(2024, 2, 29)


def test_no_interval_means_no_due_date():
    assert pt_due_on(method(None), dt.date(2025, 1, 1)) is None


@pytest.mark.parametrize(
    ("z", "result"),
    [
        (0.0, "satisfactory"),
        (-2.0, "satisfactory"),
        (2.0, "satisfactory"),
        (2.01, "questionable"),
        (-2.99, "questionable"),
        (3.0, "unsatisfactory"),
        (-4.2, "unsatisfactory"),
    ],
)
def test_z_score_bands(z, result):
    assert result_from_z(z).value == result


def test_status_on_a_date_counts_only_rounds_by_then(ctx, qm):
    xrf = scope.create_method(
        code="AS6171/3",
        title="XRF",
        pt_interval_months=12,
        in_scope_since=dt.date(2020, 1, 1),
        by=qm,
    )
    services.record_event(
        xrf,
        provider="P",
        round="1",
        performed_on=dt.date(2021, 6, 30),
        result="satisfactory",
        by=qm,
    )
    services.record_event(
        xrf,
        provider="P",
        round="2",
        performed_on=dt.date(2022, 6, 1),
        result="satisfactory",
        by=qm,
    )
    # Before round 1: due a year after joining the scope, and overdue.
    (early,) = pt_status([xrf], dt.date(2021, 6, 1), warning_days=30)
    assert (early.last, early.due_on, early.state) == (None, dt.date(2021, 1, 1), "overdue")
    (between,) = pt_status([xrf], dt.date(2022, 6, 1), warning_days=30)
    assert (between.last.round, between.due_on, between.state) == (
        "2",
        dt.date(2023, 6, 1),
        "current",
    )
    (soon,) = pt_status([xrf], dt.date(2023, 5, 10), warning_days=30)
    assert soon.state == "due soon"
    (late,) = pt_status([xrf], dt.date(2023, 6, 2), warning_days=30)
    assert late.state == "overdue"


def test_unsatisfactory_result_opens_a_nonconformity(ctx, qm):
    xrf = scope.create_method(code="AS6171/3", title="XRF", pt_interval_months=12, by=qm)
    event = services.record_event(
        xrf,
        provider="Sentinel PT",
        scheme="XRF finishes",
        round="XRF-9",
        performed_on=lab_today(),
        result="unsatisfactory",
        z_score=-3.4,
        by=qm,
    )
    nc = event.nonconformity
    assert nc is not None and nc.source == "pt" and nc.source_id == event.id
    assert nc.method_id == xrf.id and nc.clause_number == "7.7.2" and nc.risk == "high"
    assert "z = -3.4" in nc.description and nc.status == "open"
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity_key.in_(["AS6171/3", nc.reference]))
    ).all()
    assert "pt_event.recorded" in actions and "nonconformity.raised" in actions
    # A satisfactory or questionable result opens nothing.
    for result in ("satisfactory", "questionable"):
        other = services.record_event(
            xrf, provider="P", round=result, performed_on=lab_today(), result=result, by=qm
        )
        assert other.nonconformity is None
    assert db.session.scalar(select(db.func.count()).select_from(Nonconformity)) == 1


def test_report_file_is_stored_unchanged_and_bad_files_refused(ctx, qm):
    xrf = scope.create_method(code="AS6171/3", title="XRF", by=qm)
    pdf = make_pdf()
    event = services.record_event(
        xrf,
        provider="P",
        round="1",
        performed_on=lab_today(),
        result="satisfactory",
        report_data=pdf,
        report_filename="report.pdf",
        by=qm,
    )
    assert load_bytes(event.report_sha256) == pdf
    with pytest.raises(UploadRejected):
        services.record_event(
            xrf,
            provider="P",
            round="2",
            performed_on=lab_today(),
            result="satisfactory",
            report_data=b"MZ\x90\x00 not a pdf",
            report_filename="report.pdf",
            by=qm,
        )


def test_refusals(ctx, qm):
    xrf = scope.create_method(code="AS6171/3", title="XRF", by=qm)
    common = {"provider": "P", "round": "1", "by": qm}
    with pytest.raises(QualityError, match="before it took place"):
        services.record_event(
            xrf, performed_on=lab_today() + dt.timedelta(days=1), result="satisfactory", **common
        )
    with pytest.raises(QualityError, match="Unknown PT result"):
        services.record_event(xrf, performed_on=lab_today(), result="great", **common)
    with pytest.raises(QualityError, match="between 1 and 120"):
        services.set_interval(xrf, 0, by=qm)
    services.set_interval(xrf, 18, by=qm, reason="Scheme runs every 18 months")
    assert xrf.pt_interval_months == 18
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "method.pt_interval_set")
    ).one()
    assert entry.changes == {"pt_interval_months": [None, 18]}
    assert entry.reason == "Scheme runs every 18 months"
