"""The personnel gap rules (TRN-MISSING, TRN-EXPIRED, AUTH-NONE, AUTH-UNQUALIFIED): each fires
on a minimal case, not on its compliant twin, clears once fixed through the services, and
respects the as-of date; their query count; and the clause evidence personnel records give."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine

from compliance.clauses.evidence import covered, evidence_by_clause
from compliance.documents import services as documents
from compliance.extensions import db
from compliance.gaps.engine import evaluate
from compliance.gaps.personnel_rules import auth_none, auth_unqualified, trn_expired, trn_missing
from compliance.gaps.rules import GapContext
from compliance.personnel import services
from tests.conftest import DEMO_PASSWORD
from tests.factories import effective_document, make_method, make_person, next_revision

D = dt.date
TODAY = D(2026, 3, 2)
PERSONNEL_RULES = (trn_missing, trn_expired, auth_none, auth_unqualified)


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@dataclass
class Lab:
    qm: object
    technician: object  # JobRole requiring ESD-101 and the procedure
    esd: object  # course, retrained every 12 months
    procedure: object  # TM-AS6171-2, Rev A effective 400 days ago
    procedure_item: object
    method: object  # AS6171/2, governed by the procedure


@pytest.fixture
def lab(ctx, make_user) -> Lab:
    qm = make_user("quality_manager", name="Quinn Manager")
    document, _ = effective_document(
        qm, number="TM-AS6171-2", doc_type="test_method", effective_days_ago=400
    )
    technician = services.create_job_role("Technician", by=qm)
    esd = services.create_course(
        "ESD-101", title="ESD awareness", retrain_interval_months=12, by=qm
    )
    procedure_item = services.ensure_document_item(document, by=qm)
    for item in (esd, procedure_item):
        services.add_requirement(technician, item, by=qm)
    method = make_method("AS6171/2", title="External visual inspection", procedure=document)
    db.session.commit()
    return Lab(qm, technician, esd, document, procedure_item, method)


def findings(rule, as_of=None):
    return [f for f in evaluate(as_of).findings if f.rule == rule]


def summary(rule, as_of=None):
    return [(f.subject_key, f.detail, f.severity.value, f.due_on) for f in findings(rule, as_of)]


def train(lab, person, *, on=None, esd=True, procedure=True, expires_on=None):
    on = on or days_ago(10)
    if esd:
        services.record_training(person, lab.esd, completed_on=on, expires_on=expires_on, by=lab.qm)
    if procedure:
        services.record_training(person, lab.procedure_item, completed_on=on, by=lab.qm)
    db.session.commit()


def qualify(lab, person, *, assessed_on=None, method=None):
    """Trained on the current procedure revision and assessed competent on the method."""
    assessed_on = assessed_on or days_ago(20)
    train(lab, person, esd=False)
    services.record_competence(
        person,
        method or lab.method,
        assessed_on=assessed_on,
        assessor="Quinn Manager",
        result="competent",
        by=lab.qm,
    )
    db.session.commit()


def authorize(lab, person, **kwargs):
    authorization = services.authorize(
        person,
        kwargs.pop("method", lab.method),
        authorized_on=kwargs.pop("authorized_on", TODAY),
        by=lab.qm,
        password=DEMO_PASSWORD,
        **kwargs,
    )
    db.session.commit()
    return authorization


# --- TRN-MISSING ----------------------------------------------------------------------------


def test_trn_missing(lab):
    train(lab, make_person("E1", name="Ann Able", job_roles=[lab.technician]))  # the twin
    bob = make_person("E2", name="Bob Baker", job_roles=[lab.technician])
    train(lab, bob, esd=False)
    make_person("E3", name="Cy Nobody")  # no job role: nothing required
    leaver = make_person("E4", name="Lee Leaver", job_roles=[lab.technician])
    services.record_leaving(leaver, left_on=TODAY, reason="moved on", by=lab.qm)
    db.session.commit()

    (finding,) = findings("TRN-MISSING")
    assert (finding.subject_type, finding.subject_key, finding.detail) == (
        "person",
        "E2",
        "ESD-101",
    )
    assert (finding.clause, finding.severity.value, finding.due_on) == ("6.2.5", "blocker", None)
    assert "Bob Baker" in finding.message and "ESD-101" in finding.message
    assert f"/people/{bob.id}/training/new?item={lab.esd.id}" in finding.href
    # The leaver still counted the day before they left.
    assert {(f.subject_key, f.detail) for f in findings("TRN-MISSING", days_ago(1))} == {
        ("E2", "ESD-101"),
        ("E4", "ESD-101"),
        ("E4", "TM-AS6171-2"),
    }

    services.record_training(bob, lab.esd, completed_on=TODAY, by=lab.qm)
    db.session.commit()
    assert findings("TRN-MISSING") == []


def test_trn_missing_counts_only_training_completed_by_the_as_of_date(lab):
    train(lab, make_person("E1", job_roles=[lab.technician]), on=days_ago(10))
    assert findings("TRN-MISSING") == []
    assert sorted(f.detail for f in findings("TRN-MISSING", days_ago(11))) == [
        "ESD-101",
        "TM-AS6171-2",
    ]


def test_trn_missing_on_a_document_with_nothing_in_effect_points_at_the_document(lab):
    policy, revision = effective_document(lab.qm, number="QP-6.2-01")
    policy_item = services.ensure_document_item(policy, by=lab.qm)
    services.add_requirement(lab.technician, policy_item, by=lab.qm)
    person = make_person("E1", job_roles=[lab.technician])
    train(lab, person)
    services.record_training(person, policy_item, completed_on=TODAY, by=lab.qm)
    db.session.commit()
    assert findings("TRN-MISSING") == []

    documents.withdraw(revision, by=lab.qm, reason="replaced by QP-6.2-02")
    db.session.commit()
    (finding,) = findings("TRN-MISSING")
    assert finding.detail == "QP-6.2-01" and "no effective revision" in finding.message
    assert finding.href.endswith(f"/documents/{policy.id}")


# --- TRN-EXPIRED ----------------------------------------------------------------------------


def test_trn_expired(lab):
    ann = make_person("E1", name="Ann Able", job_roles=[lab.technician])
    train(lab, ann, on=days_ago(400))  # ESD expired 12 months on: 2026-01-26
    expired_on = D(2026, 1, 26)
    train(lab, make_person("E2", job_roles=[lab.technician]), on=days_ago(10))  # the twin

    (finding,) = findings("TRN-EXPIRED")
    assert (finding.subject_key, finding.detail, finding.severity.value, finding.due_on) == (
        "E1",
        "ESD-101",
        "blocker",
        expired_on,
    )
    assert finding.clause == "6.2.5" and "expired on 2026-01-26" in finding.message
    # Not yet a gap well before the expiry; a warning within the window before it.
    assert findings("TRN-EXPIRED", expired_on - dt.timedelta(days=40)) == []
    assert summary("TRN-EXPIRED", expired_on - dt.timedelta(days=5)) == [
        ("E1", "ESD-101", "warning", expired_on)
    ]
    # Still valid on its expiry day.
    assert summary("TRN-EXPIRED", expired_on)[0][2] == "warning"

    services.record_training(ann, lab.esd, completed_on=TODAY, by=lab.qm)
    db.session.commit()
    assert findings("TRN-EXPIRED") == []


def test_trn_expiring_after_the_as_of_date_is_no_blocker(lab):
    person = make_person("E1", job_roles=[lab.technician])
    train(lab, person, expires_on=TODAY + dt.timedelta(days=60))
    assert findings("TRN-EXPIRED") == []
    assert summary("TRN-EXPIRED", TODAY + dt.timedelta(days=40)) == [
        ("E1", "ESD-101", "warning", TODAY + dt.timedelta(days=60))
    ]
    # An assessment planned after the expiry: a blocker now.
    assert summary("TRN-EXPIRED", TODAY + dt.timedelta(days=61)) == [
        ("E1", "ESD-101", "blocker", TODAY + dt.timedelta(days=60))
    ]


def test_trn_expired_when_trained_on_an_earlier_revision_only(lab):
    person = make_person("E1", name="Ann Able", job_roles=[lab.technician])
    train(lab, person, on=days_ago(100))
    assert findings("TRN-EXPIRED") == []
    next_revision(lab.procedure, lab.qm, label="B", effective_days_ago=5)

    (finding,) = findings("TRN-EXPIRED")
    assert (finding.detail, finding.severity.value, finding.due_on) == (
        "TM-AS6171-2",
        "blocker",
        None,
    )
    assert "Rev B" in finding.message and "Rev A" in finding.message
    assert findings("TRN-MISSING") == []

    services.record_training(person, lab.procedure_item, completed_on=TODAY, by=lab.qm)
    db.session.commit()
    assert findings("TRN-EXPIRED") == []


# --- AUTH-NONE ------------------------------------------------------------------------------


def test_auth_none(lab):
    covered_method = make_method("AS6171/4", procedure=lab.procedure)
    ann = make_person("E1", name="Ann Able", job_roles=[lab.technician])
    qualify(lab, ann, method=covered_method)
    authorize(lab, ann, method=covered_method, authorized_on=days_ago(30))  # the twin
    suspended = make_method("AS6171/9")
    suspended.status = "suspended"
    db.session.commit()

    (finding,) = findings("AUTH-NONE")
    assert (finding.subject_type, finding.subject_key, finding.clause) == (
        "method",
        "AS6171/2",
        "6.2.6",
    )
    assert finding.severity.value == "blocker" and finding.href.endswith("/personnel/methods")

    bob = make_person("E2", name="Bob Baker", job_roles=[lab.technician])
    qualify(lab, bob)
    authorization = authorize(lab, bob)
    assert findings("AUTH-NONE") == []
    # The authorization starts today: as of yesterday nobody was authorized.
    assert [f.subject_key for f in findings("AUTH-NONE", days_ago(1))] == ["AS6171/2"]

    services.suspend(authorization, reason="pending retraining", by=lab.qm)
    db.session.commit()
    assert [f.subject_key for f in findings("AUTH-NONE")] == ["AS6171/2"]


def test_auth_none_warns_when_the_last_authorization_ends_soon(lab):
    ann = make_person("E1", name="Ann Able", job_roles=[lab.technician])
    qualify(lab, ann)
    ends = TODAY + dt.timedelta(days=10)
    authorize(lab, ann, expires_on=ends)

    (finding,) = findings("AUTH-NONE")
    assert (finding.severity.value, finding.due_on) == ("warning", ends + dt.timedelta(days=1))
    assert "Ann Able" in finding.message
    # As of the day after it ends, the method is uncovered: a blocker.
    assert [f.severity.value for f in findings("AUTH-NONE", ends + dt.timedelta(days=1))] == [
        "blocker"
    ]
    # A second analyst without an end date covers the method beyond the window.
    bob = make_person("E2", job_roles=[lab.technician])
    qualify(lab, bob)
    authorize(lab, bob)
    assert findings("AUTH-NONE") == []


def test_auth_none_warns_when_the_only_analyst_leaves(lab):
    ann = make_person("E1", name="Ann Able", job_roles=[lab.technician])
    qualify(lab, ann)
    authorize(lab, ann)
    leaves = TODAY + dt.timedelta(days=20)
    services.record_leaving(ann, left_on=leaves, reason="retiring", by=lab.qm)
    db.session.commit()
    (finding,) = findings("AUTH-NONE")
    assert (finding.severity.value, finding.due_on) == ("warning", leaves)
    assert f"leaves on {leaves}" in finding.message


# --- AUTH-UNQUALIFIED -----------------------------------------------------------------------


def test_auth_unqualified(lab):
    ann = make_person("E1", name="Ann Able", job_roles=[lab.technician])
    qualify(lab, ann)
    authorize(lab, ann)  # the twin
    bob = make_person("E2", name="Bob Baker", job_roles=[lab.technician])
    authorize(lab, bob, override_reason="Only analyst on shift; supervised by Ann.")

    (finding,) = findings("AUTH-UNQUALIFIED")
    assert (finding.subject_type, finding.subject_key, finding.detail, finding.clause) == (
        "person",
        "E2",
        "AS6171/2",
        "6.2.6",
    )
    assert finding.severity.value == "blocker"
    assert "no training on TM-AS6171-2 Rev A" in finding.message
    assert "no competence assessment on AS6171/2" in finding.message
    assert "override" in finding.message
    assert finding.href.endswith(f"/personnel/people/{bob.id}")
    # Before the authorization started it was no gap.
    assert findings("AUTH-UNQUALIFIED", days_ago(1)) == []

    qualify(lab, bob)
    assert findings("AUTH-UNQUALIFIED") == []


def test_auth_unqualified_once_competence_lapses_by_the_as_of_date(lab):
    ann = make_person("E1", name="Ann Able", job_roles=[lab.technician])
    qualify(lab, ann, assessed_on=days_ago(300))  # reassessment due 12 months on
    authorize(lab, ann)
    due = D(2026, 5, 6)
    assert findings("AUTH-UNQUALIFIED") == []
    assert findings("AUTH-UNQUALIFIED", due) == []
    (finding,) = findings("AUTH-UNQUALIFIED", due + dt.timedelta(days=1))
    assert finding.subject_key == "E1" and "reassessment was due on 2026-05-06" in finding.message


def test_auth_unqualified_ignores_suspended_authorizations_and_methods(lab):
    bob = make_person("E2", job_roles=[lab.technician])
    authorization = authorize(lab, bob, override_reason="urgent job")
    assert [f.subject_key for f in findings("AUTH-UNQUALIFIED")] == ["E2"]
    lab.method.status = "suspended"
    db.session.commit()
    assert findings("AUTH-UNQUALIFIED") == []
    lab.method.status = "in_scope"
    services.suspend(authorization, reason="until trained", by=lab.qm)
    db.session.commit()
    assert findings("AUTH-UNQUALIFIED") == []


# --- query count ----------------------------------------------------------------------------


def test_query_count_does_not_grow_with_people(lab, count_queries):
    importer = lab.qm

    def build(n, prefix):
        for i in range(n):
            method = make_method(f"{prefix}/{i}", procedure=lab.procedure)
            make_method(f"{prefix}/NONE/{i}")
            missing = make_person(f"{prefix}-M{i}", job_roles=[lab.technician])
            train(lab, missing, esd=False)
            expired = make_person(f"{prefix}-X{i}", job_roles=[lab.technician])
            train(lab, expired, on=days_ago(390))
            unqualified = make_person(f"{prefix}-U{i}", job_roles=[lab.technician])
            train(lab, unqualified)
            services.import_authorization(
                unqualified,
                method,
                authorized_on=days_ago(5),
                expires_on=None,
                authorized_by=importer,
            )
        db.session.commit()

    def run():
        context = GapContext(as_of=TODAY, today=TODAY, warning_days=30)
        return [f for rule in PERSONNEL_RULES for f in rule(context)]

    build(2, "SMALL")
    run()
    with count_queries() as small:
        few = run()
    build(20, "LARGE")
    with count_queries() as large:
        many = run()
    assert len(many) > len(few) >= 4 * 2
    assert {f.rule for f in few} == {r.rule_id for r in PERSONNEL_RULES}
    assert large.count == small.count, (small.statements, large.statements)


# --- clause evidence ------------------------------------------------------------------------


def test_personnel_evidence_by_clause(lab):
    ann = make_person("E1", name="Ann Able", job_roles=[lab.technician])
    qualify(lab, ann)
    services.record_training(ann, lab.esd, completed_on=days_ago(10), by=lab.qm)
    authorization = authorize(lab, ann)
    old = make_person("E2", name="Old Timer", job_roles=[lab.technician])
    services.record_training(old, lab.esd, completed_on=days_ago(400), by=lab.qm)  # expired
    db.session.commit()

    evidence = evidence_by_clause(TODAY)
    training = sorted(
        e.key.rsplit(":", 1)[0] for e in evidence["6.2.5"] if e.kind == "training record"
    )
    assert training == ["E1:ESD-101", "E1:TM-AS6171-2"]
    (record,) = [e for e in evidence["6.2.5"] if e.key.startswith("E1:ESD-101")]
    assert record.label == "Ann Able trained on ESD-101 · ESD awareness"
    assert record.note == f"expires {D(2027, 2, 20)}" and record.href.endswith(
        f"/personnel/people/{ann.id}"
    )
    assert [e.key for e in evidence["6.2.5"] if e.kind == "competence assessment"] == [
        f"E1:AS6171/2:{days_ago(20)}"
    ]
    assert [e.key for e in evidence["6.2.6"]] == [f"E1:AS6171/2:{authorization.id}"]
    assert [e.key for e in evidence["6.2.2"]] == ["Technician"]
    assert covered("6.2", evidence)

    # As of a date before any of it, there is nothing to show; the old record counted then.
    earlier = evidence_by_clause(days_ago(40))
    assert [e.key.rsplit(":", 1)[0] for e in earlier.get("6.2.5", [])] == ["E2:ESD-101"]
    assert "6.2.6" not in earlier
    # A new revision of the procedure: training on the old one is no longer evidence.
    next_revision(lab.procedure, lab.qm, label="B", effective_days_ago=1)
    assert "E1:TM-AS6171-2" not in {
        e.key.rsplit(":", 1)[0] for e in evidence_by_clause(TODAY)["6.2.5"]
    }
