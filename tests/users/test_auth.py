"""Sign-in, lockout, session renewal, sign-out, access windows, stale and forged forms."""

import datetime as dt

import time_machine
from sqlalchemy import func, select

from compliance.audit.models import AuditEntry
from compliance.db import utcnow
from compliance.extensions import db
from compliance.users.models import User, UserSession
from tests.conftest import DEMO_PASSWORD, csrf_token


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_login_shows_dashboard_and_renews_session_and_csrf(client, auth, make_user):
    user = make_user("staff")
    before = client.get("/login")
    token_before = csrf_token(before.text)
    response = auth.login(user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    session_row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert session_row is not None and session_row.ended_at is None
    with client.session_transaction() as s:
        assert s["_user_id"] == session_row.id
        assert s.get("csrf_token") != token_before  # nothing from before sign-in survives
    page = client.get("/")
    assert page.status_code == 200 and user.name in page.text


def test_each_login_issues_a_new_session_id(client, auth, make_user):
    user = make_user("staff")
    auth.login(user.email)
    with client.session_transaction() as s:
        first = s["_user_id"]
    auth.logout()
    auth.login(user.email)
    with client.session_transaction() as s:
        assert s["_user_id"] != first


def test_wrong_password_is_refused_counted_and_nothing_else_written(client, auth, make_user):
    user = make_user("staff")
    entries, sessions = _count(AuditEntry), _count(UserSession)
    response = auth.login(user.email, "Not-the-right-one-9")
    assert response.status_code == 200
    assert "Invalid e-mail or password." in response.text
    assert client.get("/").status_code == 302
    db.session.refresh(user)
    assert user.failed_logins == 1
    assert (_count(AuditEntry), _count(UserSession)) == (entries, sessions)


def test_unknown_user_gets_the_same_message_and_writes_nothing(client, auth, make_user):
    make_user("staff")
    entries, users = _count(AuditEntry), _count(User)
    response = auth.login("nobody@lab.test", DEMO_PASSWORD)
    assert "Invalid e-mail or password." in response.text
    assert (_count(AuditEntry), _count(User)) == (entries, users)


def test_lockout_after_repeated_failures_holds_even_with_the_right_password(
    app, client, auth, make_user
):
    user = make_user("staff")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        assert "Invalid e-mail or password." in auth.login(user.email, "Wrong-password-xx").text
    locked = auth.login(user.email, "Wrong-password-xx")
    assert "now locked" in locked.text
    refused = auth.login(user.email, DEMO_PASSWORD)
    assert "locked" in refused.text
    assert client.get("/").status_code == 302
    db.session.refresh(user)
    assert user.locked_until is not None  # stored in the database: every worker sees it
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.locked")).entity_key
        == user.email
    )
    later = utcnow() + dt.timedelta(minutes=app.config["LOGIN_LOCKOUT_MINUTES"] + 1)
    with time_machine.travel(later, tick=False):
        assert auth.login(user.email, DEMO_PASSWORD).status_code == 302


def test_logout_ends_the_server_side_session(client, auth, make_user):
    user = make_user("staff")
    auth.login(user.email)
    with client.session_transaction() as s:
        stolen = dict(s)
    response = auth.logout()
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # Replaying the old cookie contents does not bring the session back.
    with client.session_transaction() as s:
        s.update(stolen)
    assert client.get("/").status_code == 302
    row = db.session.get(UserSession, stolen["_user_id"])
    assert row.ended_at is not None and row.end_reason == "signed out"


def test_deactivation_ends_sessions_at_once(client, auth, make_user):
    from compliance.users import services

    admin = make_user("admin")
    user = make_user("staff")
    auth.login(user.email)
    assert client.get("/").status_code == 200
    services.deactivate_user(user, by=admin, reason="left the company")
    db.session.commit()
    assert client.get("/").status_code == 302
    assert "deactivated" in auth.login(user.email).text


def test_auditor_outside_window_is_refused(client, auth, make_user):
    now = utcnow()
    auditor = make_user(
        "auditor",
        access_valid_from=now + dt.timedelta(days=2),
        access_valid_until=now + dt.timedelta(days=5),
    )
    response = auth.login(auditor.email)
    assert response.status_code == 200 and "access window is not open" in response.text
    with time_machine.travel(now + dt.timedelta(days=3), tick=False):
        assert auth.login(auditor.email).status_code == 302
        assert client.get("/audit/").status_code == 200
    with time_machine.travel(now + dt.timedelta(days=6), tick=False):
        # A live session is cut off when the window closes.
        response = client.get("/audit/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert client.get("/").status_code == 302


def test_the_right_password_refused_is_in_the_audit_trail(client, auth, make_user):
    """The QM sees who tried to sign in outside their window or after deactivation; a wrong
    password or an unknown e-mail writes no such entry."""
    now = utcnow()
    auditor = make_user("auditor", access_valid_until=now - dt.timedelta(days=1))
    leaver = make_user("staff")
    leaver.is_active = False
    db.session.commit()
    auth.login(auditor.email, "not the password")
    auth.login("nobody@lab.example")
    assert _refusals() == []

    auth.login(auditor.email)
    auth.login(leaver.email)
    assert _refusals() == [
        (auditor.email, "outside the access window"),
        (leaver.email, "account deactivated"),
    ]


def _refusals() -> list[tuple[str, str]]:
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "user.sign_in_refused")
        .order_by(AuditEntry.seq)
    )
    return [(e.entity_key, e.reason) for e in entries]


def test_missing_csrf_token_is_refused_with_a_message_and_no_session(client, make_user):
    user = make_user("staff")
    response = client.post(
        "/login", data={"email": user.email, "password": DEMO_PASSWORD}, follow_redirects=True
    )
    assert "nothing was saved" in response.text
    assert _count(UserSession) == 0


def test_stale_csrf_token_from_an_old_session_is_refused(client, auth, make_user):
    user = make_user("admin")
    auth.login(user.email)
    stale = csrf_token(client.get("/admin/users/new").text)
    auth.logout()
    auth.login(user.email)
    users_before = _count(User)
    response = client.post(
        "/admin/users/new",
        data={
            "csrf_token": stale,
            "email": "new@lab.test",
            "name": "New Person",
            "roles": ["staff"],
            "password": "Plenty-long-passphrase-1",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200 and "nothing was saved" in response.text
    assert _count(User) == users_before


def test_must_change_password_after_reset(client, auth, make_user):
    from compliance.users import services

    admin = make_user("admin")
    user = make_user("staff")
    temporary = services.reset_password(user, by=admin, reason="forgot it")
    db.session.commit()
    auth.login(user.email, temporary)
    response = client.get("/")
    assert response.status_code == 302 and "/account/password" in response.headers["Location"]
    response = auth.post(
        "/account/password",
        {
            "current_password": temporary,
            "new_password": "password123456",
            "confirm": "password123456",
        },
    )
    assert "too common" in response.text
    response = auth.post(
        "/account/password",
        {
            "current_password": temporary,
            "new_password": "Granite-orchid-7731",
            "confirm": "Granite-orchid-7731",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    # The one-time password no longer works.
    auth.logout()
    assert "Invalid" in auth.login(user.email, temporary).text


def test_open_redirect_after_login_is_refused(client, make_user):
    user = make_user("staff")
    page = client.get("/login")
    response = client.post(
        "/login?next=//evil.example/x",
        data={"email": user.email, "password": DEMO_PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert response.headers["Location"] == "/"
