"""Quality-system pages as people use them: staff report and act on what is theirs, the quality
manager runs the registers and signs, auditors read everything and change nothing."""

import datetime as dt
import io

import docx
import pytest
from sqlalchemy import select

from compliance.audits.models import InternalAudit
from compliance.capa.models import Nonconformity
from compliance.complaints.models import Complaint
from compliance.dates import lab_today
from compliance.extensions import db
from compliance.proficiency.models import PTEvent
from compliance.reviews.models import ManagementReview
from compliance.reviews.services import INPUT_KEYS
from compliance.risks.models import Risk
from compliance.scope import services as scope
from tests.conftest import DEMO_PASSWORD
from tests.factories import effective_document, make_pdf
from tests.quality.builders import nonconformity


@pytest.fixture
def tech(make_user):
    return make_user("staff", name="Tess Tech")


@pytest.fixture
def assessor(make_user):
    return make_user("auditor", name="Ada Assessor")


def test_staff_report_a_nonconformity_and_complete_their_action(client, auth, qm, tech):
    auth.login(tech.email)
    reported = auth.post(
        "/nonconformities/new",
        {
            "source": "staff",
            "description": "Tray left outside the EPA.",
            "method_id": "0",
            "clause_number": "7.4",
            "risk": "low",
            "immediate_correction": "Moved it.",
        },
    )
    assert reported.status_code == 302
    nc = db.session.scalar(select(Nonconformity))
    assert nc.raised_by_id == tech.id and nc.source == "staff"
    assert client.get("/nonconformities/").status_code == 403  # the register is the QM's
    assert client.get(f"/nonconformities/{nc.id}").status_code == 200  # but theirs is visible
    auth.logout()

    auth.login(qm.email)
    page = f"/nonconformities/{nc.id}"
    auth.post(
        f"{page}/investigation",
        {
            "description": nc.description,
            "clause_number": "7.4",
            "risk": "low",
            "immediate_correction": "Moved it.",
            "root_cause": "No marked shelf.",
        },
        form_page=page,
    )
    auth.post(
        f"{page}/actions",
        {
            "description": "Mark a shelf.",
            "owner_id": str(tech.id),
            "due_on": (lab_today() + dt.timedelta(days=7)).isoformat(),
        },
        form_page=page,
    )
    auth.logout()

    auth.login(tech.email)
    mine = client.get("/my-actions")
    assert "Mark a shelf." in mine.text and nc.reference in mine.text
    db.session.expire_all()
    action = nc.actions[0]
    auth.post(
        f"/corrective-actions/{action.id}/complete", {"note": "Shelf marked."}, form_page=page
    )
    db.session.refresh(action)
    assert action.completed_on == lab_today()
    closing = auth.post(f"{page}/close", {"password": DEMO_PASSWORD}, form_page=page)
    assert closing.status_code == 403
    auth.logout()

    auth.login(qm.email)
    refused = auth.post(
        f"{page}/close", {"password": DEMO_PASSWORD}, form_page=page, follow_redirects=True
    )
    assert "the effectiveness of the actions has not been checked" in refused.text
    auth.post(
        f"{page}/effectiveness",
        {"check": "Clean for a month.", "is_effective": "yes"},
        form_page=page,
    )
    wrong = auth.post(f"{page}/close", {"password": "nope"}, form_page=page, follow_redirects=True)
    assert "password" in wrong.text.lower()
    done = auth.post(
        f"{page}/close", {"password": DEMO_PASSWORD}, form_page=page, follow_redirects=True
    )
    assert f"{nc.reference} closed and signed." in done.text
    assert "by Quinn Manager" in done.text and "valid: bytes match" in done.text
    db.session.refresh(nc)
    assert nc.is_closed


def test_an_unrelated_staff_member_cannot_see_a_nonconformity(client, auth, qm, tech):
    nc = nonconformity(qm)
    auth.login(tech.email)
    assert client.get(f"/nonconformities/{nc.id}").status_code == 403


def test_pt_round_through_the_web_grades_from_the_z_score(client, auth, qm, assessor):
    method = scope.create_method(code="AS6171/3", title="XRF", pt_interval_months=12, by=qm)
    db.session.commit()
    auth.login(qm.email)
    response = auth.post(
        "/pt/events/new",
        {
            "method_id": str(method.id),
            "provider": "Sentinel PT",
            "round": "XRF-9",
            "performed_on": lab_today().isoformat(),
            "result": "",
            "z_score": "3.2",
            "report": (io.BytesIO(make_pdf()), "report.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "the unsatisfactory result opened a nonconformity" in response.text
    event = db.session.scalar(select(PTEvent))
    assert event.result == "unsatisfactory" and event.nonconformity is not None
    assert client.get(f"/pt/events/{event.id}/report").data.startswith(b"%PDF-")
    auth.logout()
    auth.login(assessor.email)
    plan = client.get("/pt/")
    assert "AS6171/3" in plan.text and "Record a PT round" not in plan.text
    assert client.get(f"/pt/events/{event.id}").status_code == 200
    assert auth.post("/pt/events/new", {"provider": "x"}, form_page="/pt/").status_code == 403


def test_audit_planning_conducting_and_report(client, auth, qm, tech):
    effective_document(tech, number="QP-8.3-01", clauses=["8.3.2"])
    auth.login(qm.email)
    fields = {
        "title": "Document control",
        "planned_on": (lab_today() - dt.timedelta(days=1)).isoformat(),
        "auditor_id": str(tech.id),
        "auditee_id": "0",
        "clauses": "8.3",
    }
    refused = auth.post("/audits/new", fields, follow_redirects=True)
    assert "Tess Tech cannot audit their own work" in refused.text
    assert db.session.scalar(select(InternalAudit)) is None
    assert auth.post("/audits/new", {**fields, "clauses": "8.4 7.5"}).status_code == 302
    audit = db.session.scalar(select(InternalAudit))
    auth.logout()

    auth.login(tech.email)  # the assigned auditor, a member of staff
    assert audit.reference in client.get("/audits/mine").text
    page = f"/audits/{audit.id}"
    auth.post(
        f"{page}/findings",
        {"kind": "nonconformity", "clause_number": "8.4.2", "description": "Backups untested."},
    )
    db.session.expire_all()
    finding = audit.findings[0]
    auth.post(f"/audits/findings/{finding.id}/nonconformity", {"risk": "high"}, form_page=page)
    auth.post(
        f"{page}/complete",
        {"performed_on": lab_today().isoformat(), "summary": "One nonconformity."},
    )
    db.session.expire_all()
    assert audit.is_completed and finding.nonconformity.risk == "high"
    report = client.get(f"{page}/report.docx")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(report.data)).paragraphs)
    assert report.status_code == 200 and "One nonconformity." in text


def test_review_minuted_signed_and_downloaded(client, auth, qm, assessor):
    auth.login(qm.email)
    assert (
        auth.post(
            "/reviews/new", {"held_on": lab_today().isoformat(), "attendees": "Quinn Manager"}
        ).status_code
        == 302
    )
    review = db.session.scalar(select(ManagementReview))
    edit = f"/reviews/{review.id}/edit"
    form = {"held_on": lab_today().isoformat(), "attendees": "Quinn Manager\nDirector"}
    for index, key in enumerate(INPUT_KEYS):
        form[f"inputs-{index}-key"] = key
        form[f"inputs-{index}-is_covered"] = "y"
        form[f"inputs-{index}-notes"] = f"Discussed {key}."
    form["decisions"] = "The system is effective."
    assert auth.post(edit, form).status_code == 302
    db.session.refresh(review)
    assert all(row.is_covered for row in review.inputs)
    page = f"/reviews/{review.id}"
    signed = auth.post(
        f"{page}/finalize", {"password": DEMO_PASSWORD}, form_page=page, follow_redirects=True
    )
    assert "Minutes approved and signed." in signed.text
    auth.logout()
    auth.login(assessor.email)
    minutes = client.get(f"{page}/minutes.docx")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(minutes.data)).paragraphs)
    assert "approved by Quinn Manager" in text
    assert client.get(edit).status_code == 403


def test_complaint_logged_by_staff_resolved_by_the_quality_manager(client, auth, qm, tech):
    auth.login(tech.email)
    auth.post(
        "/complaints/new",
        {
            "received_on": lab_today().isoformat(),
            "complainant": "Kestrel Avionics",
            "method_id": "0",
            "description": "Report late.",
        },
    )
    complaint = db.session.scalar(select(Complaint))
    assert complaint.received_by_id == tech.id
    assert client.get("/complaints/").status_code == 403
    auth.logout()
    auth.login(qm.email)
    page = f"/complaints/{complaint.id}"
    auth.post(f"{page}/investigation", {"investigation": "Instrument down."}, form_page=page)
    auth.post(
        f"{page}/resolve",
        {"is_upheld": "yes", "outcome": "Apologised.", "communicated_on": lab_today().isoformat()},
        form_page=page,
    )
    db.session.refresh(complaint)
    assert complaint.is_resolved and complaint.is_upheld
    assert complaint.outcome == "Apologised." and complaint.resolved_by_id == qm.id


def test_risk_register_pages(client, auth, qm, assessor):
    auth.login(qm.email)
    created = auth.post(
        "/risks/new",
        {
            "kind": "risk",
            "category": "impartiality",
            "title": "Distributor pressure",
            "likelihood": "3",
            "impact": "4",
            "owner_id": str(qm.id),
            "clauses": "5.5",
        },
    )
    assert created.status_code == 302
    risk = db.session.scalar(select(Risk))
    assert risk.clauses == ["4.1", "5.5", "8.5"]
    overview = client.get("/quality/")
    assert "Risks and opportunities" in overview.text and "1 rated high" in overview.text
    auth.logout()
    auth.login(assessor.email)
    assert "Distributor pressure" in client.get("/risks/").text
    assert client.get(f"/risks/{risk.id}/edit").status_code == 403


def test_staff_navigation_and_dashboard_show_what_they_need(client, auth, qm, tech):
    nonconformity(qm, stage="acted", owner=tech, due_on=lab_today() - dt.timedelta(days=2))
    auth.login(tech.email)
    home = client.get("/")
    assert "/my-actions" in home.text and "/scope/" in home.text
    assert "My corrective actions" in home.text and "1 overdue" in home.text
    assert "/quality/" not in home.text and "PT overdue" not in home.text
    assert client.get("/quality/").status_code == 403
    auth.logout()
    auth.login(qm.email)
    board = client.get("/")
    assert "Corrective actions overdue" in board.text and "PT overdue" in board.text
