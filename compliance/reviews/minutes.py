"""Management review minutes as .docx, in the house report style."""

from __future__ import annotations

from compliance.reports.docx_report import Report
from compliance.reviews.models import ManagementReview
from compliance.reviews.services import input_title
from compliance.signatures.models import Signature


def minutes(review: ManagementReview, lab_name: str, signature: Signature | None) -> bytes:
    report = Report(
        f"Management review minutes {review.reference}",
        subtitle=f"{lab_name} · held {review.held_on.isoformat()} · period from "
        f"{review.period_from.isoformat()}",
    )
    report.heading("Attendees")
    for name in review.attendee_list or ["(none recorded)"]:
        report.paragraph(name)
    report.heading("Inputs (ISO/IEC 17025:2017 8.9.2)")
    report.table(
        ["Input", "Covered", "Figures from the records", "Discussion"],
        [
            (
                f"{row.key}) {input_title(row.key)}",
                "yes" if row.is_covered else "NO",
                row.figures,
                row.notes,
            )
            for row in review.inputs
        ],
    )
    report.heading("Decisions (8.9.3)")
    for paragraph in (review.decisions or "(none recorded)").splitlines():
        if paragraph.strip():
            report.paragraph(paragraph.strip())
    report.heading("Actions")
    if review.actions:
        report.table(
            ["Action", "Owner", "Due", "Done"],
            [
                (
                    a.description,
                    a.owner.name,
                    a.due_on.isoformat(),
                    a.completed_on.isoformat() if a.completed_on else "open",
                )
                for a in review.actions
            ],
        )
    else:
        report.paragraph("No actions.")
    report.heading("Approval")
    if signature is not None:
        report.paragraph(
            f"Minutes {signature.meaning} by {signature.printed_name} on "
            f"{signature.signed_at.strftime('%Y-%m-%d %H:%M:%S')} UTC "
            f"(SHA-256 {signature.content_sha256})."
        )
    else:
        report.paragraph("DRAFT: these minutes are not yet approved.", bold=True)
    return report.to_bytes()
