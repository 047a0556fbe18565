"""Records a journey starts from, written into the live server's database.

Run in the server's environment: `python -m tests.browser.seed KIND NUMBER`; prints JSON.
Each journey seeds its own document, so it does not depend on the demo's documents or on
another journey having run first.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys

import docx

from compliance import create_app
from compliance.dates import lab_today
from compliance.db import utcnow
from compliance.demo.lab import DEMO_PASSWORD, DOMAIN, PEOPLE
from compliance.documents import services
from compliance.equipment import services as equipment
from compliance.extensions import db
from compliance.personnel import services as personnel
from compliance.users.services import create_user, user_by_email
from tests.factories import make_pdf

QUALITY_MANAGER = next(p for p in PEOPLE if p.roles == ("quality_manager",))
REVIEWER = next(p for p in PEOPLE if p.job_title.startswith("Senior"))
APPROVER = next(p for p in PEOPLE if p.job_title == "Laboratory Director")
TECHNICIAN = next(p for p in PEOPLE if p.job_title == "Counterfeit Inspection Technician")


def procedure_docx(
    number: str, revision: str, step: str, title: str = "Handling of test items"
) -> bytes:
    document = docx.Document()
    document.add_heading(f"{number} {title}", level=1)
    document.add_paragraph(f"Revision {revision}.")
    document.add_paragraph("Log each item on receipt.", style="List Number")
    document.add_paragraph(step, style="List Number")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def effective_procedure(number: str, *, title: str = "Handling of test items", clauses=("7.4",)):
    """A procedure read by all staff, with revision A effective since the first of the month."""
    qm = user_by_email(QUALITY_MANAGER.email)
    document = services.create_document(
        number=number,
        title=title,
        doc_type="procedure",
        owner=qm,
        review_interval_months=24,
        clauses=list(clauses),
        audiences=["role:staff"],
        by=qm,
    )
    revision = services.import_effective_revision(
        document,
        data=procedure_docx(number, "A", "Photograph the item.", title),
        filename=f"{number}-A.docx",
        label="A",
        effective_on=lab_today().replace(day=1),
        approved_by=user_by_email(APPROVER.email),
        by=qm,
    )
    return document, revision


def revision_to_acknowledge(number: str):
    """Revision B approved and effective today: every staff member has a reading task."""
    document, _ = effective_procedure(number)
    qm = user_by_email(QUALITY_MANAGER.email)
    revision = services.add_revision(
        document,
        data=procedure_docx(number, "B", "Photograph the item and its markings."),
        filename=f"{number}-B.docx",
        change_summary="Photograph the markings too.",
        by=qm,
    )
    services.submit_for_review(revision, by=qm)
    services.sign_review(revision, by=user_by_email(REVIEWER.email), password=DEMO_PASSWORD)
    services.approve(
        revision,
        by=user_by_email(APPROVER.email),
        password=DEMO_PASSWORD,
        effective_on=lab_today(),
    )
    required_of_technicians(document)
    return document, revision


def required_of_technicians(document) -> None:
    """The technician's job role requires the document, so it is a column of the training
    matrix (a cell that an acknowledgement of the current revision makes current)."""
    qm = user_by_email(QUALITY_MANAGER.email)
    item = personnel.ensure_document_item(document, by=qm)
    personnel.add_requirement(personnel.job_role_by_name(TECHNICIAN.job_title), item, by=qm)


def auditor_evidence(number: str) -> dict:
    """What an auditor browses: an equipment procedure (clause 6.4), an item of equipment with
    a calibration and its certificate PDF, an auditor whose window is open, and one whose
    window has closed."""
    qm = user_by_email(QUALITY_MANAGER.email)
    document, revision = effective_procedure(
        number, title="Calibration of test equipment", clauses=("6.4",)
    )
    provider = equipment.create_provider(
        name=f"Keystone Metrology ({number})",
        accreditation_body="A2LA",
        accreditation_number="4412.01",
        accreditation_expires_on=lab_today() + dt.timedelta(days=400),
        scope="Electrical: DC voltage, current and resistance.",
        by=qm,
    )
    item = equipment.create_equipment(
        asset_id=f"EQ-CT-{number.rsplit('-', 1)[-1]}",
        description="Curve tracer",
        equipment_type="Curve tracer",
        manufacturer="Huntron",
        model="Tracker 3200S",
        serial_number="HT-32-0457",
        location="Electrical test bench 2",
        calibration_interval_months=12,
        by=qm,
    )
    calibration = equipment.record_calibration(
        item,
        equipment.CalibrationInput(
            calibrated_on=lab_today() - dt.timedelta(days=30),
            as_found="in",
            as_left="in",
            provider=provider,
            certificate_number=f"KM-{number}-001",
            certificate_sha256=equipment.store_certificate(make_pdf(), "certificate.pdf"),
            uncertainty="±0.5 % of reading (k=2)",
            traceability="Traceable to SI through NIST.",
        ),
        by=qm,
    )
    now = utcnow()
    inside = create_user(
        email=f"assessor.{number.lower()}@{DOMAIN}",
        name="Nora Lindqvist",
        roles=["auditor"],
        password=DEMO_PASSWORD,
        access_valid_from=now - dt.timedelta(days=1),
        access_valid_until=now + dt.timedelta(days=7),
        by=qm,
    )
    outside = create_user(
        email=f"former.assessor.{number.lower()}@{DOMAIN}",
        name="Paul Kessler",
        roles=["auditor"],
        password=DEMO_PASSWORD,
        access_valid_from=now - dt.timedelta(days=40),
        access_valid_until=now - dt.timedelta(days=10),
        by=qm,
    )
    return {
        "document_id": document.id,
        "document_number": document.number,
        "revision_id": revision.id,
        "equipment_id": item.id,
        "asset_id": item.asset_id,
        "calibration_id": calibration.id,
        "certificate_number": calibration.certificate_number,
        "auditor_email": inside.email,
        "auditor_name": inside.name,
        "closed_window_email": outside.email,
        "closed_window_name": outside.name,
    }


def main(kind: str, number: str) -> None:
    app = create_app()
    with app.app_context():
        if kind == "procedure":
            document, revision = effective_procedure(number)
            seeded = {"document_id": document.id, "revision_id": revision.id}
        elif kind == "acknowledge":
            document, revision = revision_to_acknowledge(number)
            seeded = {"document_id": document.id, "revision_id": revision.id}
        elif kind == "auditor":
            seeded = auditor_evidence(number)
        else:
            raise SystemExit(f"unknown seed {kind!r}")
        db.session.commit()
        print(json.dumps(seeded))


if __name__ == "__main__":
    main(*sys.argv[1:])
