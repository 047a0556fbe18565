"""ANAB accreditation requirements for ISO/IEC 17025 testing laboratories, at a coarse level.

ANAB publishes its requirements for testing laboratories in AR 2250 (used together with the
accreditation manual MA 2100 and, for the accreditation symbol, AR 2201). This catalogue does NOT
reproduce those documents or their numbering: each row carries an identifier of our own
("ANAB-PT-1", ...) and a summary, in our own words, of a requirement whose substance is well
established (much of it comes from ILAC policies P9, P10 and P14 that ANAB applies). Where ANAB
fixes a number (an interval, a deadline), the summary says so without quoting one: the lab's
current copy of AR 2250 / MA 2100 is the authority, and the app keeps such intervals as settings.

Rows have no parent (``parent`` is None) and no 2005 aliases; the ISO/IEC 17025:2017 clause each
row builds on is named at the end of its summary.
"""

from __future__ import annotations

from types import MappingProxyType

from compliance.clauses.catalogue_iso17025 import ClauseRow

STANDARD = "ANAB AR 2250 (ISO/IEC 17025 testing laboratories)"
CODE = "ANAB-AR2250"


def _row(number: str, title: str, summary: str, evidence_hint: str = "") -> ClauseRow:
    return ClauseRow(number, None, title, summary, (), evidence_hint)


CLAUSES: tuple[ClauseRow, ...] = (
    # ---------------------------------------------------------------- proficiency testing
    _row(
        "ANAB-PT-1",
        "Proficiency testing before accreditation",
        "Before initial accreditation, or before activities are added to the scope, the lab has "
        "taken part in proficiency testing (or another interlaboratory comparison where no PT "
        "exists) for the activities concerned, with acceptable results or completed corrective "
        "action. Builds on 17025 7.7.2.",
        "PT reports for each area applied for",
    ),
    _row(
        "ANAB-PT-2",
        "PT plan covering the scope each cycle",
        "The lab keeps a documented PT/ILC plan so that every area of its scope of "
        "accreditation is covered over each accreditation cycle, at a participation frequency "
        "that meets ANAB's minimum and the lab's own risk assessment. Builds on 17025 7.7.2.",
        "PT plan mapped to scope lines, with dates",
    ),
    _row(
        "ANAB-PT-3",
        "Competent PT providers",
        "PT is obtained from providers accredited to ISO/IEC 17043 where such schemes exist; "
        "otherwise the lab records why the chosen comparison is suitable. Builds on 17025 6.6 "
        "and 7.7.2.",
        "Provider accreditation certificates; selection rationale",
    ),
    _row(
        "ANAB-PT-4",
        "Unsatisfactory PT results",
        "Unsatisfactory or questionable PT results are investigated with cause analysis and "
        "corrective action, and the results and actions are available to ANAB; persistent "
        "failure can lead ANAB to act on the affected part of the scope. Builds on 17025 7.7.3 "
        "and 8.7.",
        "PT result reviews; corrective action records",
    ),
    # ---------------------------------------------------------------- traceability
    _row(
        "ANAB-TR-1",
        "Calibrations from accredited providers",
        "Calibrations that provide traceability come from labs accredited for that calibration "
        "by a signatory of the ILAC arrangement (certificate endorsed with the accreditation "
        "mark), or from a national metrology institute with suitable published capabilities; "
        "any other route needs documented evidence of traceability. Builds on 17025 6.5.",
        "Accredited calibration certificates; provider scopes",
    ),
    _row(
        "ANAB-TR-2",
        "Reference materials",
        "Certified reference materials used for traceability come from producers accredited to "
        "ISO 17034 where available; other reference materials are evaluated by the lab for "
        "suitability and traceability. Builds on 17025 6.4.13 f and 6.5.",
        "CRM certificates; producer accreditation; RM evaluations",
    ),
    _row(
        "ANAB-TR-3",
        "In-house calibrations",
        "When a testing lab calibrates its own equipment, it does so under documented "
        "procedures with traceable standards, evaluated measurement uncertainty and calibration "
        "records, meeting the calibration requirements of 17025 even though the calibrations "
        "are not on its scope. Builds on 17025 6.4, 6.5 and 7.6.2.",
        "In-house calibration procedures, uncertainty budgets, records",
    ),
    # ---------------------------------------------------------------- uncertainty
    _row(
        "ANAB-MU-1",
        "Measurement uncertainty for tests",
        "For quantitative tests on the scope, the lab identifies uncertainty contributions and "
        "estimates measurement uncertainty, keeps the estimates current, and reports "
        "uncertainty when it is relevant to the use of the result or to a conformity decision. "
        "Builds on 17025 7.6 and 7.8.3.1 c.",
        "Uncertainty budgets per method",
    ),
    # ---------------------------------------------------------------- claims of accreditation
    _row(
        "ANAB-SYM-1",
        "Use of the ANAB symbol and claims (AR 2201)",
        "The ANAB accreditation symbol and any claim of accreditation are used only as ANAB's "
        "symbol rules (AR 2201) allow: for the accredited organisation and location, without "
        "implying accreditation of work outside the scope or certification of a product. "
        "Builds on 17025 5.3.",
        "Report templates, website and marketing material reviewed against AR 2201",
    ),
    _row(
        "ANAB-SYM-2",
        "Identifying results outside the scope",
        "A report that bears the accreditation symbol or claim and also contains results not "
        "covered by the scope of accreditation clearly identifies those results as not "
        "accredited. Builds on 17025 5.3 and 7.8.2.1.",
        "Report template with non-accredited marking",
    ),
    _row(
        "ANAB-SCOPE-1",
        "Claims limited to the current scope",
        "The lab claims accreditation only for the methods, ranges and locations on its current "
        "scope of accreditation, and asks ANAB to update the scope (e.g. for a new or revised "
        "method) before claiming accreditation for the change. Builds on 17025 5.3.",
        "Current scope certificate; scope change requests",
    ),
    # ---------------------------------------------------------------- relationship with ANAB
    _row(
        "ANAB-CHG-1",
        "Notifying ANAB of significant changes",
        "The lab informs ANAB promptly, within the time ANAB sets, of changes that may affect "
        "its accreditation, such as legal status or ownership, key managerial or technical "
        "staff, location or facilities, major equipment, scope, or policies. Builds on 17025 "
        "5.7 b.",
        "Change notifications sent to ANAB",
    ),
    _row(
        "ANAB-ACCESS-1",
        "Cooperation with assessments",
        "The lab gives ANAB assessors access to its premises, personnel, records and ongoing "
        "work (including witnessing of activities) for initial, surveillance and reassessment "
        "visits, and meets its obligations under the accreditation agreement.",
        "Assessment plans; signed accreditation agreement",
    ),
    _row(
        "ANAB-CA-1",
        "Responding to assessment findings",
        "Nonconformities raised by ANAB assessors are answered with cause analysis, correction "
        "and corrective action, with supporting evidence submitted by the deadline ANAB sets. "
        "Builds on 17025 8.7.",
        "Corrective action responses to ANAB findings",
    ),
    # ---------------------------------------------------------------- management system
    _row(
        "ANAB-IA-1",
        "Internal audit covering the whole system yearly",
        "The internal audit programme covers the entire management system and all scope "
        "activities (and locations) at least once a year; the lab's plan states the interval "
        "(default 12 months). Confirm the wording against the current AR 2250. Builds on 17025 "
        "8.8.",
        "Audit programme showing every clause and activity audited within 12 months",
    ),
    _row(
        "ANAB-MR-1",
        "Management review at least yearly",
        "Management review is held at least once a year, covering all the required inputs and "
        "recording decisions and actions; the lab's plan states the interval (default 12 "
        "months). Confirm the wording against the current AR 2250. Builds on 17025 8.9.",
        "Management review minutes within the last 12 months",
    ),
    _row(
        "ANAB-REC-1",
        "Records retention for assessment",
        "Records are retained for at least the period ANAB specifies, so that assessors can "
        "trace the work done since the previous assessment, and longer where contracts or "
        "regulations require. Builds on 17025 8.4.2.",
        "Retention schedule; archive index",
    ),
)

BY_NUMBER = MappingProxyType({row.number: row for row in CLAUSES})
