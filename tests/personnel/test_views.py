"""Personnel pages as each role uses them: the QM manages, auditors read, staff see their own."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest
from pypdf import PdfWriter
from sqlalchemy import func, select

from compliance.audit.models import AuditEntry
from compliance.documents.models import AcknowledgementTask
from compliance.extensions import db
from compliance.files.models import StoredFile
from compliance.personnel import services
from compliance.personnel.models import Authorization, Person, TrainingRecord
from tests.conftest import DEMO_PASSWORD
from tests.factories import make_docx, make_person
from tests.personnel.conftest import TODAY, days_ago


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def tech(lab, make_user):
    user = make_user("staff", name="Tara Tech", email="tara@lab.test")
    person = make_person("E10", user=user, job_roles=[lab.technician])
    services.record_training(person, lab.esd, completed_on=days_ago(400), by=lab.qm)
    db.session.commit()
    return person


def test_qm_creates_a_person_and_records_training_with_evidence(client, auth, lab):
    auth.login(lab.qm.email)
    response = auth.post(
        "/personnel/people/new",
        {
            "employee_id": "E77",
            "name": "Nina New",
            "email": "nina@lab.test",
            "hired_on": "2025-09-01",
            "job_roles": [str(lab.technician.id)],
        },
    )
    assert response.status_code == 302
    person = db.session.scalar(select(Person).where(Person.employee_id == "E77"))
    assert person.job_role_names == ["Technician"]
    pdf = _pdf()
    response = auth.post(
        f"/personnel/people/{person.id}/training/new",
        {
            "item_id": str(lab.esd.id),
            "completed_on": days_ago(3).isoformat(),
            "trainer": "Sofia Marin",
            "training_method": "classroom",
            "evidence": (io.BytesIO(pdf), "certificate.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text
    record = db.session.scalar(select(TrainingRecord))
    assert record.evidence_sha256 == hashlib.sha256(pdf).hexdigest()
    download = client.get(f"/personnel/training/{record.id}/evidence")
    assert download.status_code == 200 and download.data == pdf
    assert download.mimetype == "application/pdf"
    page = client.get(f"/personnel/people/{person.id}")
    assert "ESD-101" in page.text and "Sofia Marin" in page.text


def test_a_disguised_evidence_file_is_refused_and_nothing_is_stored(client, auth, lab, tech):
    auth.login(lab.qm.email)
    files, records = _count(StoredFile), _count(TrainingRecord)
    response = auth.post(
        f"/personnel/people/{tech.id}/training/new",
        {
            "item_id": str(lab.esd.id),
            "completed_on": days_ago(3).isoformat(),
            "evidence": (io.BytesIO(make_docx()), "certificate.pdf"),
        },
        content_type="multipart/form-data",
        form_page=f"/personnel/people/{tech.id}/training/new",
    )
    assert response.status_code == 422
    assert "the extension must match the content" in response.text
    assert (_count(StoredFile), _count(TrainingRecord)) == (files, records)


def test_qm_corrects_a_record_through_the_page(client, auth, lab, tech):
    auth.login(lab.qm.email)
    original = db.session.scalar(select(TrainingRecord))
    path = f"/personnel/training/{original.id}/correct"
    page = client.get(path)
    assert page.status_code == 200 and "original record stays on file" in page.text
    response = auth.post(
        path,
        {
            "item_id": str(lab.esd.id),
            "completed_on": days_ago(40).isoformat(),
            "trainer": "",
            "training_method": "",
            "reason": "Wrong year typed.",
        },
    )
    assert response.status_code == 302
    rows = db.session.scalars(select(TrainingRecord).order_by(TrainingRecord.id)).all()
    assert len(rows) == 2 and rows[1].corrects_id == rows[0].id
    shown = client.get(f"/personnel/people/{tech.id}").text
    assert f"corrected by #{rows[1].id}" in shown and "Wrong year typed." in shown


def test_authorize_through_the_page_refusal_then_override(client, auth, lab, tech):
    auth.login(lab.qm.email)
    path = f"/personnel/people/{tech.id}/authorizations/new"
    preview = client.get(f"{path}?method={lab.method.id}")
    assert "no competence assessment on AS6171/2" in preview.text  # shown before signing
    data = {
        "method_id": str(lab.method.id),
        "authorized_on": TODAY.isoformat(),
        "password": DEMO_PASSWORD,
    }
    refused = auth.post(path, data)
    assert refused.status_code == 422
    assert "Record an override reason to authorize anyway" in refused.text
    assert _count(Authorization) == 0
    wrong = auth.post(path, {**data, "override_reason": "cover", "password": "nope"})
    assert wrong.status_code == 422 and "password is not correct" in wrong.text
    assert _count(Authorization) == 0
    granted = auth.post(path, {**data, "override_reason": "Covering a holiday, supervised."})
    assert granted.status_code == 302
    authorization = db.session.scalar(select(Authorization))
    assert authorization.override_reason == "Covering a holiday, supervised."
    person_page = client.get(f"/personnel/people/{tech.id}").text
    assert "Covering a holiday, supervised." in person_page
    assert "Authorized by Quinn Manager" in person_page
    suspended = auth.post(
        f"/personnel/authorizations/{authorization.id}/suspend",
        {"reason": "Pending training."},
        form_page=f"/personnel/people/{tech.id}",
    )
    assert suspended.status_code == 302
    db.session.refresh(authorization)
    assert authorization.status == "suspended"
    assert "Pending training." in client.get(f"/personnel/people/{tech.id}").text


def test_auditor_reads_everything_and_changes_nothing(client, auth, lab, tech, make_user):
    auditor = make_user("auditor")
    auth.login(auditor.email)
    for path in (
        "/personnel/",
        f"/personnel/people/{tech.id}",
        "/personnel/matrix",
        "/personnel/matrix.xlsx",
        "/personnel/methods",
        "/personnel/job-roles",
        f"/personnel/job-roles/{lab.technician.id}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
    person_page = client.get(f"/personnel/people/{tech.id}").text
    assert "Record training" not in person_page and "Authorize for a method" not in person_page
    assert "Correct</a>" not in person_page
    entries = _count(AuditEntry)
    for path in (
        "/personnel/people/new",
        f"/personnel/people/{tech.id}/training/new",
        f"/personnel/people/{tech.id}/authorizations/new",
        "/personnel/job-roles/new",
    ):
        assert auth.post(path, {}, form_page="/personnel/").status_code == 403, path
    assert _count(AuditEntry) == entries


def test_staff_see_only_their_own_training_and_reading_tasks(client, auth, lab, tech, make_user):
    other = make_person("E11", name="Otto Other", job_roles=[lab.technician])
    db.session.add(
        AcknowledgementTask(
            revision_id=lab.rev_b.id, user_id=tech.user_id, due_on=TODAY + dt.timedelta(days=7)
        )
    )
    db.session.commit()
    auth.login("tara@lab.test")
    mine = client.get("/personnel/me")
    assert mine.status_code == 200
    assert "Tara Tech" in mine.text and "Otto Other" not in mine.text
    assert "TM-AS6171-2 Rev B" in mine.text  # the open acknowledgement task
    assert re.search(r"ESD-101.*?expired", mine.text, re.S)
    assert "SAFE-1" in mine.text and "missing" in mine.text
    for path in (
        "/personnel/",
        f"/personnel/people/{tech.id}",
        f"/personnel/people/{other.id}",
        "/personnel/matrix",
        "/personnel/matrix.csv",
        f"/personnel/training/{db.session.scalar(select(TrainingRecord.id))}/evidence",
    ):
        assert client.get(path).status_code == 403, path
    dashboard = client.get("/").text
    assert "My training" in dashboard


def test_my_training_without_a_staff_record(client, auth, make_user, lab):
    user = make_user("staff")
    auth.login(user.email)
    page = client.get("/personnel/me")
    assert page.status_code == 200 and "No staff record is linked to your login" in page.text


def test_qm_dashboard_counts_training_gaps_and_lone_analysts(client, auth, lab, tech):
    auth.login(lab.qm.email)
    html = client.get("/").text
    # Tara: ESD expired; safety and procedure missing.
    assert re.search(r"Training gaps</h2>\s*<p[^>]*>3</p>\s*<p[^>]*>1 expired, 2 missing", html)
    assert "Methods without an authorized analyst" in html


def test_job_roles_pages_add_and_remove_requirements(client, auth, lab):
    auth.login(lab.qm.email)
    response = auth.post(
        "/personnel/courses/new",
        {"code": "rad-safe", "title": "Radiation safety", "retrain_interval_months": "12"},
        form_page="/personnel/job-roles",
    )
    assert response.status_code == 302
    course = services.course_by_code("RAD-SAFE")
    page = f"/personnel/job-roles/{lab.technician.id}"
    added = auth.post(
        f"/personnel/job-roles/{lab.technician.id}/requirements",
        {"item": f"item:{course.id}"},
        form_page=page,
    )
    assert added.status_code == 302 and services.has_requirement(lab.technician, course)
    removed = auth.post(
        f"/personnel/job-roles/{lab.technician.id}/requirements/{course.id}/remove",
        {"reason": "Only for X-ray analysts."},
        form_page=page,
    )
    assert removed.status_code == 302 and not services.has_requirement(lab.technician, course)
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity_key == "Technician")
    ).all()
    assert actions[-2:] == ["requirement.added", "requirement.removed"]


def test_leaving_is_recorded_from_the_person_page(client, auth, lab, tech):
    auth.login(lab.qm.email)
    response = auth.post(
        f"/personnel/people/{tech.id}/leaving",
        {"left_on": (TODAY + dt.timedelta(days=30)).isoformat(), "reason": "Relocating."},
        form_page=f"/personnel/people/{tech.id}",
    )
    assert response.status_code == 302
    db.session.refresh(tech)
    assert tech.is_active and tech.left_on == TODAY + dt.timedelta(days=30)
    assert "leaving" in client.get("/personnel/").text
