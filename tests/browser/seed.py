"""Records a journey starts from, written into the live server's database.

Run in the server's environment: `python -m tests.browser.seed KIND NUMBER`; prints JSON.
Each journey seeds its own document, so it does not depend on the demo's documents or on
another journey having run first.
"""

from __future__ import annotations

import io
import json
import sys

import docx

from compliance import create_app
from compliance.dates import lab_today
from compliance.demo.lab import DEMO_PASSWORD, PEOPLE
from compliance.documents import services
from compliance.extensions import db
from compliance.users.services import user_by_email

QUALITY_MANAGER = next(p for p in PEOPLE if p.roles == ("quality_manager",))
REVIEWER = next(p for p in PEOPLE if p.job_title.startswith("Senior"))
APPROVER = next(p for p in PEOPLE if p.job_title == "Laboratory Director")
TECHNICIAN = next(p for p in PEOPLE if p.job_title == "Counterfeit Inspection Technician")


def procedure_docx(number: str, revision: str, step: str) -> bytes:
    document = docx.Document()
    document.add_heading(f"{number} Handling of test items", level=1)
    document.add_paragraph(f"Revision {revision}.")
    document.add_paragraph("Log each item on receipt.", style="List Number")
    document.add_paragraph(step, style="List Number")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def effective_procedure(number: str):
    """A procedure read by all staff, with revision A effective since a week ago."""
    qm = user_by_email(QUALITY_MANAGER.email)
    document = services.create_document(
        number=number,
        title="Handling of test items",
        doc_type="procedure",
        owner=qm,
        review_interval_months=24,
        clauses=["7.4"],
        audiences=["role:staff"],
        by=qm,
    )
    revision = services.import_effective_revision(
        document,
        data=procedure_docx(number, "A", "Photograph the item."),
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
    return document, revision


def main(kind: str, number: str) -> None:
    app = create_app()
    with app.app_context():
        if kind == "procedure":
            document, revision = effective_procedure(number)
        elif kind == "acknowledge":
            document, revision = revision_to_acknowledge(number)
        else:
            raise SystemExit(f"unknown seed {kind!r}")
        db.session.commit()
        print(json.dumps({"document_id": document.id, "revision_id": revision.id}))


if __name__ == "__main__":
    main(*sys.argv[1:])
