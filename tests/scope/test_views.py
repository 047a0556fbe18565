"""Scope pages as people use them: the listing, the printable scope, a method's readiness,
editing by the quality manager, and read-only access for everyone else."""

import io

from sqlalchemy import select

from compliance.audit.models import AuditEntry
from compliance.dates import lab_today
from compliance.extensions import db
from compliance.scope import services
from compliance.scope.models import Method, MethodValidation
from compliance.scope.readiness import CHECKS
from tests.factories import effective_document, make_pdf
from tests.quality.builders import ready_method


def test_listing_print_and_method_page_show_readiness(
    app, client, auth, qm, make_user, monkeypatch
):
    for name in ("equipment", "personnel"):  # as before those domains register their checks
        monkeypatch.delitem(CHECKS, name, raising=False)
    with app.test_request_context():
        method = ready_method(qm)
        services.create_method(code="AS6171/6", title="Acoustic microscopy", by=qm)
        services.set_status(
            services.method_by_code("AS6171/6"), status="suspended", reason="C-SAM broken", by=qm
        )
        db.session.commit()
    staff = make_user("staff")
    auth.login(staff.email)
    listing = client.get("/scope/")
    assert listing.status_code == 200
    assert "AS6171/2" in listing.text and "not fully checked" in listing.text
    assert "AS6171/6" in listing.text and "not ready" in listing.text
    assert "Add a method" not in listing.text  # staff read the scope, they do not edit it
    printed = client.get("/scope/print")
    assert (
        "SUSPENDED</strong>: C-SAM broken" in printed.text and "Main navigation" not in printed.text
    )
    page = client.get(f"/scope/methods/{method.id}")
    assert "Could it be performed and defended today?" in page.text
    assert "no equipment check is registered" in page.text
    assert "Record a verification" not in page.text and "Change the status" not in page.text


def test_quality_manager_adds_and_edits_a_method(client, auth, qm):
    procedure, _ = effective_document(qm, number="TM-AS6171-3", doc_type="test_method")
    auth.login(qm.email)
    created = auth.post(
        "/scope/methods/new",
        {
            "code": "as6171/3",
            "title": "X-ray fluorescence",
            "technique": "XRF",
            "items_tested": "Lead finishes",
            "procedure_id": str(procedure.id),
            "pt_interval_months": "12",
        },
    )
    assert created.status_code == 302
    method = db.session.scalar(select(Method).where(Method.code == "AS6171/3"))
    assert method.procedure_id == procedure.id and method.in_scope_since == lab_today()
    edit_page = f"/scope/methods/{method.id}/edit"
    stale = auth.post(
        edit_page,
        {"title": "XRF", "procedure_id": "0", "version": "99"},
        follow_redirects=True,
    )
    assert "changed by someone else" in stale.text
    saved = auth.post(
        edit_page,
        {
            "title": "X-ray fluorescence (XRF)",
            "procedure_id": str(procedure.id),
            "pt_interval_months": "24",
            "version": str(method.version),
            "reason": "Scheme runs every two years",
        },
    )
    assert saved.status_code == 302
    db.session.refresh(method)
    assert method.pt_interval_months == 24
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "method.updated")
    ).one()
    assert entry.changes == {
        "pt_interval_months": [12, 24],
        "title": ["X-ray fluorescence", "X-ray fluorescence (XRF)"],
    }
    assert entry.reason == "Scheme runs every two years"


def test_status_equipment_and_verification_through_the_page(client, auth, qm):
    method = services.create_method(code="AS6171/5", title="X-ray", by=qm)
    db.session.commit()
    page = f"/scope/methods/{method.id}"
    auth.login(qm.email)
    refused = auth.post(
        f"{page}/status",
        {"status": "suspended", "reason": ""},
        form_page=page,
        follow_redirects=True,
    )
    assert "Reason: This field is required." in refused.text
    auth.post(f"{page}/status", {"status": "suspended", "reason": "Tube failed"}, form_page=page)
    db.session.refresh(method)
    assert method.status == "suspended" and method.status_reason == "Tube failed"
    auth.post(
        f"{page}/equipment", {"equipment_type": "X-ray system", "min_count": "1"}, form_page=page
    )
    both = auth.post(
        f"{page}/equipment",
        {"asset_id": "EQ-1", "equipment_type": "Balance"},
        form_page=page,
        follow_redirects=True,
    )
    assert "Give either an asset id or an equipment type, not both." in both.text
    db.session.refresh(method)
    assert [r.display for r in method.equipment_requirements] == ["1 × X-ray system"]
    pdf = make_pdf()
    auth.post(
        f"{page}/validations",
        {
            "kind": "verification",
            "performed_on": lab_today().isoformat(),
            "summary": "Reference lots compared.",
            "report_document_id": "0",
            "file": (io.BytesIO(pdf), "verification.pdf"),
        },
        form_page=page,
        content_type="multipart/form-data",
    )
    validation = db.session.scalar(select(MethodValidation))
    assert validation.summary == "Reference lots compared."
    download = client.get(f"/scope/validations/{validation.id}/file")
    assert download.data == pdf and download.mimetype == "application/pdf"
    requirement = method.equipment_requirements[0]
    auth.post(f"/scope/requirements/{requirement.id}/remove", form_page=page)
    db.session.refresh(method)
    assert method.equipment_requirements == []


def test_auditor_reads_but_cannot_change_the_scope(client, auth, qm, make_user):
    method = services.create_method(code="AS6171/5", title="X-ray", by=qm)
    db.session.commit()
    assessor = make_user("auditor")
    auth.login(assessor.email)
    assert client.get(f"/scope/methods/{method.id}").status_code == 200
    assert client.get("/scope/methods/new").status_code == 403
    page = f"/scope/methods/{method.id}"
    refused = auth.post(f"{page}/status", {"status": "withdrawn", "reason": "x"}, form_page=page)
    assert refused.status_code == 403
    assert db.session.get(Method, method.id).status == "in_scope"
