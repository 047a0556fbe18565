"""Concurrent edits lose nothing: stale saves are refused with a message, never a 500."""

from __future__ import annotations

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from compliance.audit.models import AuditEntry
from compliance.documents.models import Document
from compliance.extensions import db
from compliance.users.models import User
from compliance.users.services import create_user
from tests.conftest import CSRF_RE, DEMO_PASSWORD, RequestScopedClient, fresh_database
from tests.factories import effective_document
from tests.reliability.instances import app_on
from tests.reliability.live import Client, LiveApp

VERSION_RE = re.compile(r'<input[^>]*name="version"[^>]*value="(\d+)"')
STALE_MESSAGE = "changed by someone else since you opened it"
THREADS = 20
ATTEMPTS = 3


def _form(client, path: str) -> tuple[str, str]:
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return CSRF_RE.search(page.text).group(1), VERSION_RE.search(page.text).group(1)


@pytest.mark.requirement("REQ-REL-03")
def test_twenty_threads_editing_one_document_on_postgresql(tmp_path_factory):
    """Every thread opens the edit form, all submit at once, then each tries again twice.

    Saves that were based on what someone else has since changed are refused with the
    "changed by someone else" message; the saves that went through form one unbroken chain
    of (old, new) values in the audit trail, one entry and one version step each.
    """
    with (
        fresh_database("postgresql", tmp_path_factory) as url,
        app_on(url, tmp_path_factory.mktemp("edits"), TESTING=True) as app,
    ):
        qm = create_user(
                email="qm@lab.test", name="Quinn Manager", roles=["quality_manager"],
                password=DEMO_PASSWORD,
            )  # fmt: skip
        document, _ = effective_document(qm, number="QP-7.11-01", title="Original title")
        document_id, qm_id, start_version = document.id, qm.id, document.version
        path = f"/documents/{document_id}/edit"
        db.session.commit()
        db.session.remove()

        barrier = threading.Barrier(THREADS)

        def editor(n: int) -> list[tuple[str, str]]:
            client = app.test_client()
            token = CSRF_RE.search(client.get("/login").text).group(1)
            signed_in = client.post(
                "/login",
                data={"email": "qm@lab.test", "password": DEMO_PASSWORD, "csrf_token": token},
            )
            assert signed_in.status_code == 302
            outcomes = []
            for attempt in range(ATTEMPTS):
                token, version = _form(client, path)
                if attempt == 0:
                    barrier.wait(timeout=60)  # everyone holds the same version now
                title = f"Title by editor {n} attempt {attempt}"
                response = client.post(
                    path,
                    data={
                        "csrf_token": token,
                        "version": version,
                        "title": title,
                        "owner_id": qm_id,
                        "review_interval_months": 24,
                        "clauses": "7.11",
                        "reason": f"editor {n}",
                    },
                )
                location = response.headers.get("Location", "")
                if response.status_code == 302 and location.endswith(f"/documents/{document_id}"):
                    outcomes.append(("saved", title))
                elif response.status_code in (200, 302, 409):
                    shown = client.get(path).text if response.status_code == 302 else response.text
                    outcomes.append(("stale" if STALE_MESSAGE in shown else "other", title))
                else:
                    outcomes.append((f"HTTP {response.status_code}", title))
            return outcomes

        with ThreadPoolExecutor(THREADS) as pool:
            results = [o for each in pool.map(editor, range(THREADS)) for o in each]

        tally = Counter(kind for kind, _ in results)
        assert set(tally) <= {"saved", "stale"}, tally
        saved = [title for kind, title in results if kind == "saved"]
        assert tally["stale"] > 0, "the barrier should have produced conflicting saves"

        final = db.session.get(Document, document_id)
        entries = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "document.updated")
            .order_by(AuditEntry.seq)
        ).all()
        assert final.version - start_version == len(saved) == len(entries)
        chain = [entry.changes["title"] for entry in entries]
        assert chain[0][0] == "Original title"
        for before, after in zip(chain, chain[1:], strict=False):
            assert after[0] == before[1], "a save overwrote a change it never saw"
        assert final.title == chain[-1][1]
        assert sorted(new for _, new in chain) == sorted(saved)


@pytest.mark.requirement("REQ-REL-04")
def test_sqlite_under_concurrent_writers_never_shows_database_is_locked(tmp_path_factory):
    """Two server processes on one SQLite file, eight clients creating and editing records."""
    with fresh_database("sqlite", tmp_path_factory) as url:
        instance = tmp_path_factory.mktemp("sqlite-writers")
        servers = [LiveApp(url, instance, name=f"worker{n}") for n in (1, 2)]
        servers[0].flask(
            "users", "create", "--email", "qm@lab.test", "--name", "Quinn Manager",
            "--role", "quality_manager", "--password-stdin", input=DEMO_PASSWORD + "\n",
        )  # fmt: skip
        try:
            urls = [server.start() for server in servers]
            setup = Client(urls[0])
            setup.login("qm@lab.test", DEMO_PASSWORD)
            created = setup.post(
                "/documents/new",
                {
                    "number": "QP-SHARED-01",
                    "title": "Shared",
                    "doc_type": "procedure",
                    "owner_id": "1",
                    "review_interval_months": "24",
                    "label_scheme": "letters",
                },
            )
            assert created.status == 302, created.text[:2000]
            shared = created.location.split("/documents/")[1].split("/")[0]

            def writer(n: int) -> list[int]:
                client = Client(urls[n % 2])
                client.login("qm@lab.test", DEMO_PASSWORD)
                statuses = []
                for i in range(6):
                    reply = client.post(
                        "/documents/new",
                        {
                            "number": f"CW-{n}-{i}",
                            "title": f"Concurrent {n}/{i}",
                            "doc_type": "form",
                            "owner_id": "1",
                            "review_interval_months": "12",
                            "label_scheme": "letters",
                        },
                    )
                    statuses.append(reply.status)
                    edit = f"/documents/{shared}/edit"
                    page = client.get(edit)
                    version = VERSION_RE.search(page.text).group(1)
                    reply = client.post(
                        edit,
                        {
                            "version": version,
                            "title": f"Shared, edited by {n}/{i}",
                            "owner_id": "1",
                            "review_interval_months": "24",
                        },
                        form_page=edit,
                    )
                    statuses.append(reply.status)
                    statuses.append(client.get("/documents/?q=CW").status)
                return statuses

            with ThreadPoolExecutor(8) as pool:
                statuses = [s for each in pool.map(writer, range(8)) for s in each]
        finally:
            for server in servers:
                server.stop()
        logs = "".join(server.logs() for server in servers)
        assert "database is locked" not in logs
        assert all(status < 500 for status in statuses), Counter(statuses)
        assert Counter(statuses)[302] == 8 * 6 * 2
        with app_on(url, instance):
            numbers = set(db.session.scalars(select(Document.number)))
            assert {f"CW-{n}-{i}" for n in range(8) for i in range(6)} <= numbers
        assert "audit trail intact" in servers[0].flask("audit", "verify").stdout


def _someone_else_saves_first(app, monkeypatch, module, name: str, table: str, key: int):
    """Make `module.name` find its row changed by another connection just before it writes:
    the interleaving that a race produces, made certain."""
    real = getattr(module, name)

    def late(*args, **kwargs):
        with db.engine.connect() as other:
            other.execute(
                sa.text(f"UPDATE {table} SET version = version + 1 WHERE id = :id"),  # noqa: S608
                {"id": key},
            )
            other.commit()
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, late)


def _sign_in(client, email: str) -> None:
    token = CSRF_RE.search(client.get("/login").text).group(1)
    answer = client.post(
        "/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302


@pytest.mark.requirement("REQ-REL-03")
def test_a_save_overtaken_between_check_and_write_gets_the_message(tmp_path_factory, monkeypatch):
    """The version check in the view passed, then someone else saved: the version column
    refuses the UPDATE and the editor is told, on the same form, with nothing saved."""
    from compliance.documents import services

    with (
        fresh_database("postgresql", tmp_path_factory) as url,
        app_on(url, tmp_path_factory.mktemp("overtaken"), TESTING=True) as app,
    ):
        qm = create_user(
            email="qm@lab.test", name="Quinn", roles=["quality_manager"], password=DEMO_PASSWORD
        )
        document, _ = effective_document(qm, number="QP-RACE-01", title="Before")
        document_id, qm_id = document.id, qm.id
        db.session.commit()
        db.session.remove()
        app.test_client_class = RequestScopedClient  # g is per request, as in a server
        client = app.test_client()
        _sign_in(client, "qm@lab.test")
        path = f"/documents/{document_id}/edit"
        token, version = _form(client, path)
        _someone_else_saves_first(
            app, monkeypatch, services, "update_document", "documents", document_id
        )
        answer = client.post(
            path,
            data={
                "csrf_token": token,
                "version": version,
                "title": "Mine",
                "owner_id": qm_id,
                "review_interval_months": 24,
            },
        )
        assert answer.status_code == 200 and STALE_MESSAGE in answer.text
        assert db.session.get(Document, document_id).title == "Before"
        assert not db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "document.updated")
        ).all()


@pytest.mark.requirement("REQ-REL-03")
def test_an_account_edit_overtaken_between_check_and_write_gets_the_message(
    tmp_path_factory, monkeypatch
):
    from compliance.users import services

    with (
        fresh_database("postgresql", tmp_path_factory) as url,
        app_on(url, tmp_path_factory.mktemp("overtaken-user"), TESTING=True) as app,
    ):
        create_user(email="admin@lab.test", name="Ada", roles=["admin"], password=DEMO_PASSWORD)
        target = create_user(
            email="tech@lab.test", name="Before", roles=["staff"], password=DEMO_PASSWORD
        )
        target_id = target.id
        db.session.commit()
        db.session.remove()
        app.test_client_class = RequestScopedClient  # g is per request, as in a server
        client = app.test_client()
        _sign_in(client, "admin@lab.test")
        path = f"/admin/users/{target_id}/edit"
        token, version = _form(client, path)
        _someone_else_saves_first(app, monkeypatch, services, "update_user", "users", target_id)
        answer = client.post(
            path, data={"csrf_token": token, "version": version, "name": "Mine", "roles": "staff"}
        )
        assert answer.status_code == 200 and STALE_MESSAGE in answer.text
        assert db.session.get(User, target_id).name == "Before"
        assert not db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.updated")
        ).all()
