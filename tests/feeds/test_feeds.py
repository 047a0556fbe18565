"""Calendar feeds: a private, revocable URL per person; valid iCalendar with the right events."""

import datetime as dt
import hashlib
import re

import pytest
from icalendar import Calendar
from sqlalchemy import select

from compliance.audit.models import AuditEntry
from compliance.dates import lab_today
from compliance.documents.models import AcknowledgementTask
from compliance.documents.services import next_review_on
from compliance.extensions import db
from compliance.feeds import services
from compliance.feeds.models import CalendarFeedToken
from compliance.users import services as users
from tests.factories import effective_document

URL_RE = re.compile(r'id="feed-url">(http[^<]+)<')


def _events(response) -> dict[str, dict]:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    events = {}
    for event in calendar.walk("VEVENT"):
        for required in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
            assert required in event, required
        events[str(event["SUMMARY"])] = {
            "uid": str(event["UID"]),
            "day": event.decoded("DTSTART"),
            "url": str(event.get("URL", "")),
        }
    return events


@pytest.fixture
def people(make_user):
    qm = make_user("quality_manager", name="Quinn Manager")
    staff = make_user("staff", name="Sam Staff")
    other = make_user("staff", name="Olga Other")
    return qm, staff, other


@pytest.fixture
def documents(people):
    qm, staff, other = people
    mine, mine_rev = effective_document(staff, number="WI-7.4-01", effective_days_ago=10)
    theirs, theirs_rev = effective_document(other, number="WI-7.4-02", effective_days_ago=20)
    task = AcknowledgementTask(
        revision_id=theirs_rev.id, user_id=staff.id, due_on=lab_today() + dt.timedelta(days=4)
    )
    db.session.add(task)
    db.session.commit()
    return {
        "mine": (mine, next_review_on(mine, mine_rev)),
        "theirs": (theirs, next_review_on(theirs, theirs_rev)),
        "task": task,
    }


def _feed_url(auth, user) -> str:
    auth.login(user.email)
    page = auth.post("/account/calendar/new", form_page="/account/calendar")
    assert page.status_code == 200
    url = URL_RE.search(page.text).group(1)
    auth.logout()
    return url


def test_the_link_is_shown_once_and_only_its_digest_is_stored(client, auth, people):
    _qm, staff, _ = people
    url = _feed_url(auth, staff)
    secret = url.rsplit("/", 1)[1].removesuffix(".ics")
    row = db.session.scalar(select(CalendarFeedToken).where(CalendarFeedToken.user_id == staff.id))
    assert row.token_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    auth.login(staff.email)
    assert secret not in client.get("/account/calendar").text
    created = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "calendar_feed.created")
    ).all()
    assert [e.actor_id for e in created] == [staff.id]


def test_a_staff_feed_has_their_reading_tasks_and_their_own_reviews(
    client, auth, people, documents
):
    _qm, staff, _ = people
    events = _events(client.get(_feed_url(auth, staff)))
    task = documents["task"]
    mine, mine_due = documents["mine"]
    ack = events["Acknowledge WI-7.4-02 Rev A"]
    assert ack["day"] == task.due_on and ack["url"].endswith(f"/revisions/{task.revision_id}")
    review = events["Periodic review due: WI-7.4-01"]
    assert review["day"] == mine_due and review["url"].endswith(f"/documents/{mine.id}")
    # Someone else's document review is not their business.
    assert "Periodic review due: WI-7.4-02" not in events


def test_the_quality_manager_also_gets_the_lab_wide_review_calendar(
    client, auth, people, documents
):
    qm, _staff, _ = people
    events = _events(client.get(_feed_url(auth, qm)))
    assert events["Periodic review due: WI-7.4-01"]["day"] == documents["mine"][1]
    assert events["Periodic review due: WI-7.4-02"]["day"] == documents["theirs"][1]
    assert not any(summary.startswith("Acknowledge") for summary in events)


def test_uids_are_stable_so_clients_update_rather_than_duplicate(client, auth, people, documents):
    _qm, staff, _ = people
    url = _feed_url(auth, staff)
    first = {s: e["uid"] for s, e in _events(client.get(url)).items()}
    second = {s: e["uid"] for s, e in _events(client.get(url)).items()}
    assert first == second and len(set(first.values())) == len(first)


def test_revoked_and_replaced_links_stop_working(client, auth, people):
    _qm, staff, _ = people
    old = _feed_url(auth, staff)
    new = _feed_url(auth, staff)  # making a new link replaces the old one
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    auth.login(staff.email)
    response = auth.post("/account/calendar/revoke", form_page="/account/calendar")
    assert response.status_code == 302
    assert client.get(new).status_code == 404
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action.like("calendar_feed.%"))
    ).all()
    assert actions.count("calendar_feed.created") == 2
    assert actions.count("calendar_feed.revoked") == 2


def test_the_link_dies_with_the_account(client, auth, people, make_user):
    _qm, staff, _ = people
    url = _feed_url(auth, staff)
    users.deactivate_user(staff, by=make_user("admin"), reason="left")
    db.session.commit()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("token", ["nope", "cal_" + "x" * 40, "cmp_" + "x" * 40])
def test_unknown_links_are_not_found(client, token):
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_services_resolve_only_live_feeds(app, people):
    _qm, staff, _ = people
    secret = services.create_feed(staff, by=staff)
    assert services.user_for_feed(secret) == staff
    assert services.revoke_feed(staff, by=staff) is True
    assert services.user_for_feed(secret) is None
    assert services.revoke_feed(staff, by=staff) is False
