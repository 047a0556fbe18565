"""Fixtures: one migrated database per backend per run, one rolled-back transaction per test."""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from compliance import create_app
from compliance.extensions import db
from compliance.users import passwords

DEMO_PASSWORD = "Lab-notebook-2026!"
CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def pytest_configure(config):
    # Argon2 at production cost makes hundreds of accounts slow; the algorithm stays the same.
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    passwords._DUMMY_HASH = passwords._hasher.hash("not-a-real-password-0000")
    # A Session joined to a test's outer transaction uses savepoints, so a view's rollback
    # undoes only its own work, not the test's fixtures.
    db.session.session_factory.configure(join_transaction_mode="create_savepoint")


# --- databases --------------------------------------------------------------------------------


def _postgres_base_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL")


def _require_postgres() -> bool:
    return os.environ.get("REQUIRE_POSTGRES") == "1"


def _upgrade(url: str, instance_path) -> None:
    from flask_migrate import upgrade

    app = create_app(
        {"DATABASE_URL": url, "INSTANCE_PATH": str(instance_path), "COMPLIANCE_ENV": "testing"}
    )
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()


@contextlib.contextmanager
def fresh_database(backend: str, tmp_path_factory) -> Iterator[str]:
    """A new database on `backend` ("sqlite" or "postgresql"), migrated; dropped afterwards.

    Skips (or fails under REQUIRE_POSTGRES=1) when PostgreSQL is not configured or unreachable.
    """
    instance = tmp_path_factory.mktemp(f"migrate-{backend}")
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite'}"
        _upgrade(url, instance)
        yield url
        return
    base = _postgres_base_url()
    if not base:
        message = "PostgreSQL tests need TEST_DATABASE_URL (make test sets it when 5432 answers)"
        if _require_postgres():
            pytest.fail(message)
        pytest.skip(message)
    base_url = make_url(base).set(drivername="postgresql+psycopg")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # unreachable server
        admin.dispose()
        if _require_postgres():
            pytest.fail(f"PostgreSQL unreachable at {base_url!r}: {error}")
        pytest.skip(f"PostgreSQL unreachable: {error}")
    try:
        url = base_url.set(database=name).render_as_string(hide_password=False)
        _upgrade(url, instance)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A freshly migrated database for this run, on each backend."""
    with fresh_database(request.param, tmp_path_factory) as url:
        yield url


@pytest.fixture
def backend(database_url) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture
def app_config(tmp_path, database_url) -> dict:
    return {
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "COMPLIANCE_ENV": "testing",
        "TESTING": True,
        "SERVER_NAME": "lab.test",
    }


@pytest.fixture
def app(app_config):
    """The app, its database work inside one transaction rolled back after the test."""
    app = create_app(app_config)
    with app.app_context():
        engines = db.engines
        connection = engines[None].connect()
        outer = connection.begin()
        real_engine = engines[None]
        engines[None] = connection
        try:
            yield app
        finally:
            db.session.remove()
            engines[None] = real_engine
            if outer.is_active:
                outer.rollback()
            connection.close()
            real_engine.dispose()


class RequestScopedClient(FlaskClient):
    """Each request gets its own app context, so `g` (Flask-Login's user, the CSRF token) and
    the request's database session do not leak from the test or from earlier requests."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # Werkzeug spools large test bodies to a temporary file that nobody closes.
        for each in (*getattr(response, "history", ()), response):
            request = getattr(each, "request", None)
            if request is not None:
                request.environ["wsgi.input"].close()
        return response


@pytest.fixture
def client(app):
    app.test_client_class = RequestScopedClient
    return app.test_client()


# --- people -------------------------------------------------------------------------------------


@pytest.fixture
def make_user(app):
    """Create a committed-in-test user: make_user("staff") or make_user("auditor", window=...)."""
    from compliance.users import services

    counter = iter(range(1, 10_000))

    def make(*roles: str, email: str | None = None, name: str | None = None, **kwargs):
        n = next(counter)
        roles = roles or ("staff",)
        if "auditor" in roles and "access_valid_until" not in kwargs:
            import datetime as dt

            from compliance.db import utcnow

            kwargs["access_valid_until"] = utcnow() + dt.timedelta(days=7)
        user = services.create_user(
            email=email or f"{roles[0]}{n}@lab.test",
            name=name or f"{roles[0].replace('_', ' ').title()} Person{n}",
            roles=roles,
            password=DEMO_PASSWORD,
            **kwargs,
        )
        db.session.commit()
        return user

    return make


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class Auth:
    """flaskr-style helper: sign in through the real form, with its CSRF token."""

    def __init__(self, client):
        self.client = client

    def _token(self, page_path: str) -> dict:
        if not self.client.application.config.get("WTF_CSRF_ENABLED", True):
            return {}
        return {"csrf_token": csrf_token(self.client.get(page_path).text)}

    def login(self, email: str, password: str = DEMO_PASSWORD, follow_redirects=False):
        return self.client.post(
            "/login",
            data={"email": email, "password": password, **self._token("/login")},
            follow_redirects=follow_redirects,
        )

    def post(self, path: str, data: dict | None = None, *, form_page: str | None = None, **kw):
        """POST with the CSRF token taken from the page the form lives on."""
        payload = {**self._token(form_page or path), **(data or {})}
        return self.client.post(path, data=payload, **kw)

    def logout(self):
        return self.post("/logout", form_page="/")


@pytest.fixture
def auth(client):
    return Auth(client)


class QueryCounter:
    """Counts SQL statements sent while active: `with count_queries() as counter: ...`."""

    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def _listen(self, conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            self.statements.append(statement)

    def __enter__(self):
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.listen(Engine, "before_cursor_execute", self._listen)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.remove(Engine, "before_cursor_execute", self._listen)


@pytest.fixture
def count_queries():
    return QueryCounter
