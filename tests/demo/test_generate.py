"""`flask demo generate`: a synthetic lab that keeps every rule of the schema, chains its audit
trail, is the same for the same seed, and that the app's pages and gap engine can read."""

from collections import Counter

import pytest
from sqlalchemy import func, select

from compliance.audit.models import AuditEntry
from compliance.audit.services import verify
from compliance.demo.generate import build
from compliance.demo.lab import DEMO_PASSWORD
from compliance.documents.models import AcknowledgementTask, Document, Revision
from compliance.equipment.models import CalibrationEvent, Equipment
from compliance.extensions import db
from compliance.gaps.engine import evaluate
from compliance.personnel.models import JobRole, Person, TrainingRecord
from compliance.scope.models import Method
from compliance.users.models import User

pytestmark = pytest.mark.slow


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_scale_1_lab_keeps_every_rule_and_reads_like_a_real_lab(app, client, auth, make_user):
    """One generation (it takes seconds), checked from every side."""
    result = app.test_cli_runner().invoke(args=["demo", "generate", "--scale", "1", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "dana.whitfield@meridian-lab.example" in result.output
    assert DEMO_PASSWORD in result.output

    # The base lab: 50 people, 250 items, 75 documents, 8 methods, with years of history.
    assert (_count(Person), _count(Equipment), _count(Document), _count(Method)) == (
        50,
        250,
        75,
        8,
    )
    assert 5 * 75 <= _count(Revision) <= 7 * 75  # about six revisions per document
    assert 5 * 250 <= _count(CalibrationEvent) <= 7 * 250  # about six calibrations per item
    # Four training records per person per year, over about five years.
    assert 0.8 * 4 * 50 * 5 <= _count(TrainingRecord) <= 1.2 * 4 * 50 * 5
    assert _count(AcknowledgementTask) > 10 * _count(Revision)
    assert _count(AuditEntry) > _count(AcknowledgementTask) + _count(CalibrationEvent)
    assert _count(User) < _count(Person)  # most people have no login

    # The audit trail chains and matches its anchor; one effective revision per document.
    verified = verify()
    assert verified.ok, verified.message
    assert verified.checked == _count(AuditEntry)
    effective = Counter(
        db.session.scalars(select(Revision.document_id).where(Revision.state == "effective"))
    )
    assert len(effective) == 75 and set(effective.values()) == {1}

    # A handful of gaps, as a real lab would have; none from broken generated data.
    findings = evaluate().open
    rules = Counter(f.rule for f in findings)
    assert 0 < len(findings) < 60, rules
    assert rules["PROVIDER-LAPSED"] == 1  # the one provider whose accreditation lapsed
    for rule in ("DOC-NOT-APPROVED", "DOC-OBSOLETE-IN-USE", "IA-OVERDUE", "MR-OVERDUE"):
        assert rule not in rules, rule
    assert "CLAUSE-NO-EVIDENCE" not in rules

    # The pages the benchmark measures answer for the quality manager.
    assert auth.login("dana.whitfield@meridian-lab.example", DEMO_PASSWORD).status_code == 302
    document_id = db.session.scalar(select(Document.id).order_by(Document.id).limit(1))
    job_role_id = db.session.scalar(select(JobRole.id).order_by(JobRole.id).limit(1))
    for path in (
        "/",
        "/readiness",
        "/documents/?q=calibration",
        f"/documents/{document_id}",
        "/personnel/matrix",
        f"/personnel/matrix?job_role={job_role_id}",
        "/equipment/",
        "/equipment/?due=overdue",
        "/clauses/6.4",
    ):
        assert client.get(path).status_code == 200, path

    # The app goes on from there: new rows get fresh ids, new audit entries extend the chain.
    make_user("staff")
    assert verify().ok


def test_the_same_seed_builds_the_same_lab(app):
    first, _, first_seq, first_hash = build(0.2, seed=3)
    second, _, second_seq, second_hash = build(0.2, seed=3)
    other, *_ = build(0.2, seed=4)

    def keys(ctx, table, column):
        return [row[column] for row in ctx.rows[table]]

    for model, column in ((Document, "number"), (Equipment, "asset_id"), (Person, "name")):
        table = model.__table__
        assert keys(first, table, column) == keys(second, table, column)
    assert {t.name: len(r) for t, r in first.rows.items()} == {
        t.name: len(r) for t, r in second.rows.items()
    }
    # Same events, same moments, same chain.
    assert (first_seq, first_hash) == (second_seq, second_hash)
    assert keys(first, Person.__table__, "name") != keys(other, Person.__table__, "name")


def test_refuses_a_database_that_is_not_empty(app, make_user):
    make_user("admin")
    result = app.test_cli_runner().invoke(args=["demo", "generate", "--scale", "0.1"])
    assert result.exit_code == 1 and "empty" in result.output
    assert _count(Document) == 0
