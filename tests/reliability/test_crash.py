"""SIGKILL the server during confirmed writes: every write the client saw confirmed survives."""

from __future__ import annotations

import http.client
import random
import threading
import time
import urllib.error
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from compliance.audit.models import AuditEntry
from compliance.documents.models import Document
from compliance.extensions import db
from tests.conftest import DEMO_PASSWORD, fresh_database
from tests.reliability.instances import app_on
from tests.reliability.live import Client, LiveApp, NoToken

ROUNDS = 5
SECONDS_PER_ROUND = (0.6, 2.0)  # the kill lands at a random moment in this window
WRITERS = 3
GONE = (urllib.error.URLError, OSError, http.client.HTTPException)


@dataclass
class Ledger:
    """What the clients tried, what they saw confirmed, and anything unexpected."""

    attempted: int = 0
    confirmed: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def write_until_killed(client: Client, prefix: str, server: LiveApp, ledger: Ledger, stop):
    """Create documents one after another until the server dies under us."""
    i = 0
    while not stop.is_set():
        number = f"{prefix}-{i}"
        i += 1
        with ledger.lock:
            ledger.attempted += 1
        try:
            reply = client.post(
                "/documents/new",
                {
                    "number": number,
                    "title": f"Written before a crash ({prefix})",
                    "doc_type": "form",
                    "owner_id": "1",
                    "review_interval_months": "12",
                    "label_scheme": "letters",
                    "clauses": "8.4",
                },
            )
        except GONE:
            return  # the server is gone: this write was never confirmed
        except NoToken:
            if stop.is_set() or not server.running:
                return  # the form page was cut off by the kill
            raise
        if reply.status == 302 and reply.location.endswith("/revisions/new"):
            with ledger.lock:
                ledger.confirmed.add(number)
        elif reply.status >= 500:
            with ledger.lock:
                ledger.failures.append(f"{number}: HTTP {reply.status}")


def _writer(client, prefix, server, ledger, stop) -> None:
    try:
        write_until_killed(client, prefix, server, ledger, stop)
    except Exception as error:  # reported by the main thread
        with ledger.lock:
            ledger.failures.append(f"{prefix}: {error!r}")


@pytest.mark.requirement("REQ-REL-05")
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_confirmed_writes_survive_repeated_sigkill(backend, tmp_path_factory):
    rng = random.Random(17025)  # the same kill moments on every run
    ledger = Ledger()
    with fresh_database(backend, tmp_path_factory) as url:
        server = LiveApp(url, tmp_path_factory.mktemp(f"crash-{backend}"))
        server.flask(
            "users", "create", "--email", "qm@lab.test", "--name", "Quinn Manager",
            "--role", "quality_manager", "--password-stdin", input=DEMO_PASSWORD + "\n",
        )  # fmt: skip
        clients = [Client("", timeout=10) for _ in range(WRITERS)]
        try:
            for round_ in range(ROUNDS):
                base = server.start()
                for client in clients:
                    client.base_url = base
                    if round_ == 0:
                        # Sessions live in the database: they outlast the killed process.
                        client.login("qm@lab.test", DEMO_PASSWORD)
                stop = threading.Event()
                threads = [
                    threading.Thread(
                        target=_writer,
                        args=(client, f"CR-{round_}-{n}", server, ledger, stop),
                        daemon=True,
                    )
                    for n, client in enumerate(clients)
                ]
                for thread in threads:
                    thread.start()
                time.sleep(rng.uniform(*SECONDS_PER_ROUND))
                server.kill()
                stop.set()
                for thread in threads:
                    thread.join(timeout=15)
                    assert not thread.is_alive()
        finally:
            server.stop()

        assert not ledger.failures, ledger.failures
        assert len(ledger.confirmed) >= ROUNDS, f"too few confirmed writes ({ledger.confirmed})"
        with app_on(url, server.instance):
            stored = set(db.session.scalars(sa.select(Document.number)))
            lost = sorted(ledger.confirmed - stored)
            assert not lost, f"confirmed but lost after SIGKILL: {lost}"
            # A write in flight at a kill may or may not have landed, but never half of it:
            # each stored document has its audit entry, written in the same transaction.
            audited = set(
                db.session.scalars(
                    sa.select(AuditEntry.entity_key).where(AuditEntry.action == "document.created")
                )
            )
            assert audited == stored
            if backend == "sqlite":
                assert db.session.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
                assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
                assert db.session.execute(sa.text("PRAGMA synchronous")).scalar() == 2  # FULL
        verified = server.flask("audit", "verify", check=False)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert len(ledger.confirmed) <= len(stored) <= ledger.attempted
