"""Security headers, cookies and error pages that leak nothing."""

import pytest

from tests.conftest import DEMO_PASSWORD


def test_security_headers_on_every_response(client, auth, make_user):
    user = make_user("staff")
    anonymous = client.get("/login")
    auth.login(user.email)
    for response in (anonymous, client.get("/"), client.get("/nope"), client.get("/healthz")):
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script(client, auth, make_user):
    user = make_user("admin")
    auth.login(user.email)
    for path in ("/", "/admin/users/", "/admin/users/new", "/audit/", "/account/password"):
        html = client.get(path).text
        assert "<script>" not in html and " onclick=" not in html and "style=" not in html, path


def test_session_cookie_flags(app, client, make_user):
    user = make_user("staff")
    from tests.conftest import Auth

    response = Auth(client).login(user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookie_over_https(client, make_user):
    from tests.conftest import csrf_token

    user = make_user("staff")
    page = client.get("/login", base_url="https://lab.test")
    response = client.post(
        "/login",
        base_url="https://lab.test",
        data={"email": user.email, "password": DEMO_PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert "Secure" in response.headers["Set-Cookie"]
    plain = client.get("/login", base_url="http://lab.test")
    assert "Secure" not in plain.headers.get("Set-Cookie", "")


def test_secure_cookie_when_configured(app_config):
    from compliance import create_app

    app = create_app({**app_config, "SESSION_COOKIE_SECURE": True})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_404_and_403_pages_leak_nothing(client, auth, make_user):
    user = make_user("staff")
    auth.login(user.email)
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "Not found" in missing.text
    forbidden = client.get("/admin/users/")
    assert forbidden.status_code == 403 and "You do not have access" in forbidden.text


def test_500_page_leaks_no_trace_or_secret(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom-for-test")
    def boom():
        raise RuntimeError(f"secret {app.config['SECRET_KEY']}")

    boom.is_public = True
    response = client.get("/boom-for-test")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "Traceback" not in response.text and app.config["SECRET_KEY"] not in response.text


def test_production_refuses_debug(app_config):
    from compliance import create_app

    with pytest.raises(RuntimeError, match="debug mode is on in production"):
        create_app({**app_config, "COMPLIANCE_ENV": "production", "DEBUG": True})


def test_secret_key_generated_once_and_kept_in_instance(app_config, tmp_path):
    from compliance import create_app

    first = create_app(app_config).config["SECRET_KEY"]
    second = create_app(app_config).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    other = create_app({**app_config, "INSTANCE_PATH": str(tmp_path / "elsewhere")})
    assert other.config["SECRET_KEY"] != first


def test_sqlite_runs_in_wal_with_foreign_keys(app, backend):
    from sqlalchemy import text

    from compliance.extensions import db

    if backend != "sqlite":
        assert db.session.execute(text("SHOW server_version")).scalar()
        return
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
