"""Sessions: no fixation, and every way a session must end does end it on the server."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from compliance.extensions import db
from compliance.users.models import User, UserSession
from tests.conftest import DEMO_PASSWORD, Auth, RequestScopedClient, csrf_token, fresh_database
from tests.reliability.instances import app_on

NEW_PASSWORD = "Granite-orchid-7731"


def _second_client(app):
    app.test_client_class = RequestScopedClient
    other = app.test_client()
    return other, Auth(other)


@pytest.mark.requirement("REQ-ACC-03")
def test_a_session_cookie_planted_before_sign_in_is_worthless_after_it(
    app, client, auth, make_user
):
    """The attacker gets a session cookie from the login page and plants it in the victim's
    browser; after the victim signs in, the planted cookie opens nothing."""
    victim = make_user("quality_manager")
    attacker, _ = _second_client(app)
    attacker.get("/login")
    planted = attacker.get_cookie("session", domain="lab.test").value
    client.set_cookie("session", planted, domain="lab.test")
    assert auth.login(victim.email).status_code == 302
    after = client.get_cookie("session", domain="lab.test").value
    assert after != planted
    assert client.get("/").status_code == 200
    # The attacker still holds the planted cookie: it is not signed in.
    refused = attacker.get("/")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    with client.session_transaction() as session:
        row = db.session.get(UserSession, session["_user_id"])
    assert row.user_id == victim.id and row.ended_at is None


@pytest.mark.requirement("REQ-ACC-03")
def test_a_forged_session_cookie_is_refused(app, client, auth, make_user):
    """A cookie naming a real session id but not signed with the app's key opens nothing."""
    from flask.sessions import SecureCookieSessionInterface

    user = make_user("staff")
    auth.login(user.email)
    with client.session_transaction() as session:
        stolen_id = session["_user_id"]
    forged_app = type(app)("forger")
    forged_app.secret_key = "not-the-real-key"
    serializer = SecureCookieSessionInterface().get_signing_serializer(forged_app)
    intruder, _ = _second_client(app)
    intruder.set_cookie("session", serializer.dumps({"_user_id": stolen_id}), domain="lab.test")
    answer = intruder.get("/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


@pytest.mark.requirement("REQ-ACC-04")
def test_changing_the_password_ends_every_other_session(app, client, auth, make_user):
    user = make_user("staff")
    laptop, laptop_auth = _second_client(app)
    auth.login(user.email)
    laptop_auth.login(user.email)
    assert laptop.get("/").status_code == 200
    changed = auth.post(
        "/account/password",
        {"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert client.get("/").status_code == 200  # the session that changed it stays
    ended = laptop.get("/")
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]
    assert laptop_auth.login(user.email).status_code == 200  # the old password is refused
    assert laptop_auth.login(user.email, NEW_PASSWORD).status_code == 302


@pytest.mark.requirement("REQ-ACC-04")
def test_an_admin_password_reset_ends_the_users_sessions(app, client, auth, make_user):
    admin, user = make_user("admin"), make_user("staff")
    desk, desk_auth = _second_client(app)
    desk_auth.login(user.email)
    assert desk.get("/").status_code == 200
    auth.login(admin.email)
    page = f"/admin/users/{user.id}"
    reset = auth.post(f"{page}/reset-password", {"reason": "forgotten"}, form_page=page)
    assert reset.status_code == 200 and "one-time" in reset.text.lower()
    ended = desk.get("/")
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]


@pytest.mark.requirement("REQ-ACC-04")
def test_deactivation_through_the_admin_page_ends_the_session_at_once(app, client, auth, make_user):
    admin, user = make_user("admin"), make_user("staff")
    desk, desk_auth = _second_client(app)
    desk_auth.login(user.email)
    assert desk.get("/").status_code == 200
    auth.login(admin.email)
    page = f"/admin/users/{user.id}"
    done = auth.post(f"{page}/deactivate", {"reason": "left the lab"}, form_page=page)
    assert done.status_code == 302
    ended = desk.get("/", follow_redirects=True)
    assert "Your access has ended" in ended.text or "Sign in" in ended.text
    assert desk.get("/").status_code == 302
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert rows and all(row.ended_at is not None for row in rows)


@pytest.mark.requirement("REQ-ACC-04")
def test_after_sign_out_the_csrf_token_of_the_old_session_is_refused(client, auth, make_user):
    user = make_user("staff")
    auth.login(user.email)
    token = csrf_token(client.get("/account/password").text)
    auth.logout()
    auth.login(user.email)
    answer = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": DEMO_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
        follow_redirects=True,
    )
    assert "nothing was saved" in answer.text


# --- lockout across workers -----------------------------------------------------------------


def _login(client, email: str, password: str):
    page = client.get("/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_token(page.text)}
    )


@pytest.mark.requirement("REQ-ACC-02")
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_lockout_holds_across_two_workers_sharing_the_database(backend, tmp_path_factory):
    """Two app instances (two workers, each its own instance folder) on one database: wrong
    passwords sent to either count toward one lockout, also when they arrive at once."""
    with fresh_database(backend, tmp_path_factory) as url:
        first_folder, second_folder = (tmp_path_factory.mktemp(n) for n in ("w1", "w2"))
        with app_on(url, first_folder) as first, app_on(url, second_folder) as second:
            from compliance.users.services import create_user

            create_user(
                email="tech@lab.test", name="Tess Tech", roles=["staff"], password=DEMO_PASSWORD
            )
            db.session.commit()
            limit = first.config["LOGIN_MAX_FAILURES"]
            # Each request in its own app context, as on a real worker (g is not shared).
            first.test_client_class = second.test_client_class = RequestScopedClient
            barrier = threading.Barrier(limit - 1)

            def wrong(n: int) -> int:
                # A client per thread, alternating between the two workers.
                client = (first if n % 2 == 0 else second).test_client()
                page = client.get("/login")
                barrier.wait(timeout=30)  # the failures arrive together on both workers
                return client.post(
                    "/login",
                    data={
                        "email": "tech@lab.test",
                        "password": f"Wrong-password-{n}",
                        "csrf_token": csrf_token(page.text),
                    },
                ).status_code

            with ThreadPoolExecutor(limit - 1) as pool:
                assert set(pool.map(wrong, range(limit - 1))) == {200}
            db.session.expire_all()
            user = db.session.scalar(select(User).where(User.email == "tech@lab.test"))
            assert user.failed_logins == limit - 1, "a concurrent failure was not counted"
            assert user.locked_until is None
            db.session.remove()  # outside a request SQLite transactions take the write lock
            # The last allowed failure, on the other worker, locks the account for both.
            locked = _login(second.test_client(), "tech@lab.test", "Wrong-password-last")
            assert "now locked" in locked.text
            for app in (first, second):
                refused = _login(app.test_client(), "tech@lab.test", DEMO_PASSWORD)
                assert refused.status_code == 200 and "locked" in refused.text
