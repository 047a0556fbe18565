"""Staff records and training records: corrections keep both records, the table refuses edits,
document training lands on the revision in force, and every change is in the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from compliance.audit.models import AuditEntry
from compliance.dates import add_months
from compliance.extensions import db
from compliance.personnel import services
from compliance.personnel.models import CompetenceAssessment, TrainingRecord
from tests.factories import make_person
from tests.personnel.conftest import TODAY, days_ago


def _entries(key: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == "person", AuditEntry.entity_key == key)
            .order_by(AuditEntry.seq)
        )
    )


def test_staff_record_create_update_leave_and_reinstate_are_audited(lab, make_user):
    user = make_user("staff", email="tess@lab.test", name="Tess")
    person = services.create_person(
        employee_id="E42",
        name="  Tess   Tech ",
        email="TESS@lab.test",
        job_roles=[lab.technician],
        hired_on=days_ago(900),
        by=lab.qm,
    )
    assert person.name == "Tess Tech" and person.email == "tess@lab.test"
    assert person.user_id == user.id  # linked to the login with that e-mail
    with pytest.raises(services.PersonnelError, match="already on record"):
        services.create_person(employee_id="E42", name="Other", by=lab.qm)
    other_role = services.create_job_role("Receiving Inspector", by=lab.qm)
    assert services.update_person(
        person,
        name="Tess Tech",
        email="tess@lab.test",
        job_roles=[lab.technician, other_role],
        hired_on=days_ago(900),
        by=lab.qm,
        reason="added duty",
    )
    assert not services.update_person(
        person,
        name="Tess Tech",
        email="tess@lab.test",
        job_roles=[other_role, lab.technician],
        hired_on=days_ago(900),
        by=lab.qm,
    )
    services.record_leaving(person, left_on=days_ago(0), reason="Resigned.", by=lab.qm)
    assert not person.is_active and not person.active_on(TODAY)
    with pytest.raises(services.PersonnelError, match="already left"):
        services.record_leaving(person, left_on=TODAY, reason="again", by=lab.qm)
    services.reinstate_person(person, reason="Rehired.", by=lab.qm)
    assert person.active_on(TODAY)
    entries = _entries("E42")
    assert [e.action for e in entries] == [
        "person.created",
        "person.updated",
        "person.left",
        "person.reinstated",
    ]
    assert entries[0].changes["job_roles"] == [None, ["Technician"]]
    assert entries[0].changes["login"] == [None, "tess@lab.test"]
    assert entries[1].changes == {
        "job_roles": [["Technician"], ["Receiving Inspector", "Technician"]]
    }
    assert entries[1].reason == "added duty"
    assert entries[2].reason == "Resigned." and entries[2].changes["left_on"] == [None, str(TODAY)]


def test_a_login_belongs_to_one_staff_record(lab, make_user):
    user = make_user("staff", email="one@lab.test")
    make_person("E1", user=user)
    with pytest.raises(services.PersonnelError, match="already belongs to"):
        services.create_person(employee_id="E2", name="Two", email="one@lab.test", by=lab.qm)


def test_training_record_is_audited(lab):
    person = make_person("E1", job_roles=[lab.technician])
    record = services.record_training(
        person,
        lab.esd,
        completed_on=days_ago(10),
        trainer="Sofia Marin",
        training_method="classroom",
        by=lab.qm,
    )
    (entry,) = [e for e in _entries("E1") if e.action == "training.recorded"]
    assert entry.changes["training_record"] == [None, record.id]
    assert entry.changes["item"] == [None, "ESD-101"]
    assert entry.changes["expires_on"] == [None, str(add_months(days_ago(10), 12))]
    assert entry.actor_id == lab.qm.id


def test_correction_keeps_both_records(lab):
    person = make_person("E1", job_roles=[lab.technician])
    original = services.record_training(
        person, lab.esd, completed_on=days_ago(400), trainer="Wrong Name", by=lab.qm
    )
    db.session.commit()
    before = {c.name: getattr(original, c.name) for c in TrainingRecord.__table__.columns}
    corrected = services.correct_training(
        original,
        reason="The attendance sheet shows another date and trainer.",
        completed_on=days_ago(40),
        trainer="Sofia Marin",
        training_method="classroom",
        expires_on=None,
        evidence_sha256=None,
        notes="",
        by=lab.qm,
    )
    db.session.commit()
    db.session.expire_all()
    rows = db.session.scalars(select(TrainingRecord).order_by(TrainingRecord.id)).all()
    assert [r.id for r in rows] == [original.id, corrected.id]
    assert {c.name: getattr(rows[0], c.name) for c in TrainingRecord.__table__.columns} == before
    assert rows[1].corrects_id == original.id
    assert rows[1].correction_reason == "The attendance sheet shows another date and trainer."
    assert rows[1].expires_on == add_months(days_ago(40), 12)
    history = services.training_history(person)
    assert [(r.id, later.id if later else None) for r, later in history] == [
        (corrected.id, None),
        (original.id, corrected.id),
    ]
    (entry,) = [e for e in _entries("E1") if e.action == "training.corrected"]
    assert entry.reason == "The attendance sheet shows another date and trainer."
    assert entry.changes["training_record"] == [original.id, corrected.id]
    assert entry.changes["trainer"] == ["Wrong Name", "Sofia Marin"]
    assert entry.changes["completed_on"] == [str(days_ago(400)), str(days_ago(40))]
    with pytest.raises(services.PersonnelError, match="already corrected by record"):
        services.correct_training(
            original,
            reason="again",
            completed_on=days_ago(41),
            trainer="",
            training_method="",
            expires_on=None,
            evidence_sha256=None,
            notes="",
            by=lab.qm,
        )


def test_a_correction_needs_a_reason_and_a_change(lab):
    person = make_person("E1", job_roles=[lab.technician])
    original = services.record_training(person, lab.esd, completed_on=days_ago(4), by=lab.qm)
    fields = dict(
        completed_on=days_ago(4),
        trainer="",
        training_method="",
        expires_on=None,
        evidence_sha256=None,
        notes="",
        by=lab.qm,
    )
    with pytest.raises(services.PersonnelError, match="Say why"):
        services.correct_training(original, reason=" ", **fields)
    with pytest.raises(services.PersonnelError, match="changes nothing"):
        services.correct_training(original, reason="why", **fields)


@pytest.mark.parametrize("table", [TrainingRecord, CompetenceAssessment])
def test_the_database_refuses_to_edit_or_delete_records(lab, table):
    person = make_person("E1", job_roles=[lab.technician])
    services.record_training(person, lab.esd, completed_on=days_ago(4), by=lab.qm)
    services.record_competence(
        person, lab.method, assessed_on=days_ago(4), assessor="Q", result="competent", by=lab.qm
    )
    db.session.commit()
    column = table.notes
    for statement in (update(table).values({column: "tampered"}), delete(table)):
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(statement)
    assert db.session.scalar(select(column).limit(1)) == ""


def test_document_training_lands_on_the_revision_in_force(lab):
    person = make_person("E1", job_roles=[lab.technician])
    old = services.record_training(person, lab.procedure_item, completed_on=days_ago(31), by=lab.qm)
    new = services.record_training(person, lab.procedure_item, completed_on=days_ago(30), by=lab.qm)
    assert (old.revision_id, new.revision_id) == (lab.rev_a.id, lab.rev_b.id)
    with pytest.raises(services.PersonnelError, match="No revision of TM-AS6171-2 was in effect"):
        services.record_training(person, lab.procedure_item, completed_on=days_ago(401), by=lab.qm)


def test_competence_defaults_and_refusals(lab):
    person = make_person("E1", job_roles=[lab.technician])
    competent = services.record_competence(
        person, lab.method, assessed_on=days_ago(10), assessor="Q", result="competent", by=lab.qm
    )
    assert competent.next_due_on == add_months(days_ago(10), 12)
    not_yet = services.record_competence(
        person,
        lab.method,
        assessed_on=days_ago(5),
        assessor="Q",
        result="not_yet",
        supervisor="Luis Ortega",
        by=lab.qm,
    )
    assert not_yet.next_due_on is None and not not_yet.is_current(TODAY)
    with pytest.raises(services.PersonnelError, match="already has an assessment"):
        services.record_competence(
            person, lab.method, assessed_on=days_ago(5), assessor="Q", result="not_yet", by=lab.qm
        )
    with pytest.raises(services.PersonnelError, match="competent' or 'not_yet"):
        services.record_competence(
            person, lab.method, assessed_on=days_ago(1), assessor="Q", result="maybe", by=lab.qm
        )
    (entry, _) = [e for e in _entries("E1") if e.action == "competence.assessed"]
    assert entry.changes["result"] == [None, "competent"]
    assert entry.changes["method"] == [None, "AS6171/2"]
