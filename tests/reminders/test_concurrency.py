"""Two servers running `remind` at the same moment against one database send each digest once."""

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from compliance import create_app
from compliance.audit.models import AuditEntry
from compliance.audit.services import verify
from compliance.dates import lab_today
from compliance.documents.models import AcknowledgementTask
from compliance.extensions import db
from compliance.reminders.models import ReminderSend
from compliance.reminders.services import run_reminders
from compliance.users import services as users
from tests.conftest import DEMO_PASSWORD, fresh_database
from tests.factories import effective_document
from tests.reminders.conftest import Inbox, SmtpServer, mail_config

STAFF = 6


def _seed(app) -> list[str]:
    with app.app_context():
        qm = users.create_user(
            email="qm@lab.example", name="Quinn", roles=["quality_manager"], password=DEMO_PASSWORD
        )
        staff = [
            users.create_user(
                email=f"tech{n}@lab.example",
                name=f"Tech {n}",
                roles=["staff"],
                password=DEMO_PASSWORD,
            )
            for n in range(STAFF)
        ]
        db.session.commit()
        _, revision = effective_document(qm, number="WI-7.4-01")
        for person in staff:
            db.session.add(
                AcknowledgementTask(revision_id=revision.id, user_id=person.id, due_on=lab_today())
            )
        db.session.commit()
        return sorted([qm.email, *(p.email for p in staff)])


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_two_concurrent_runs_send_each_digest_once(kind, tmp_path, tmp_path_factory):
    as_of = lab_today() + dt.timedelta(days=1)
    with fresh_database(kind, tmp_path_factory) as url, SmtpServer(Inbox(delay=0.05)) as smtp:
        config = {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(tmp_path / "instance"),  # shared, like one deployment's
            "COMPLIANCE_ENV": "testing",
            **mail_config(smtp.port),
        }
        servers = [create_app(config), create_app(config)]
        recipients = _seed(servers[0])
        start = threading.Barrier(len(servers))
        results, errors = [], []

        def run(app):
            try:
                with app.app_context():
                    start.wait(timeout=30)
                    results.append(run_reminders(as_of))
                    db.session.remove()
            except Exception as error:  # reported below, with the thread's traceback lost
                errors.append(error)

        threads = [threading.Thread(target=run, args=(app,)) for app in servers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not errors, errors
        assert len(results) == 2

        delivered = sorted(address for m in smtp.inbox.messages for address in [m["To"]])
        assert len(delivered) == len(recipients)
        assert sorted(m["To"].addresses[0].addr_spec for m in smtp.inbox.messages) == recipients
        assert sorted(sum((r.sent for r in results), [])) == recipients
        assert sum(len(r.skipped) for r in results) == len(recipients)

        with servers[0].app_context():
            sends = db.session.scalars(select(ReminderSend)).all()
            assert sorted(s.recipient for s in sends) == recipients
            assert {(s.status, s.attempts) for s in sends} == {("sent", 1)}
            runs = db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "reminders.run")
            ).all()
            assert len(runs) == 2
            assert verify().ok
            db.session.remove()
        for app in servers:
            with app.app_context():
                db.engine.dispose()
