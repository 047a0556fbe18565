"""The nonconformity lifecycle: raise, investigate, act, check effectiveness, close with a
signature; and every refusal on the way."""

import datetime as dt

import pytest
from sqlalchemy import select

from compliance.audit.models import AuditEntry
from compliance.audit.services import verify
from compliance.capa import services as capa
from compliance.capa.services import CapaError
from compliance.dates import lab_today
from compliance.extensions import db
from compliance.quality.rules import QualityError
from compliance.signatures.models import Signature
from compliance.signatures.services import SignatureError
from tests.conftest import DEMO_PASSWORD
from tests.quality.builders import nonconformity


def trail(reference):
    return db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.entity_type == "nonconformity", AuditEntry.entity_key == reference)
        .order_by(AuditEntry.seq)
    ).all()


def test_full_lifecycle_ends_in_a_signed_closure(ctx, qm, make_user):
    tech = make_user("staff", name="Tess Tech")
    nc = capa.open_nonconformity(
        by=tech,
        source="staff",
        description="Tray of parts left outside the EPA overnight.",
        clause_number="7.4",
        risk="low",
        immediate_correction="Moved into the EPA.",
    )
    assert nc.reference == f"NC-{lab_today().year}-001" and nc.stage == "investigation"
    capa.update_investigation(
        nc,
        by=qm,
        description=nc.description,
        clause_number="7.4",
        risk="medium",
        immediate_correction="Moved into the EPA; parts inspected.",
        root_cause="No marked shelf for trays waiting overnight.",
    )
    action = capa.add_action(
        nc, by=qm, description="Mark a shelf.", owner=tech, due_on=lab_today() + dt.timedelta(7)
    )
    assert nc.stage == "corrective action"
    capa.complete_action(action, by=tech, note="Shelf marked and labelled.")
    assert nc.stage == "effectiveness check"
    capa.record_effectiveness(nc, by=qm, check="Four weekly spot checks clean.", is_effective=True)
    assert nc.stage == "ready to close" and capa.closure_problems(nc) == []
    signature = capa.close(nc, by=qm, password=DEMO_PASSWORD, comment="Verified.")
    db.session.commit()
    assert nc.is_closed and nc.closure_signature_id == signature.id and nc.closed_by_id == qm.id
    assert signature.meaning == "closed" and signature.printed_name == "Quinn Manager"
    # The signature binds the record as closed: any later change would no longer match.
    assert signature.binds(capa.closure_sha256(nc))
    nc.root_cause = "edited afterwards"
    assert not signature.binds(capa.closure_sha256(nc))
    db.session.rollback()
    assert trail(nc.reference) == [
        "nonconformity.raised",
        "nonconformity.investigated",
        "corrective_action.added",
        "corrective_action.completed",
        "nonconformity.effectiveness_checked",
        "signature.applied",
        "nonconformity.closed",
    ]
    assert verify().ok


def test_closure_refused_without_an_effectiveness_check(ctx, qm):
    nc = nonconformity(qm, stage="done")
    with pytest.raises(CapaError, match="effectiveness of the actions has not been checked"):
        capa.close(nc, by=qm, password=DEMO_PASSWORD)
    assert not nc.is_closed
    assert (
        db.session.scalar(select(Signature).where(Signature.subject_type == "nonconformity"))
        is None
    )


def test_closure_refused_when_the_check_found_the_actions_not_effective(ctx, qm):
    nc = nonconformity(qm, stage="done")
    capa.record_effectiveness(nc, by=qm, check="Trays found outside again.", is_effective=False)
    with pytest.raises(CapaError, match="found the actions not effective"):
        capa.close(nc, by=qm, password=DEMO_PASSWORD)
    # A further action makes the verdict stale; after it, a new check can close the record.
    extra = capa.add_action(
        nc, by=qm, description="Add a night-shift check.", owner=qm, due_on=lab_today()
    )
    assert nc.is_effective is None
    capa.complete_action(extra, by=qm, note="Done")
    capa.record_effectiveness(nc, by=qm, check="Clean for a month.", is_effective=True)
    capa.close(nc, by=qm, password=DEMO_PASSWORD)
    assert nc.is_closed


@pytest.mark.parametrize(
    ("stage", "problem"),
    [
        ("raised", "the root cause is not recorded"),
        ("investigated", "no corrective action is recorded"),
        ("acted", "1 corrective action(s) are not done"),
    ],
)
def test_closure_refused_at_each_earlier_stage(ctx, qm, stage, problem):
    nc = nonconformity(qm, stage=stage)
    with pytest.raises(CapaError) as refused:
        capa.close(nc, by=qm, password=DEMO_PASSWORD)
    assert problem in str(refused.value)


def test_only_a_quality_manager_closes_and_only_with_the_right_password(ctx, qm, make_user):
    nc = nonconformity(qm, stage="checked")
    staff = make_user("staff")
    with pytest.raises(CapaError, match="Only a quality manager"):
        capa.close(nc, by=staff, password=DEMO_PASSWORD)
    with pytest.raises(SignatureError):
        capa.close(nc, by=qm, password="wrong password")
    assert not nc.is_closed and qm.failed_logins == 1


def test_step_rules(ctx, qm, make_user):
    tech, other = make_user("staff"), make_user("staff")
    nc = nonconformity(qm, stage="raised")
    with pytest.raises(CapaError, match="Record the root cause"):
        capa.add_action(nc, by=qm, description="x", owner=tech, due_on=lab_today())
    nc = nonconformity(qm, stage="acted", owner=tech)
    with pytest.raises(CapaError, match="not done yet"):
        capa.record_effectiveness(nc, by=qm, check="x", is_effective=True)
    with pytest.raises(CapaError, match="Only the owner"):
        capa.complete_action(nc.actions[0], by=other, note="done")
    with pytest.raises(CapaError, match="future date"):
        capa.complete_action(
            nc.actions[0], by=tech, note="done", completed_on=lab_today() + dt.timedelta(1)
        )
    capa.complete_action(nc.actions[0], by=tech, note="done")
    with pytest.raises(CapaError, match="already|was completed"):
        capa.complete_action(nc.actions[0], by=qm, note="again")
    with pytest.raises(CapaError, match="must fall between"):
        capa.record_effectiveness(
            nc, by=qm, check="x", is_effective=True, checked_on=lab_today() - dt.timedelta(1)
        )
    with pytest.raises(QualityError, match="Unknown ISO"):
        capa.update_investigation(
            nc,
            by=qm,
            description="x",
            clause_number="9.9",
            risk="low",
            immediate_correction="",
            root_cause="x",
        )


def test_a_closed_record_does_not_change(ctx, qm):
    nc = nonconformity(qm, stage="checked")
    capa.close(nc, by=qm, password=DEMO_PASSWORD)
    with pytest.raises(CapaError, match="is closed"):
        capa.add_action(nc, by=qm, description="x", owner=qm, due_on=lab_today())
    with pytest.raises(CapaError, match="is closed"):
        capa.update_investigation(
            nc,
            by=qm,
            description="x",
            clause_number="",
            risk="low",
            immediate_correction="",
            root_cause="x",
        )
    with pytest.raises(CapaError, match="already closed"):
        capa.close(nc, by=qm, password=DEMO_PASSWORD)


def test_overdue_actions_as_of_a_date(ctx, qm):
    due = lab_today() - dt.timedelta(days=10)
    nc = nonconformity(qm, stage="acted", due_on=due, raised_on=due - dt.timedelta(days=30))
    assert capa.overdue_actions(lab_today()) == nc.actions
    assert capa.overdue_actions(due) == []  # due that day: not late yet
    capa.complete_action(nc.actions[0], by=qm, note="done", completed_on=lab_today())
    assert capa.overdue_actions(lab_today()) == []
    # Yesterday it was still open and late; a month before its due date it was not late.
    assert capa.overdue_actions(lab_today() - dt.timedelta(days=1)) == nc.actions
    assert capa.overdue_actions(due - dt.timedelta(days=31)) == []
