""" "job_role:<name>" distribution lists: active holders of the job role who have a login read the
new revision, and their acknowledgement counts as training on it."""

from __future__ import annotations

from sqlalchemy import select

from compliance.documents import services as documents
from compliance.documents.models import AcknowledgementTask
from compliance.extensions import db
from compliance.personnel import services
from compliance.personnel.matrix import CellStatus
from tests.conftest import DEMO_PASSWORD
from tests.factories import effective_document, make_person
from tests.personnel.conftest import TODAY, days_ago


def test_job_role_audience_resolves_to_active_holders_with_a_login(lab, make_user):
    reader = make_user("staff", name="Rita Reader")
    by_email = make_user("staff", name="Eli Email", email="eli@lab.test")
    leaver = make_user("staff", name="Lee Leaver")
    make_user("staff", name="Not A Technician")
    make_person("E1", user=reader, job_roles=[lab.technician])
    # Not linked yet, but the staff record carries the login's e-mail.
    services.create_person(
        employee_id="E2", name="Eli Email", email="eli@lab.test", job_roles=[], by=lab.qm
    )
    db.session.commit()
    eli = services.person_by_employee_id("E2")
    eli.user_id = None
    eli.job_roles = [lab.technician]
    gone = make_person("E3", user=leaver, job_roles=[lab.technician])
    services.record_leaving(gone, left_on=days_ago(1), reason="left", by=lab.qm)
    make_person("E4", name="No Login", job_roles=[lab.technician])
    db.session.commit()

    document, _ = effective_document(lab.qm, number="WI-7.4-01", audiences=["job_role:technician"])
    assert [u.id for u in documents.distribution_users(document)] == sorted(
        [reader.id, by_email.id]
    )


def test_an_acknowledgement_through_the_distribution_is_training(lab, make_user):
    reader = make_user("staff", name="Rita Reader")
    person = make_person("E1", user=reader, job_roles=[lab.technician])
    documents.update_document(
        lab.procedure,
        by=lab.qm,
        title=lab.procedure.title,
        owner=lab.qm,
        review_interval_months=24,
        clauses=[],
        audiences=["job_role:Technician"],
        reason="technicians read it",
    )
    from tests.factories import next_revision

    revision_c = next_revision(lab.procedure, lab.qm, label="C", effective_days_ago=0)
    documents.create_acknowledgement_tasks(revision_c)
    task = db.session.scalar(
        select(AcknowledgementTask).where(AcknowledgementTask.user_id == reader.id)
    )
    assert task is not None and task.revision_id == revision_c.id
    ((column, cell),) = [
        (c, cell)
        for c, cell in services.person_matrix_row(person, TODAY)
        if c.label == "TM-AS6171-2"
    ]
    assert cell.status is CellStatus.MISSING and column.current_revision_label == "C"
    documents.acknowledge(task, by=reader, password=DEMO_PASSWORD)
    ((_, cell),) = [
        (c, cell)
        for c, cell in services.person_matrix_row(person, TODAY)
        if c.label == "TM-AS6171-2"
    ]
    assert cell.status is CellStatus.CURRENT and cell.note == "acknowledged"
    assert cell.completed_on == TODAY
