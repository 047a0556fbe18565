"""The internal audit report as .docx, in the house report style."""

from __future__ import annotations

from compliance.audits.models import InternalAudit
from compliance.clauses.catalogue_iso17025 import BY_NUMBER
from compliance.reports.docx_report import Report


def audit_report(audit: InternalAudit, lab_name: str) -> bytes:
    report = Report(
        f"Internal audit report {audit.reference}",
        subtitle=f"{lab_name} · {audit.title}",
    )
    report.table(
        ["", ""],
        [
            ("Status", audit.status),
            ("Planned", audit.planned_on.isoformat()),
            ("Performed", audit.performed_on.isoformat() if audit.performed_on else "not yet"),
            ("Auditor", f"{audit.auditor.name} ({audit.auditor.email})"),
            ("Auditee", audit.auditee.name if audit.auditee else "—"),
            ("Methods", ", ".join(f"{m.code} {m.title}" for m in audit.methods) or "—"),
        ],
    )
    report.heading("Clauses audited")
    report.table(
        ["Clause", "Title"],
        [(c, BY_NUMBER[c].title if c in BY_NUMBER else "") for c in audit.clauses],
    )
    report.heading("Findings")
    if audit.findings:
        report.table(
            ["No.", "Kind", "Clause", "Finding", "Evidence", "Nonconformity"],
            [
                (
                    f.number,
                    f.kind_enum.label,
                    f.clause_number,
                    f.description,
                    f.evidence,
                    f"{f.nonconformity.reference} ({f.nonconformity.stage})"
                    if f.nonconformity
                    else "",
                )
                for f in audit.findings
            ],
        )
    else:
        report.paragraph("No findings were recorded.")
    report.heading("Conclusion")
    report.paragraph(audit.summary or "The audit has not been completed.")
    if audit.status == "cancelled":
        report.paragraph(f"Cancelled: {audit.cancelled_reason}", bold=True)
    return report.to_bytes()
