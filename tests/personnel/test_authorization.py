"""Authorization per method: refused without current procedure training and competence, the
override path, the e-signature, suspension, withdrawal and reinstatement, all audited."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select

from compliance.audit.models import AuditEntry
from compliance.dates import add_months
from compliance.documents.models import AcknowledgementTask
from compliance.extensions import db
from compliance.personnel import services
from compliance.personnel.models import Authorization, AuthorizationStatus
from compliance.signatures.models import Meaning, Signature
from compliance.signatures.services import SignatureError
from tests.conftest import DEMO_PASSWORD
from tests.factories import make_person
from tests.personnel.conftest import NOW, TODAY, days_ago


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        )
    )


@pytest.fixture
def analyst(lab):
    return make_person("E7", name="Ann Analyst", job_roles=[lab.technician])


def _qualify(lab, person, *, on_revision_b=True, competent=True, assessed=None):
    if on_revision_b:
        services.record_training(person, lab.procedure_item, completed_on=days_ago(5), by=lab.qm)
    services.record_competence(
        person,
        lab.method,
        assessed_on=assessed or days_ago(20),
        assessor="Quinn Manager",
        result="competent" if competent else "not_yet",
        by=lab.qm,
    )
    db.session.commit()


def _authorize(lab, person, **kwargs):
    return services.authorize(
        person,
        lab.method,
        authorized_on=kwargs.pop("authorized_on", TODAY),
        by=lab.qm,
        password=kwargs.pop("password", DEMO_PASSWORD),
        **kwargs,
    )


def test_refused_without_training_and_competence_and_nothing_is_written(lab, analyst):
    signatures, entries = _count(Signature), _count(AuditEntry)
    with pytest.raises(services.AuthorizationRefused) as refused:
        _authorize(lab, analyst)
    assert refused.value.unmet == [
        "no training on TM-AS6171-2 Rev B, the current revision",
        "no competence assessment on AS6171/2",
    ]
    assert "override reason" in str(refused.value)
    db.session.rollback()
    assert _count(Authorization) == 0
    assert (_count(Signature), _count(AuditEntry)) == (signatures, entries)


def test_training_on_the_previous_revision_is_not_enough(lab, analyst):
    services.record_training(analyst, lab.procedure_item, completed_on=days_ago(100), by=lab.qm)
    _qualify(lab, analyst, on_revision_b=False)
    with pytest.raises(services.AuthorizationRefused) as refused:
        _authorize(lab, analyst)
    assert refused.value.unmet == [
        "no training on TM-AS6171-2 Rev B, the current revision (trained on Rev A only)"
    ]


@pytest.mark.parametrize(
    ("competent", "assessed", "message"),
    [
        (False, days_ago(20), "found them not yet competent"),
        (True, add_months(TODAY, -13), "competence reassessment was due on"),
    ],
)
def test_competence_must_be_current(lab, analyst, competent, assessed, message):
    _qualify(lab, analyst, competent=competent, assessed=assessed)
    with pytest.raises(services.AuthorizationRefused) as refused:
        _authorize(lab, analyst)
    (unmet,) = refused.value.unmet
    assert message in unmet


def test_granted_with_a_signature_bound_to_the_statement(lab, analyst):
    _qualify(lab, analyst)
    authorization = _authorize(lab, analyst, expires_on=add_months(TODAY, 24))
    db.session.commit()
    assert authorization.status == AuthorizationStatus.ACTIVE.value
    assert authorization.is_current(TODAY)
    assert authorization.unmet == [] and authorization.override_reason is None
    signature = db.session.get(Signature, authorization.signature_id)
    assert signature.meaning == Meaning.AUTHORIZED == "authorized"
    assert signature.signer_id == lab.qm.id and signature.printed_name == "Quinn Manager"
    assert signature.binds(hashlib.sha256(authorization.statement.encode()).hexdigest())
    assert "Ann Analyst (employee E7) to perform AS6171/2" in authorization.statement
    assert "Procedure: TM-AS6171-2 Rev B." in authorization.statement
    (entry,) = _audit("authorization.granted")
    assert entry.entity_type == "person" and entry.entity_key == "E7"
    assert entry.changes["method"] == [None, "AS6171/2"]
    assert entry.changes["signature"] == [None, signature.id]


def test_an_acknowledgement_of_the_current_revision_counts_as_training(lab, make_user):
    user = make_user("staff", name="Reader")
    person = make_person("E8", user=user, job_roles=[lab.technician])
    db.session.add(
        AcknowledgementTask(
            revision_id=lab.rev_b.id,
            user_id=user.id,
            due_on=TODAY,
            acknowledged_at=NOW - dt.timedelta(days=1),
        )
    )
    _qualify(lab, person, on_revision_b=False)
    assert services.qualification_gaps(person, lab.method, TODAY) == []


def test_override_records_the_reason_and_what_was_unmet(lab, analyst):
    authorization = _authorize(
        lab, analyst, override_reason="Only analyst on shift; supervised by the QM this week."
    )
    db.session.commit()
    assert authorization.override_reason == "Only analyst on shift; supervised by the QM this week."
    assert authorization.unmet == [
        "no training on TM-AS6171-2 Rev B, the current revision",
        "no competence assessment on AS6171/2",
    ]
    assert "Override reason: Only analyst on shift" in authorization.statement
    signature = db.session.get(Signature, authorization.signature_id)
    assert signature.comment == authorization.override_reason
    (entry,) = _audit("authorization.overridden")
    assert entry.reason == authorization.override_reason
    assert entry.changes["unmet"][1] == authorization.unmet
    assert _audit("authorization.granted") == []


def test_a_wrong_password_creates_nothing_but_counts_toward_lockout(lab, analyst):
    _qualify(lab, analyst)
    signatures = _count(Signature)
    with pytest.raises(SignatureError):
        _authorize(lab, analyst, password="not my password")
    db.session.commit()  # what a view does: keep the failed-password count
    assert _count(Authorization) == 0
    assert _count(Signature) == signatures
    assert _audit("authorization.granted") == []
    db.session.refresh(lab.qm)
    assert lab.qm.failed_logins == 1


def test_refusals_that_no_override_lifts(lab, analyst):
    _qualify(lab, analyst)
    _authorize(lab, analyst)
    with pytest.raises(services.PersonnelError, match="already authorized for AS6171/2"):
        _authorize(lab, analyst, override_reason="again")
    with pytest.raises(services.PersonnelError, match="cannot end before it starts"):
        _authorize(lab, analyst, authorized_on=TODAY, expires_on=days_ago(1))
    services.record_leaving(analyst, left_on=days_ago(1), reason="left", by=lab.qm)
    with pytest.raises(services.PersonnelError, match="does not work here"):
        _authorize(lab, analyst, override_reason="anyway")


def test_suspend_reinstate_and_withdraw_are_audited_with_reasons(lab, analyst):
    _qualify(lab, analyst)
    authorization = _authorize(lab, analyst)
    services.suspend(authorization, reason="Pending retraining after a PT outlier.", by=lab.qm)
    assert authorization.status == "suspended" and not authorization.is_current(TODAY)
    with pytest.raises(services.PersonnelError, match="Only an active"):
        services.suspend(authorization, reason="again", by=lab.qm)
    with pytest.raises(SignatureError):
        services.reinstate(authorization, reason="Retrained.", by=lab.qm, password="wrong")
    services.reinstate(authorization, reason="Retrained.", by=lab.qm, password=DEMO_PASSWORD)
    assert authorization.status == "active" and authorization.is_current(TODAY)
    services.withdraw(authorization, reason="Moved to another department.", by=lab.qm)
    assert authorization.status == "withdrawn"
    with pytest.raises(services.PersonnelError, match="already withdrawn"):
        services.withdraw(authorization, reason="again", by=lab.qm)
    db.session.commit()
    actions = [
        (e.action, e.reason, e.changes.get("status"))
        for e in db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == "person", AuditEntry.entity_key == "E7")
            .where(AuditEntry.action.like("authorization.%"))
            .order_by(AuditEntry.seq)
        )
    ]
    assert actions == [
        ("authorization.granted", None, None),
        (
            "authorization.suspended",
            "Pending retraining after a PT outlier.",
            ["active", "suspended"],
        ),
        ("authorization.reinstated", "Retrained.", ["suspended", "active"]),
        ("authorization.withdrawn", "Moved to another department.", ["active", "withdrawn"]),
    ]
    meanings = db.session.scalars(
        select(Signature.meaning).where(
            Signature.subject_type == "authorization", Signature.subject_id == authorization.id
        )
    ).all()
    assert meanings == ["authorized", "authorized"]  # granted, then reinstated


def test_reinstatement_checks_qualification_again(lab, analyst):
    _qualify(lab, analyst)
    authorization = _authorize(lab, analyst)
    services.suspend(authorization, reason="check", by=lab.qm)
    from tests.factories import next_revision

    next_revision(lab.procedure, lab.qm, label="C", effective_days_ago=0)
    with pytest.raises(services.AuthorizationRefused, match="Rev C"):
        services.reinstate(authorization, reason="back", by=lab.qm, password=DEMO_PASSWORD)
    services.reinstate(
        authorization,
        reason="back",
        by=lab.qm,
        password=DEMO_PASSWORD,
        override_reason="Rev C changes only the report template.",
    )
    assert authorization.override_reason == "Rev C changes only the report template."


def test_a_leavers_authorization_stops_on_the_leaving_date(lab, analyst):
    _qualify(lab, analyst)
    authorization = _authorize(lab, analyst)
    services.record_leaving(analyst, left_on=TODAY + dt.timedelta(days=14), reason="x", by=lab.qm)
    assert analyst.is_active and authorization.is_current(TODAY + dt.timedelta(days=13))
    assert not authorization.is_current(TODAY + dt.timedelta(days=14))
    (method, current), *_ = [
        (m, a) for m, a in services.methods_overview(TODAY) if m.id == lab.method.id
    ]
    assert [a.person.employee_id for a in current] == ["E7"]
    later = dict(services.methods_overview(TODAY + dt.timedelta(days=14)))
    assert later[method] == []


def _authorize_unqualified(lab, first: int, count: int) -> None:
    for n in range(first, first + count):
        other = make_person(f"E{n}", name=f"Olly {n}", job_roles=[lab.technician])
        services.import_authorization(
            other, lab.method, authorized_on=days_ago(50), expires_on=None, authorized_by=lab.qm
        )
    db.session.commit()


def test_set_based_checks_for_the_gap_engine(lab, analyst, count_queries):
    from compliance.personnel.matrix import CellStatus

    _qualify(lab, analyst)
    _authorize(lab, analyst)
    _authorize_unqualified(lab, 8, 5)
    with count_queries() as few:
        found = services.unqualified_authorizations(TODAY)
    _authorize_unqualified(lab, 20, 20)
    with count_queries() as many:
        assert len(services.unqualified_authorizations(TODAY)) == 25
    assert many.count == few.count  # set-based: no query per authorization
    assert [(a.person.employee_id, unmet) for a, unmet in found][0] == (
        "E10",
        [
            "no training on TM-AS6171-2 Rev B, the current revision",
            "no competence assessment on AS6171/2",
        ],
    )
    assert {a.person.employee_id for a, _ in found} == {"E8", "E9", "E10", "E11", "E12"}
    gaps = {(p.employee_id, c.label, cell.status) for p, c, cell in services.training_gaps(TODAY)}
    assert ("E8", "ESD-101", CellStatus.MISSING) in gaps
    assert ("E7", "TM-AS6171-2", CellStatus.MISSING) not in gaps


def test_the_scope_readiness_gets_a_personnel_answer(app, lab, analyst):
    from compliance.scope.readiness import assess_one

    with app.test_request_context():
        nobody = assess_one(lab.method, TODAY)
        assert "personnel" not in nobody.unchecked
        (reason,) = [r for r in nobody.reasons if r.check == "personnel"]
        assert (
            reason.severity == "blocker" and "Nobody is authorized for AS6171/2" in reason.message
        )
        _authorize(lab, analyst, override_reason="trainee cover")
        (reason,) = [r for r in assess_one(lab.method, TODAY).reasons if r.check == "personnel"]
        assert reason.severity == "blocker"
        assert reason.message.startswith("Ann Analyst is authorized for AS6171/2 but: no training")
        _qualify(lab, analyst)
        services.record_leaving(
            analyst, left_on=TODAY + dt.timedelta(days=30), reason="moving", by=lab.qm
        )
        (reason,) = [r for r in assess_one(lab.method, TODAY).reasons if r.check == "personnel"]
        assert reason.severity == "warning" and "the only analyst" in reason.message
