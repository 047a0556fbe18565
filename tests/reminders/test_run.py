"""The reminder run against a real SMTP server: digest content per role, once per period,
failures logged and retried, every run audited."""

import datetime as dt

import pytest
from sqlalchemy import select, update

from compliance.audit.models import AuditEntry
from compliance.dates import lab_today
from compliance.db import utcnow
from compliance.documents.models import AcknowledgementTask
from compliance.extensions import db
from compliance.reminders import services
from compliance.reminders.collectors import COLLECTORS, collector
from compliance.reminders.models import ReminderSend
from tests.factories import effective_document
from tests.reminders.conftest import PUBLIC, Inbox, SmtpServer, mail_config

TODAY = lab_today()


@pytest.fixture
def lab(make_user):
    """A quality manager owning an overdue review, a technician with two reading tasks (one
    overdue), and people with nothing to do."""
    qm = make_user("quality_manager", name="Quinn Manager", email="qm@lab.example")
    staff = make_user("staff", name="Sam Staff", email="sam@lab.example")
    auditor = make_user("auditor", email="auditor@lab.example")
    admin = make_user("admin", email="admin@lab.example")
    old, _ = effective_document(
        qm, number="QP-8.3-01", title="Document control", effective_days_ago=740
    )
    wi, wi_rev = effective_document(qm, number="WI-7.4-01", title="Item handling")
    tm, tm_rev = effective_document(qm, number="TM-AS6171-2", title="Visual inspection")
    db.session.add_all(
        [
            AcknowledgementTask(
                revision_id=wi_rev.id, user_id=staff.id, due_on=TODAY - dt.timedelta(days=2)
            ),
            AcknowledgementTask(
                revision_id=tm_rev.id, user_id=staff.id, due_on=TODAY + dt.timedelta(days=9)
            ),
        ]
    )
    db.session.commit()
    return {
        "qm": qm,
        "staff": staff,
        "auditor": auditor,
        "admin": admin,
        "old": old,
        "wi_rev": wi_rev,
    }


def _parts(message) -> tuple[str, str]:
    return (
        message.get_body(preferencelist=("plain",)).get_content(),
        message.get_body(preferencelist=("html",)).get_content(),
    )


def _sends() -> list[ReminderSend]:
    return list(db.session.scalars(select(ReminderSend).order_by(ReminderSend.recipient)))


def _runs() -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "reminders.run").order_by(AuditEntry.seq)
        )
    )


def test_each_person_gets_one_digest_of_their_own_work(app, smtp, lab):
    result = services.run_reminders(TODAY)
    assert sorted(result.sent) == ["qm@lab.example", "sam@lab.example"]
    assert result.nothing_to_do == 2  # the auditor and the admin: no e-mail at all
    assert len(smtp.messages) == 2

    (staff_mail,) = smtp.to("sam@lab.example")
    assert staff_mail["From"] == "Compliance <compliance@lab.example>"
    assert staff_mail["Auto-Submitted"] == "auto-generated"
    assert staff_mail.get_content_type() == "multipart/alternative"
    assert "2 items to act on, 1 urgent" in staff_mail["Subject"]
    text, html = _parts(staff_mail)
    assert "DOCUMENTS TO READ AND ACKNOWLEDGE (2, 1 overdue)" in text
    assert f"[OVERDUE] WI-7.4-01 Rev A: Item handling (due {TODAY - dt.timedelta(days=2)})" in text
    assert f"{PUBLIC}/revisions/{lab['wi_rev'].id}" in text
    assert f'<a href="{PUBLIC}/revisions/{lab["wi_rev"].id}">' in html
    assert "FINDINGS" not in text and "PERIODIC REVIEWS" not in text
    assert f"Choose at {PUBLIC}/account/reminders" in text

    (qm_mail,) = smtp.to("qm@lab.example")
    text, html = _parts(qm_mail)
    assert "PERIODIC REVIEWS OF DOCUMENTS YOU OWN (1, 1 overdue)" in text
    assert "[OVERDUE] QP-8.3-01: Document control" in text
    assert f"{PUBLIC}/documents/{lab['old'].id}" in text
    assert "THE LAB'S OPEN FINDINGS" in text
    assert "[BLOCKER] DOC-REVIEW-OVERDUE (8.3.2 b): QP-8.3-01" in text
    assert "DOCUMENTS TO READ" not in text  # the QM has no reading task
    # Long lists are cut, with a link to the page holding the rest.
    assert f"more: {PUBLIC}/readiness" in text and "more</a>" in html


def test_a_second_run_the_same_day_sends_nothing(app, smtp, lab):
    services.run_reminders(TODAY)
    again = services.run_reminders(TODAY)
    assert again.sent == [] and sorted(again.skipped) == ["qm@lab.example", "sam@lab.example"]
    assert len(smtp.messages) == 2
    assert [(s.recipient, s.period, s.status) for s in _sends()] == [
        ("qm@lab.example", TODAY.isoformat(), "sent"),
        ("sam@lab.example", TODAY.isoformat(), "sent"),
    ]
    # The next day is a new period.
    services.run_reminders(TODAY + dt.timedelta(days=1))
    assert len(smtp.messages) == 4


def test_weekly_digests_go_out_once_a_week_on_the_chosen_day(app, smtp, lab):
    services.set_preference(lab["staff"], frequency="weekly", weekday=2)  # Wednesday
    db.session.commit()
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    for day, expected in [(0, 0), (2, 1), (3, 1), (6, 1), (7, 1), (9, 2), (10, 2)]:
        result = services.run_reminders(monday + dt.timedelta(days=day))
        assert len(smtp.to("sam@lab.example")) == expected, day
        if day in (0, 7):
            assert result.not_due == ["sam@lab.example"]
    periods = [s.period for s in _sends() if s.recipient == "sam@lab.example"]
    year, week, _ = (monday + dt.timedelta(days=2)).isocalendar()
    assert periods[0] == f"{year}-W{week:02d}" and len(periods) == 2
    # A missed weekday is caught up by the next run of the week.
    services.set_preference(lab["staff"], frequency="weekly", weekday=0)
    db.session.commit()
    services.run_reminders(monday + dt.timedelta(days=15))  # a Tuesday, Monday's run missed
    assert len(smtp.to("sam@lab.example")) == 3


def test_a_dry_run_sends_and_records_nothing(app, smtp, lab):
    result = services.run_reminders(TODAY, dry_run=True)
    assert sorted(o.email for o in result.outgoing) == ["qm@lab.example", "sam@lab.example"]
    assert "DOCUMENTS TO READ AND ACKNOWLEDGE" in next(
        o.text for o in result.outgoing if o.email == "sam@lab.example"
    )
    assert smtp.messages == [] and _sends() == [] and _runs() == []


def test_every_run_is_in_the_audit_trail(app, smtp, lab):
    services.run_reminders(TODAY)
    services.run_reminders(TODAY)
    first, second = _runs()
    assert first.entity_key == TODAY.isoformat() and first.actor_label == "system"
    assert first.changes["sent"] == [None, 2] and first.changes["failed"] == [None, []]
    assert second.changes["sent"] == [None, 0] and second.changes["already_sent"] == [None, 2]


def test_an_unreachable_server_fails_the_run_gently_and_the_next_run_retries(app, no_smtp, lab):
    result = services.run_reminders(TODAY)  # nothing listens on the port
    assert result.sent == []
    assert sorted(email for email, _ in result.failed) == ["qm@lab.example", "sam@lab.example"]
    assert all("SMTP server unavailable" in error for _, error in result.failed)
    assert [(s.status, s.attempts) for s in _sends()] == [("failed", 1), ("failed", 1)]
    assert _sends()[0].last_error.startswith("SMTP server unavailable")
    (run,) = _runs()
    assert run.changes["failed"] == [None, ["qm@lab.example", "sam@lab.example"]]

    with SmtpServer(Inbox()) as server:
        app.config.update(mail_config(server.port))
        retry = services.run_reminders(TODAY)
    assert sorted(retry.sent) == ["qm@lab.example", "sam@lab.example"]
    assert len(server.inbox.messages) == 2
    assert [(s.status, s.attempts, s.last_error) for s in _sends()] == [
        ("sent", 2, None),
        ("sent", 2, None),
    ]


def test_a_server_that_refuses_the_message_is_retried_next_run(app, smtp, lab):
    smtp.refuse = "451 4.3.0 Mail server temporarily rejected message"
    result = services.run_reminders(TODAY)
    assert len(result.failed) == 2 and all("451" in error for _, error in result.failed)
    assert smtp.messages == []
    smtp.refuse = None
    retry = services.run_reminders(TODAY)
    assert len(retry.sent) == 2 and len(smtp.messages) == 2
    # Once sent, a third run leaves it alone.
    assert services.run_reminders(TODAY).sent == [] and len(smtp.messages) == 2


def test_one_refused_address_does_not_hold_up_the_others(app, smtp, lab):
    smtp.refuse_rcpt = {"sam@lab.example"}
    result = services.run_reminders(TODAY)
    assert result.sent == ["qm@lab.example"]
    ((email, error),) = result.failed
    assert email == "sam@lab.example" and "550" in error


def test_a_send_in_progress_elsewhere_is_left_alone_unless_abandoned(app, smtp, lab):
    db.session.add(
        ReminderSend(
            recipient="sam@lab.example",
            period=TODAY.isoformat(),
            status="sending",
            subject="claimed by another run",
            claimed_at=utcnow(),
        )
    )
    db.session.commit()
    result = services.run_reminders(TODAY)
    assert result.skipped == ["sam@lab.example"] and smtp.to("sam@lab.example") == []
    # A claim whose run died long ago is taken back.
    db.session.execute(update(ReminderSend).values(claimed_at=utcnow() - dt.timedelta(hours=2)))
    db.session.commit()
    assert services.run_reminders(TODAY).sent == ["sam@lab.example"]
    assert len(smtp.to("sam@lab.example")) == 1


def test_a_broken_collector_costs_one_digest_not_the_run(app, smtp, lab, monkeypatch):
    def fragile(recipient, ctx):
        if recipient.email == "sam@lab.example":
            raise RuntimeError("boom")
        return []

    collector("fragile", "Fragile")(fragile)
    try:
        result = services.run_reminders(TODAY)
    finally:
        COLLECTORS.pop("fragile")
    assert result.sent == ["qm@lab.example"]
    assert result.failed == [("sam@lab.example", "could not assemble: boom")]


def test_the_unique_key_decides_between_two_claims(app, lab):
    outgoing = services.Outgoing(
        email="sam@lab.example",
        name="Sam Staff",
        user_id=lab["staff"].id,
        period=TODAY.isoformat(),
        subject="s",
        text="t",
        html="h",
        item_count=1,
    )
    first = services._claim(outgoing)
    assert first is not None
    assert services._claim(outgoing) is None  # the INSERT hits the unique key: taken
    (row,) = _sends()
    assert (row.id, row.status) == (first, "sending")
