"""The preference page and `flask remind`."""

import datetime as dt

from sqlalchemy import select

from compliance.dates import lab_today
from compliance.documents.models import AcknowledgementTask
from compliance.extensions import db
from compliance.reminders.models import ReminderPreference, ReminderSend
from tests.factories import effective_document


def _task_for(user):
    _, revision = effective_document(user, number="WI-7.4-01", title="Item handling")
    db.session.add(
        AcknowledgementTask(
            revision_id=revision.id, user_id=user.id, due_on=lab_today() - dt.timedelta(days=1)
        )
    )
    db.session.commit()


def test_the_page_saves_weekly_and_previews_the_next_digest(client, auth, make_user):
    staff = make_user("staff")
    _task_for(staff)
    auth.login(staff.email)
    page = client.get("/account/reminders")
    assert page.status_code == 200
    assert "Documents to read and acknowledge" in page.text and "WI-7.4-01 Rev A" in page.text
    assert "overdue" in page.text and "sent daily" in page.text
    saved = auth.post(
        "/account/reminders", {"frequency": "weekly", "weekday": "4"}, follow_redirects=True
    )
    assert "your digest now comes weekly, on Friday" in saved.text
    preference = db.session.get(ReminderPreference, staff.id)
    assert (preference.frequency, preference.weekday) == ("weekly", 4)
    refused = auth.post("/account/reminders", {"frequency": "hourly", "weekday": "4"})
    assert refused.status_code == 200 and "not a valid choice" in refused.text.lower()


def test_nothing_to_do_means_no_email(client, auth, make_user):
    auditor = make_user("auditor")
    auth.login(auditor.email)
    assert "no e-mail would be sent" in client.get("/account/reminders").text


def test_remind_dry_run_prints_the_digests(app, make_user):
    staff = make_user("staff", email="sam@lab.example", name="Sam Staff")
    _task_for(staff)
    result = app.test_cli_runner().invoke(args=["remind", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "=== To: Sam Staff <sam@lab.example>" in result.output
    assert "[OVERDUE] WI-7.4-01 Rev A: Item handling" in result.output
    assert "would send 1, failed 0" in result.output
    assert db.session.scalar(select(ReminderSend)) is None


def test_remind_sends_and_reports(app, smtp, make_user):
    _task_for(make_user("staff", email="sam@lab.example"))
    as_of = (lab_today() + dt.timedelta(days=3)).isoformat()
    result = app.test_cli_runner().invoke(args=["remind", "--as-of", as_of])
    assert result.exit_code == 0, result.output
    assert (
        "sent       sam@lab.example" in result.output and f"as of {as_of}: sent 1" in result.output
    )
    assert len(smtp.messages) == 1


def test_remind_reports_failures_without_crashing(app, no_smtp, make_user):
    _task_for(make_user("staff", email="sam@lab.example"))
    result = app.test_cli_runner().invoke(args=["remind"])
    assert result.exit_code == 0
    assert "FAILED     sam@lab.example: SMTP server unavailable" in result.output
    assert "(retried next run)" in result.output


def test_remind_refuses_a_bad_date(app):
    result = app.test_cli_runner().invoke(args=["remind", "--as-of", "31/03/2026"])
    assert result.exit_code == 2 and "expected a date like" in result.output
