"""The demo lab's controlled documents: generated .docx files loaded through the real services.

Each document is a `Spec` of plain data (all wording is the demo lab's own, not text of the
standards it cites); `build_docx` turns one revision of it into a small Word file with
python-docx, and `load_documents` registers the set and walks each revision through import or the
review/approval workflow so the register shows what a real lab's would: superseded history,
revisions effective today with reading tasks part done, reading tasks overdue, periodic reviews
overdue or due soon, a draft sent back by the director, revisions waiting for review and for
approval, and an abandoned draft.

Text in a revision may differ from one revision to the next: a `Text` is either a string (in every
revision) or a mapping from revision index (0 = A) to the wording from that revision on (None =
removed), so the redline between two revisions shows a changed step or an added paragraph.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from sqlalchemy import select

from compliance.dates import add_months
from compliance.demo.lab import DEMO_PASSWORD, LAB_NAME, PEOPLE, SCOPE_METHODS
from compliance.documents import services
from compliance.documents.models import AcknowledgementTask, DocumentType, Revision
from compliance.extensions import db
from compliance.users.models import User

Text = str | Mapping[int, str | None]

QM, DIRECTOR, SENIOR_TECH = "E1001", "E1003", "E1004"
STAFF, QUALITY = "role:staff", "role:quality_manager"

# How a revision enters the register.
IMPORT = "import"  # effective in the past, approved on paper (no reading tasks)
IMPORT_TASKS = "import_tasks"  # effective in the past, reading tasks assigned (so overdue now)
EFFECTIVE = "effective"  # draft -> review -> approval, effective today, reading tasks
AWAITING_APPROVAL = "awaiting_approval"  # draft -> in review, review signed
AWAITING_REVIEW = "awaiting_review"  # draft -> in review
REJECTED = "rejected"  # draft -> in review -> back to draft with the director's comments
WITHDRAWN = "withdrawn"  # draft abandoned

_WORKFLOW = {EFFECTIVE, AWAITING_APPROVAL, AWAITING_REVIEW, REJECTED, WITHDRAWN}


@dataclass(frozen=True)
class Rev:
    summary: str
    flow: str = IMPORT
    months: int = 0  # imported revisions: effective this many months ...
    days: int = 0  # ... and days before today (negative: after that date)
    acks: tuple[str, ...] = ()  # employee ids who have acknowledged by now
    note: str = ""  # reviewer or approver comment, rejection comment, withdrawal reason

    def effective_on(self, today: dt.date) -> dt.date | None:
        if self.flow in (IMPORT, IMPORT_TASKS):
            return add_months(today, -self.months) - dt.timedelta(days=self.days)
        return today if self.flow == EFFECTIVE else None


@dataclass(frozen=True)
class Table:
    heading: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Text, ...], ...]
    intro: Text = ""


@dataclass(frozen=True)
class Spec:
    number: str
    title: str
    doc_type: str
    owner: str
    interval: int
    clauses: tuple[str, ...]
    audiences: tuple[str, ...]
    purpose: Text
    scope: Text
    responsibilities: tuple[tuple[str, Text], ...]
    steps: tuple[Text, ...]
    records: tuple[Text, ...]
    revisions: tuple[Rev, ...]
    references: tuple[str, ...] = ()
    definitions: tuple[tuple[str, str], ...] = ()
    equipment: tuple[Text, ...] = ()
    tables: tuple[Table, ...] = ()
    procedure_heading: str = "Procedure"
    label_scheme: str = "letters"
    periodic_review: str = ""  # a "reviewed, no change needed" signature today, with this comment

    def label(self, index: int) -> str:
        return str(index + 1) if self.label_scheme == "numbers" else chr(ord("A") + index)

    def filename(self, index: int) -> str:
        return f"{self.number}_Rev{self.label(index)}.docx"


def _at(text: Text, index: int) -> str | None:
    """The wording of `text` in revision `index` (None when absent from that revision)."""
    if isinstance(text, str):
        return text
    known = [i for i in text if i <= index]
    return text[max(known)] if known else None


# --- the documents ----------------------------------------------------------------------------

_AS6171 = "SAE AS6171 Test methods standard; general requirements for suspect/counterfeit EEE parts"

QUALITY_MANUAL = Spec(
    number="QM-01",
    title="Quality Manual",
    doc_type=DocumentType.QUALITY_MANUAL,
    owner=QM,
    interval=24,
    clauses=("4.1", "4.2", "5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "5.7", "8.1.1", "8.1.2")
    + ("8.2.1", "8.2.2", "8.2.3", "8.2.4"),
    audiences=(STAFF, QUALITY),
    purpose=(
        "This manual describes how the laboratory is organised and how its management system "
        "meets ISO/IEC 17025:2017 for the detection of suspect counterfeit electrical, "
        "electronic and electromechanical (EEE) parts. It points to the policy, procedure or "
        "test method that carries out each requirement."
    ),
    scope={
        0: "The manual covers all testing carried out at the laboratory's permanent facility.",
        1: "The manual covers all testing carried out at the laboratory's permanent facility, "
        "in particular the AS6171 test methods listed on the scope of accreditation.",
    },
    responsibilities=(
        (
            "Laboratory Director",
            "Top management: answers for the laboratory's activities, provides resources and "
            "appoints the quality manager.",
        ),
        (
            "Quality Manager",
            "Keeps the management system in place and effective and reports on its performance "
            "directly to the director, with authority to stop work.",
        ),
        (
            "Senior Technician",
            "Deputises for the director on technical matters and supervises inspection staff.",
        ),
        ("All staff", "Follow the effective documents; report nonconformities and complaints."),
    ),
    procedure_heading="How the laboratory operates",
    steps=(
        "Meridian Component Test Laboratory is a legally identifiable business unit; the "
        "Laboratory Director answers for the content of every test report it issues.",
        "The laboratory tests parts only: it does not buy, sell, broker or repair electronic "
        "components, which keeps it free of the commercial pressures described in QP-4-01.",
        "The laboratory activities that conform to ISO/IEC 17025 are those on the scope of "
        "accreditation; work outside that scope is reported without reference to accreditation.",
        {
            1: "The ANAB accreditation symbol appears only on reports whose results are all "
            "within the scope of accreditation, as ANAB AR 2201 requires."
        },
        {
            0: "The organisation chart is attached to this manual and is redrawn whenever a "
            "key position changes.",
            2: "The organisation chart is issued as Appendix A under document control and is "
            "re-issued whenever a key position or a deputy changes.",
        },
        "The laboratory runs its management system under Option A: every requirement of "
        "clause 8 is met by the laboratory's own procedures (QP-8.2-01 to QP-8.9-01).",
        {
            0: "Documents are issued on paper from the master file in the quality office.",
            2: "Documents are controlled electronically (QP-8.3-01): only the effective revision "
            "is available at the point of use, and printed copies are uncontrolled unless "
            "stamped as controlled copies.",
        },
        "Changes to the management system are planned by the quality manager, who checks "
        "their effect on the other processes before they are put in place.",
        "A monthly quality meeting with all staff reviews open corrective actions, complaints "
        "and nonconforming work, so that everyone hears how the system is performing.",
    ),
    records=(
        "Organisation chart and job descriptions",
        "Scope of accreditation (current and previous issues)",
        "Minutes of management reviews and monthly quality meetings",
    ),
    references=(
        "QP-4-01 Impartiality and Confidentiality",
        "QP-8.2-01 Quality Policy and Objectives",
        "QP-8.3-01 Control of Management System Documents",
        "ANAB AR 2201 Use of the ANAB accreditation symbol",
    ),
    revisions=(
        Rev("Initial issue.", months=72),
        Rev("Added the rule for the ANAB accreditation symbol and the AS6171 scope.", months=48),
        Rev(
            "Electronic document control; organisation chart moved to Appendix A.",
            months=24,
            days=-40,
        ),
    ),
)

IMPARTIALITY = Spec(
    number="QP-4-01",
    title="Impartiality and Confidentiality",
    doc_type=DocumentType.POLICY,
    owner=QM,
    interval=24,
    clauses=("4.1.1", "4.1.2", "4.1.3", "4.1.4", "4.1.5", "4.2.1", "4.2.2", "4.2.3", "4.2.4"),
    audiences=(STAFF, QUALITY),
    purpose=(
        "States how the laboratory keeps its judgement free of commercial, financial and "
        "personal pressure, and how it protects the information its customers entrust to it."
    ),
    scope=(
        "All employees, contractors and visitors with access to customer parts, data or reports."
    ),
    responsibilities=(
        ("Laboratory Director", "Commits the laboratory to impartiality; signs this policy."),
        (
            "Quality Manager",
            "Keeps the impartiality risk register and the signed declarations; briefs new staff.",
        ),
        ("All staff", "Declare any interest that could influence their work; protect data."),
    ),
    procedure_heading="Policy",
    steps=(
        "Every employee signs an impartiality and confidentiality declaration on joining and "
        "renews it each January.",
        "Staff do not test parts supplied by a distributor or broker in which they or their "
        "family have a financial interest, and declare such a relationship to the quality "
        "manager as soon as it arises.",
        "No employee is paid or rewarded according to the outcome (pass or fail) of a test.",
        {
            0: "The quality manager identifies risks to impartiality and reviews them each year.",
            1: "The quality manager keeps an impartiality risk register, reviews it at each "
            "management review and whenever a relationship changes, and records how each risk is "
            "removed or kept to a minimum.",
        },
        "Information obtained or created while testing for a customer is confidential; what "
        "the laboratory intends to make public is agreed with the customer in advance.",
        "When the law or a contract requires the release of confidential information, the "
        "customer is told what was released unless the law forbids it.",
        {
            1: "Confirmed counterfeit parts are reported to GIDEP or ERAI only with the "
            "customer's written consent or where the contract requires it."
        },
        "Contractors, visiting assessors and service engineers sign a confidentiality "
        "agreement before they see customer parts or data.",
    ),
    records=(
        "Signed declarations (personnel files)",
        "Impartiality risk register",
        "Confidentiality agreements with external persons",
    ),
    references=("QP-8.5-01 Actions to Address Risks and Opportunities",),
    revisions=(
        Rev("Initial issue.", months=62),
        Rev("Risk register reviewed at management review; GIDEP/ERAI reporting.", months=26),
    ),
    periodic_review="Checked against the current ANAB requirements; no change needed.",
)

QUALITY_POLICY = Spec(
    number="QP-8.2-01",
    title="Quality Policy and Objectives",
    doc_type=DocumentType.POLICY,
    owner=QM,
    interval=12,
    clauses=("8.2.1", "8.2.2", "8.2.3"),
    audiences=(STAFF, QUALITY),
    purpose="Sets out the laboratory's quality policy and the measurable objectives for the year.",
    scope="The whole laboratory; the objectives are reviewed at each management review.",
    responsibilities=(
        ("Laboratory Director", "Issues the policy and agrees the objectives."),
        ("Quality Manager", "Measures the objectives monthly and reports the trend."),
        ("All staff", "Know the policy and how their work contributes to the objectives."),
    ),
    procedure_heading="Policy statement",
    steps=(
        "The laboratory gives its customers technically sound, impartial findings on whether "
        "parts are authentic, so that suspect parts do not reach their products.",
        "Work is done consistently to the methods on the scope of accreditation and to "
        "ISO/IEC 17025; staff are familiar with the documents that apply to their work.",
        "The laboratory improves its management system continually through audits, "
        "management reviews and corrective action.",
        {1: "Objectives are set each year and measured monthly; the table below is this year's."},
    ),
    tables=(
        Table(
            "Quality objectives",
            ("Objective", "Measure", "Target"),
            (
                ("Reports on time", "Reports issued by the agreed date", "95 % or more"),
                ("Right first time", "Amended reports per 100 issued", {0: "< 3", 1: "< 2"}),
                ("Proficiency testing", "Satisfactory PT/ILC results", "100 %"),
                ("Equipment status", "In-service equipment with current calibration", "100 %"),
                ({1: "Reading"}, "Acknowledgements done within 14 days", "90 % or more"),
            ),
        ),
    ),
    records=("Monthly objectives report", "Management review minutes"),
    references=("QM-01 Quality Manual", "QP-8.9-01 Management Review"),
    revisions=(
        Rev("Initial issue.", months=36),
        Rev("Objectives for the year; reading objective added; amended-report target.", months=9),
    ),
)

DOCUMENT_CONTROL = Spec(
    number="QP-8.3-01",
    title="Control of Management System Documents",
    doc_type=DocumentType.PROCEDURE,
    owner=QM,
    interval=24,
    clauses=("8.3.1", "8.3.2", "8.3.2 a", "8.3.2 b", "8.3.2 c", "8.3.2 d", "8.3.2 e", "8.3.2 f"),
    audiences=(STAFF, QUALITY),
    purpose=(
        "Describes how the laboratory's internal and external documents are numbered, approved, "
        "issued, reviewed, changed and withdrawn, so that only current documents are in use."
    ),
    scope=(
        "The quality manual, policies, procedures, test methods, work instructions and forms, "
        "and external documents such as the AS6171 series and customer specifications."
    ),
    definitions=(
        ("Effective revision", "The one approved revision in use from its effective date."),
        ("Controlled copy", "A printed copy stamped as such and recorded on issue."),
    ),
    responsibilities=(
        ("Author", "Drafts the change and records a change summary."),
        ("Reviewer", "Checks the draft for technical adequacy; never the author."),
        ("Approver", "Laboratory Director or Quality Manager; never the author."),
        ("Quality Manager", "Keeps the master list and follows up reading acknowledgements."),
        ("All staff", "Use only effective revisions and acknowledge each new one they use."),
    ),
    steps=(
        "The quality manager assigns each new document a unique number from the master list: "
        "QM for the manual, QP-<clause>-<nn> for policies and procedures, TM-<method> for test "
        "methods and FM-<clause>-<nn> for forms.",
        {
            0: "The author marks up a copy of the current master and records a change summary.",
            2: "The author uploads the draft (.docx) to the document control system, starting "
            "from the effective revision, and records a change summary.",
        },
        "A reviewer who knows the subject and is not the author checks the draft; comments are "
        "resolved before approval, or the draft goes back to the author.",
        {
            0: "The approver signs and dates the master copy.",
            2: "The approver signs electronically, re-entering their password; the signature is "
            "bound to the exact file that was reviewed.",
        },
        {
            0: "On the effective date the quality manager collects superseded copies; one master "
            "is kept, stamped OBSOLETE.",
            2: "The effective date is set at approval; the previous revision is superseded the "
            "same day and is no longer offered as current.",
        },
        {
            0: "Staff in the distribution read each new revision.",
            2: "Staff in the distribution read and acknowledge each new revision.",
            3: "Staff in the distribution read and acknowledge each new revision within 14 "
            "calendar days; the quality manager follows up overdue acknowledgements weekly and "
            "the supervisor does not assign the work until it is done.",
        },
        "Each document is reviewed at its review interval (24 months unless the master list says "
        "otherwise); the reviewer records either 'reviewed, no change needed' or starts a new "
        "revision.",
        "Printed copies are uncontrolled unless stamped CONTROLLED COPY; uncontrolled prints are "
        "destroyed after use.",
        {
            3: "Controlled copies at the inspection benches are checked against the master list "
            "during each internal audit."
        },
        {
            1: "External documents are registered with their issue; the quality manager checks "
            "SAE for new issues of the AS6171 series at least every six months."
        },
    ),
    records=(
        "Master list of documents with revision status",
        {0: "Signed master copies", 2: "Review and approval signatures"},
        {2: "Reading acknowledgements"},
        "Superseded revisions (kept 10 years)",
    ),
    references=("QP-8.4-01 Control of Records", _AS6171),
    revisions=(
        Rev("Initial issue.", months=72),
        Rev("External documents: six-monthly check for new AS6171 issues.", months=48),
        Rev("Electronic document control with e-signatures and acknowledgements.", months=20),
        Rev(
            "Acknowledgement within 14 days with weekly follow-up; bench copies checked at "
            "internal audit.",
            flow=EFFECTIVE,
            acks=(QM, DIRECTOR, SENIOR_TECH),
            note="Brief the bench staff at the next quality meeting.",
        ),
    ),
)

RECORDS = Spec(
    number="QP-8.4-01",
    title="Control of Records",
    doc_type=DocumentType.PROCEDURE,
    owner=QM,
    interval=24,
    clauses=("7.5.1", "7.5.2", "8.4.1", "8.4.2"),
    audiences=(STAFF, QUALITY),
    purpose=(
        "Describes how technical and quality records are identified, stored, protected, backed "
        "up, retrieved, kept and disposed of, and how entries are amended."
    ),
    scope="All records on paper or in electronic systems, including those of customer jobs.",
    responsibilities=(
        ("Quality Manager", "Sets retention periods; approves disposal."),
        ("IT and Systems Administrator", "Runs and tests back-ups of electronic records."),
        ("All staff", "Record results when the work is done; amend only as below."),
    ),
    steps=(
        "Every record names the job, part or item it belongs to, the person who made it and the "
        "date, so that the test can be repeated under conditions as close as possible to the "
        "original.",
        "Observations and results are recorded at the time they are made, never copied later "
        "from notes.",
        "An amendment keeps the original visible: paper entries are struck through once, "
        "initialled, dated and explained; electronic records keep the change in the audit trail.",
        {
            0: "Electronic records are backed up weekly to tape kept in the fire safe.",
            1: "Electronic records are backed up nightly to a second site; a restore is tested "
            "every quarter and the result recorded.",
        },
        "Paper records are kept in locked cabinets; job files leave the laboratory only with "
        "the quality manager's permission.",
        {
            2: "Technical records of completed jobs are moved to the LIMS archive 90 days after "
            "the report is issued and the paper file is scanned."
        },
        "Records are kept at least for the periods in the table below, or longer when a contract "
        "says so, then disposed of with the quality manager's written approval.",
    ),
    tables=(
        Table(
            "Retention",
            ("Record", "Kept for", "Where"),
            (
                ("Job files, test data and reports", "10 years after the report", "Job archive"),
                ("Calibration certificates", "Life of the equipment + 5 years", "Equipment file"),
                ("Training and authorisation", "Employment + 7 years", "Personnel file"),
                ("Audits, reviews, corrective actions", "10 years", "Quality office"),
            ),
        ),
    ),
    records=("Back-up and restore test log", "Records disposal approvals"),
    references=("QP-8.3-01 Control of Management System Documents",),
    revisions=(
        Rev("Initial issue.", months=60),
        Rev("Nightly off-site back-up with quarterly restore test.", months=24, days=-20),
        Rev(
            "Job records moved to the LIMS archive after 90 days.",
            flow=WITHDRAWN,
            note="LIMS archive project postponed to next year; Rev B stays in force.",
        ),
    ),
)

RISKS = Spec(
    number="QP-8.5-01",
    title="Actions to Address Risks and Opportunities",
    doc_type=DocumentType.PROCEDURE,
    owner=QM,
    interval=24,
    clauses=("4.1.4", "8.5.1", "8.5.2", "8.5.3"),
    audiences=(QUALITY,),
    purpose=(
        "Describes how the laboratory finds, scores and acts on the risks and opportunities that "
        "affect its results, its impartiality and its management system."
    ),
    scope="All laboratory activities, including impartiality risks from QP-4-01.",
    responsibilities=(
        ("Quality Manager", "Runs the annual risk workshop and keeps the risk register."),
        ("Laboratory Director", "Accepts residual risks; funds the actions."),
        ("Process owners", "Carry out and report on the actions assigned to them."),
    ),
    steps=(
        "Once a year the quality manager and the process owners list the risks and "
        "opportunities of each process, from receiving parts to issuing reports.",
        "Each risk is scored for likelihood and consequence (1 to 5 each); the product sets the "
        "action required by the table below.",
        "Actions are proportionate to the effect the risk could have on the validity of results.",
        {
            2: "Risks specific to counterfeiting (for example new remarking techniques reported "
            "through GIDEP or ERAI) are reviewed every quarter, not only at the annual workshop."
        },
        {
            0: "The register is reviewed by the quality manager.",
            1: "The effectiveness of the actions is evaluated at the management review and the "
            "register is re-scored.",
        },
        "Opportunities (new methods, automation, new customers' needs) are recorded with the "
        "same register and followed up as improvement actions.",
    ),
    tables=(
        Table(
            "Risk rating",
            ("Score", "Rating", "Action"),
            (
                ("1 - 4", "Low", "Accept and monitor"),
                ("5 - 9", "Medium", {0: "Action within a year", 1: "Action within 6 months"}),
                ("10 - 25", "High", "Action plan within 30 days; director informed"),
            ),
        ),
    ),
    records=("Risk and opportunity register", "Workshop attendance and scoring sheets"),
    references=("QP-4-01 Impartiality and Confidentiality", "QP-8.9-01 Management Review"),
    revisions=(
        Rev("Initial issue.", months=48),
        Rev("Effectiveness evaluated at management review; medium risks in 6 months.", months=18),
        Rev(
            "Quarterly review of counterfeiting risks.",
            flow=REJECTED,
            note="Add the impartiality risks to the quarterly review and say who re-scores the "
            "residual risk.",
        ),
    ),
)

CORRECTIVE_ACTION = Spec(
    number="QP-8.7-01",
    title="Corrective Action",
    doc_type=DocumentType.PROCEDURE,
    owner=QM,
    interval=24,
    clauses=("7.10.2", "8.7.1", "8.7.2", "8.7.3"),
    audiences=(STAFF, QUALITY),
    purpose="Describes how nonconformities are corrected and their causes removed.",
    scope=(
        "Nonconformities from nonconforming work, complaints, internal audits, external "
        "assessments, proficiency testing and management review."
    ),
    responsibilities=(
        ("Anyone", "Raises a corrective action request (CAR) when a nonconformity is found."),
        ("Quality Manager", "Assigns an owner and due date; verifies effectiveness; closes."),
        ("CAR owner", "Finds the root cause and carries out the agreed actions."),
    ),
    steps=(
        "The person who finds the nonconformity records it on a CAR with the evidence.",
        "The nonconformity is contained and corrected at once, and its consequences dealt with "
        "(for example recall of affected reports under QP-7.10-01).",
        {
            0: "The CAR owner determines the cause.",
            1: "The CAR owner finds the root cause with at least a five-whys analysis; a "
            "fishbone diagram is used for repeat nonconformities.",
        },
        "The owner checks whether similar nonconformities exist or could occur elsewhere.",
        "The quality manager agrees the action plan and a due date (30 days unless agreed "
        "otherwise) and records them on the CAR.",
        {
            0: "The quality manager checks the actions 90 days after they are completed.",
            2: "The quality manager verifies effectiveness no sooner than 60 days after the "
            "actions are completed, using evidence that the problem has not recurred.",
        },
        "Risks and opportunities are updated and the management system changed where needed.",
    ),
    tables=(
        Table(
            "Sources",
            ("Source", "CAR needed"),
            (
                ("Internal audit or assessment finding", "Always"),
                ("Complaint upheld", "Always"),
                ("Nonconforming work", "When it could recur or doubts compliance"),
                ("Unsatisfactory PT/ILC result", "Always"),
            ),
        ),
    ),
    records=("Corrective action requests and evidence of effectiveness", "CAR log"),
    references=(
        "QP-7.10-01 Control of Nonconforming Work",
        "QP-8.5-01 Actions to Address Risks and Opportunities",
    ),
    revisions=(
        Rev("Initial issue.", months=60),
        Rev("Five-whys as minimum root-cause analysis.", months=36),
        Rev("Effectiveness check after 60 days with evidence of no recurrence.", months=15),
    ),
)

INTERNAL_AUDITS = Spec(
    number="QP-8.8-01",
    title="Internal Audits",
    doc_type=DocumentType.PROCEDURE,
    owner=QM,
    interval=24,
    clauses=("8.8.1", "8.8.2"),
    audiences=(QUALITY,),
    purpose=(
        "Describes how the laboratory plans and carries out internal audits to confirm that the "
        "management system meets ISO/IEC 17025 and its own requirements and is effective."
    ),
    scope="All clauses of ISO/IEC 17025 and every method on the scope of accreditation.",
    responsibilities=(
        ("Quality Manager", "Plans the audit programme; follows up findings."),
        ("Internal Auditor", "Plans and performs audits; writes the report."),
        ("Auditees", "Provide evidence; agree corrective actions."),
    ),
    steps=(
        "The quality manager sets a programme each January covering every clause and every "
        "method in scope within twelve months, weighted towards areas with past findings.",
        "Auditors are trained in auditing and do not audit their own work.",
        "Each audit has a plan naming criteria, scope, auditees and dates, sent a week ahead.",
        {
            0: "The auditor reviews records.",
            1: "The auditor reviews records and witnesses at least one test for each method "
            "audited, following a completed job from receipt to report (vertical audit).",
        },
        "Findings are graded as nonconformity or observation and agreed at the closing meeting.",
        "The report goes to the quality manager and the director within ten working days; each "
        "nonconformity gets a CAR under QP-8.7-01.",
    ),
    tables=(
        Table(
            "Audit types",
            ("Audit", "Coverage", "Frequency"),
            (
                ("Management system", "Clauses 4 to 8", "Every year"),
                ("Vertical", "One completed job per method", "Every year"),
                ({1: "Witness"}, "Each authorised analyst", "Every 2 years"),
            ),
        ),
    ),
    records=("Audit programme", "Audit plans, checklists and reports"),
    references=("QP-8.7-01 Corrective Action",),
    revisions=(
        Rev("Initial issue.", months=60),
        Rev("Vertical and witness audits added.", months=27),
    ),
)

MANAGEMENT_REVIEW = Spec(
    number="QP-8.9-01",
    title="Management Review",
    doc_type=DocumentType.PROCEDURE,
    owner=QM,
    interval=24,
    clauses=("8.9.1", "8.9.2", "8.9.3"),
    audiences=(QUALITY,),
    purpose=(
        "Describes how top management reviews the management system to make sure it remains "
        "suitable, adequate and effective."
    ),
    scope="The management system as a whole, including the scope of accreditation.",
    responsibilities=(
        ("Laboratory Director", "Chairs the review; decides on the outputs."),
        ("Quality Manager", "Collects the inputs; writes the minutes; tracks actions."),
    ),
    steps=(
        {
            0: "Management review is held once a year.",
            2: "Management review is held at least once a year, and also after a major change "
            "such as a new method on the scope or a change of premises.",
        },
        {
            0: "The quality manager circulates last year's figures before the meeting.",
            1: "The quality manager circulates the inputs in the table below two weeks in advance.",
        },
        "The review records decisions on the effectiveness of the system, improvements, "
        "resources needed and any change required.",
        "Minutes are issued within fifteen working days; actions get owners and dates and are "
        "tracked at the monthly quality meeting.",
    ),
    tables=(
        Table(
            "Inputs",
            ("Input", "Prepared by"),
            (
                ("Changes in internal and external issues; scope of work", "Director"),
                ("Fulfilment of objectives; suitability of policies and procedures", "QM"),
                ("Previous review actions; internal audits; corrective actions", "QM"),
                ("External assessments; PT/ILC results; customer feedback; complaints", "QM"),
                ("Workload, resources, staff competence; risks and opportunities", "Director"),
                ({2: "Effectiveness of improvements; supplier performance"}, "QM"),
            ),
        ),
    ),
    records=("Management review minutes and action list",),
    references=("QP-8.2-01 Quality Policy and Objectives",),
    revisions=(
        Rev("Initial issue.", months=48),
        Rev("Inputs table aligned with the 2017 edition.", months=13),
        Rev(
            "Extra review after major changes; improvements and suppliers as inputs.",
            flow=AWAITING_REVIEW,
        ),
    ),
)

COMPETENCE = Spec(
    number="QP-6.2-01",
    title="Personnel Competence, Training and Authorisation",
    doc_type=DocumentType.PROCEDURE,
    owner=DIRECTOR,
    interval=24,
    clauses=("6.2.1", "6.2.2", "6.2.3", "6.2.4", "6.2.5", "6.2.6"),
    audiences=(STAFF,),
    purpose=(
        "Describes how the laboratory sets competence requirements, trains staff, authorises "
        "them for each test method and monitors their competence."
    ),
    scope="All staff who receive, test or report on parts, and those who supervise them.",
    responsibilities=(
        ("Laboratory Director", "Authorises staff per method; approves job descriptions."),
        ("Senior Technician", "Trains and supervises; witnesses demonstration tests."),
        ("Analyst", "Completes training on each new revision before using it."),
    ),
    steps=(
        "Each job description states the education, training, technical knowledge, skills and "
        "experience required.",
        "New staff complete induction (ESD control, safety, confidentiality, document control) "
        "before handling customer parts.",
        "Method training: the trainee reads the test method, observes a trained analyst and "
        "then performs at least five jobs under supervision.",
        {
            0: "The trainee passes a demonstration test on known samples.",
            1: "The trainee passes a demonstration test on known authentic and known counterfeit "
            "parts from the laboratory's reference library, without knowing which is which.",
        },
        "The director authorises the analyst for that method on FM-6.2-01; only authorised "
        "analysts perform or report the method unsupervised.",
        "When a test method is revised, analysts acknowledge the new revision, and are "
        "retrained where the change affects how the test is done, before they use it.",
        {
            0: "Competence is monitored every year by witnessing or blind samples.",
            2: "Competence is monitored every year by witnessing, blind samples or PT results; "
            "an authorisation lapses when the analyst has not performed the method for twelve "
            "months.",
        },
        {1: "Visual inspection staff pass a near-vision and colour-perception check each year."},
    ),
    tables=(
        Table(
            "Competence requirements",
            ("Job", "Minimum"),
            (
                ("Counterfeit Inspection Technician", "Technical diploma; 6 months supervised"),
                ("X-ray and XRF Analyst", "Radiation safety course; 12 months supervised"),
                ("Electrical Test Engineer", "Electronics degree; 2 years test experience"),
            ),
        ),
    ),
    records=(
        "Training and authorisation records (FM-6.2-01)",
        "Competence monitoring results",
        {1: "Vision check results"},
    ),
    references=("FM-6.2-01 Training and Authorisation Record",),
    revisions=(
        Rev("Initial issue.", months=60),
        Rev("Blind demonstration on reference library parts; annual vision check.", months=36),
        Rev(
            "Authorisation lapses after 12 months without performing the method.",
            flow=IMPORT_TASKS,
            days=30,
            acks=("E1004", "E1005", "E1007", "E1013"),
        ),
    ),
)

EQUIPMENT = Spec(
    number="QP-6.4-01",
    title="Equipment and Calibration",
    doc_type=DocumentType.PROCEDURE,
    owner=DIRECTOR,
    interval=24,
    clauses=("6.4.1", "6.4.3", "6.4.4", "6.4.6", "6.4.7", "6.4.8", "6.4.9", "6.4.10", "6.4.13"),
    audiences=(STAFF,),
    purpose=(
        "Describes how equipment is selected, verified, calibrated, checked, labelled and "
        "recorded, and what happens when it is found out of tolerance."
    ),
    scope="All equipment that can influence test results, including software and reference parts.",
    responsibilities=(
        ("Metrology Technician", "Keeps the equipment register and the calibration schedule."),
        ("Analysts", "Perform intermediate checks; take faulty equipment out of service."),
        ("Laboratory Director", "Approves new equipment for service."),
    ),
    steps=(
        "New equipment is verified against the method's requirements before it is put into "
        "service; the verification is recorded in its equipment file.",
        "Equipment that needs calibration is on the schedule with its interval; intervals are "
        "reviewed each year against the history of as-found results.",
        "Each item carries a label with its identifier and calibration due date; equipment past "
        "due is not used.",
        "Equipment that is overloaded, mishandled, gives doubtful results or fails a check is "
        "tagged DO NOT USE and isolated until it is shown to work correctly.",
        {
            0: "Out-of-tolerance as-found results are reported to the director.",
            2: "An as-found out-of-tolerance result starts a nonconforming work review under "
            "QP-7.10-01 within five working days, covering every job since the last good check.",
        },
        "Intermediate checks are made as in the table below and recorded before results are "
        "reported.",
        {
            0: "The equipment file holds the identity, maker, model, serial number, location "
            "and calibration certificates of each item.",
            1: "The equipment file holds identity (including software or firmware version), "
            "maker, model, serial number, location, calibration results and due dates, "
            "maintenance and repairs.",
        },
    ),
    tables=(
        Table(
            "Calibration and checks",
            ("Equipment", "Calibration", "Intermediate check"),
            (
                ("XRF analyser", "12 months", {0: "Daily", 2: "Start of each shift"}),
                ("Real-time X-ray system", "12 months", "Image quality indicator weekly"),
                ("Stereo microscopes", "24 months", "Graticule monthly"),
                ("Curve tracer and SMU", "12 months", "Reference resistor and diode daily"),
                ("Acoustic microscope", "12 months", "Reference block each session"),
                ("Analytical balance", "12 months", "Check weight before use"),
            ),
        ),
    ),
    records=("Equipment register and files", "Calibration certificates", "Check records"),
    references=(
        "QP-6.5-01 Metrological Traceability",
        "QP-7.10-01 Control of Nonconforming Work",
    ),
    revisions=(
        Rev("Initial issue.", months=60),
        Rev("Equipment file contents per the 2017 edition.", months=30),
        Rev(
            "Out-of-tolerance results start a nonconforming work review; XRF checked each shift.",
            flow=EFFECTIVE,
            acks=("E1013", "E1007"),
        ),
    ),
)

TRACEABILITY = Spec(
    number="QP-6.5-01",
    title="Metrological Traceability",
    doc_type=DocumentType.PROCEDURE,
    owner=DIRECTOR,
    interval=36,
    clauses=("6.5.1", "6.5.2", "6.5.3"),
    audiences=(STAFF,),
    purpose=(
        "Describes how measurement results are linked to the SI through an unbroken chain of "
        "calibrations, or to other appropriate references where that is not possible."
    ),
    scope="Calibrations of equipment and reference materials used for tests on the scope.",
    responsibilities=(
        ("Metrology Technician", "Reviews every certificate on receipt."),
        ("Quality Manager", "Checks provider accreditation each year."),
    ),
    steps=(
        "Calibrations are bought from laboratories accredited to ISO/IEC 17025 by a signatory "
        "of the ILAC arrangement, with the parameter and range on their scope.",
        "On receipt each certificate is checked for the accreditation symbol, as-found and "
        "as-left results, uncertainty, and the laboratory's acceptance criteria.",
        {
            0: "XRF reference standards are bought from the instrument maker.",
            1: "XRF reference standards are certified reference materials from producers "
            "accredited to ISO 17034.",
        },
        "Where traceability to the SI is not technically possible (for example visual "
        "comparison with authentic parts), the reference parts are characterised and kept in the "
        "reference library with their provenance.",
    ),
    tables=(
        Table(
            "Traceability chain",
            ("Quantity", "Reference", "Provider"),
            (
                ("Length (microscope graticule)", "Stage micrometer", "Accredited lab"),
                ("Voltage, current, resistance", "Calibrated SMU", "Accredited lab"),
                ("Composition (XRF)", "Certified reference material", "ISO 17034 producer"),
                ("Mass", "Class E2 weights", "Accredited lab"),
            ),
        ),
    ),
    records=("Certificate review records", "Approved calibration providers"),
    references=("QP-6.4-01 Equipment and Calibration", "QP-6.6-01 Externally Provided Services"),
    revisions=(
        Rev("Initial issue.", months=72),
        Rev("XRF standards from ISO 17034 producers.", months=36, days=-45),
    ),
)

PURCHASING = Spec(
    number="QP-6.6-01",
    title="Externally Provided Products and Services",
    doc_type=DocumentType.PROCEDURE,
    owner=DIRECTOR,
    interval=24,
    clauses=("6.6.1", "6.6.2", "6.6.3"),
    audiences=(QUALITY,),
    purpose=(
        "Describes how the laboratory selects, approves and monitors suppliers of products and "
        "services that affect its results."
    ),
    scope="Calibration providers, reference materials, consumables, equipment service and "
    "subcontracted tests.",
    responsibilities=(
        ("Laboratory Director", "Approves providers and purchase requirements."),
        ("Quality Manager", "Keeps the approved provider list; evaluates each year."),
        ("Receiving Inspector", "Verifies goods on receipt before use."),
    ),
    steps=(
        "Requirements are defined on the purchase order: product or service, acceptance "
        "criteria, and the competence or accreditation required.",
        "Only providers on the approved list are used; a new provider is evaluated first.",
        "Purchased products are verified on receipt; they are not used until they meet the order.",
        {
            1: "Tests are subcontracted only to laboratories accredited for that test, with the "
            "customer's written agreement."
        },
        "Each provider is re-evaluated every year on quality, delivery and accreditation status.",
    ),
    tables=(
        Table(
            "Requirements by provider type",
            ("Provider", "Requirement"),
            (
                ("Calibration", "ISO/IEC 17025 accreditation covering the parameter"),
                ("Reference materials", "ISO 17034 accreditation or OCM certificate"),
                ("Equipment service", "Maker-authorised; service report"),
                ({1: "Subcontracted tests"}, "ISO/IEC 17025 accreditation for the method"),
            ),
        ),
    ),
    records=("Approved provider list", "Evaluations", "Receiving records"),
    references=("QP-6.5-01 Metrological Traceability",),
    revisions=(
        Rev("Initial issue.", months=60),
        Rev("Subcontracting only to accredited laboratories with customer consent.", months=28),
    ),
)

METHODS = Spec(
    number="QP-7.2-01",
    title="Selection and Verification of Methods",
    doc_type=DocumentType.PROCEDURE,
    owner=DIRECTOR,
    interval=36,
    clauses=("7.2.1", "7.2.1.1", "7.2.1.5", "7.2.2", "7.2.2.1"),
    audiences=(STAFF,),
    purpose="Describes how test methods are selected, verified before use and validated "
    "when the laboratory modifies or develops them.",
    scope="All methods on the scope of accreditation and any method offered to customers.",
    responsibilities=(
        ("Laboratory Director", "Selects methods; approves verification reports."),
        ("Senior Technician", "Plans and performs verifications."),
    ),
    steps=(
        "The laboratory uses the current issue of the AS6171 series unless the customer's "
        "contract names another issue or method.",
        {
            0: "Before first use the laboratory shows that it can perform the method.",
            1: "Before first use the laboratory shows that it can perform the method properly, "
            "testing known authentic and known counterfeit parts and recording the outcome in a "
            "verification report.",
        },
        "Deviations from a method are documented, technically justified, approved by the "
        "director and accepted by the customer.",
        "A method the laboratory modifies or develops is validated for its intended use, with "
        "the characteristics checked and the results recorded.",
        "Verification is repeated when a new issue of a slash sheet changes the method, or when "
        "major equipment is replaced.",
    ),
    records=("Verification and validation reports", "Approved deviations"),
    references=(_AS6171, "QP-7.6-01 Evaluation of Measurement Uncertainty"),
    revisions=(
        Rev("Initial issue.", months=48),
        Rev("Verification with known authentic and counterfeit parts.", months=20),
    ),
)

UNCERTAINTY = Spec(
    number="QP-7.6-01",
    title="Evaluation of Measurement Uncertainty",
    doc_type=DocumentType.PROCEDURE,
    owner=DIRECTOR,
    interval=36,
    clauses=("7.6.1", "7.6.3"),
    audiences=(STAFF,),
    purpose="Describes how the laboratory identifies and evaluates the contributions to "
    "uncertainty of its quantitative results.",
    scope="Quantitative results: XRF composition, electrical parameters and dimensions.",
    responsibilities=(
        ("Senior Technician", "Prepares and updates uncertainty budgets."),
        ("Laboratory Director", "Approves budgets and decision rules."),
    ),
    steps=(
        "Each quantitative result has a budget listing repeatability (type A) and calibration, "
        "resolution, drift and environment (type B) contributions.",
        "Contributions are combined as a root sum of squares and expanded with a coverage "
        "factor k = 2 (about 95 % coverage).",
        {
            1: "When a statement of conformity is requested, the decision rule (including any "
            "guard band) is agreed at contract review and stated on the report."
        },
        "For qualitative results (visual, X-ray, acoustic) no uncertainty is calculated; "
        "reliability is shown through the reference library and blind samples.",
        "Budgets are reviewed every year and when the method or equipment changes.",
    ),
    tables=(
        Table(
            "Example budget: tin in a lead finish by XRF (63 wt%)",
            ("Contribution", "Type", "Standard uncertainty (wt%)"),
            (
                ("Repeatability, 10 readings", "A", {0: "0.40", 1: "0.35"}),
                ("Reference material certificate", "B", "0.20"),
                ("Drift between checks", "B", "0.15"),
                ("Expanded uncertainty, k = 2", "", {0: "1.0", 1: "0.9"}),
            ),
        ),
    ),
    records=("Uncertainty budgets",),
    references=("QP-7.8-01 Reporting of Results",),
    revisions=(
        Rev("Initial issue.", months=60),
        Rev("Decision rule agreed at contract review; XRF repeatability updated.", months=24),
    ),
)

VALIDITY = Spec(
    number="QP-7.7-01",
    title="Ensuring the Validity of Results",
    doc_type=DocumentType.PROCEDURE,
    owner=DIRECTOR,
    interval=24,
    clauses=("7.7.1", "7.7.2", "7.7.3"),
    audiences=(STAFF,),
    purpose="Describes how the laboratory monitors the validity of its results, internally "
    "and by comparison with other laboratories.",
    scope="All methods on the scope of accreditation.",
    responsibilities=(
        ("Quality Manager", "Plans proficiency testing (PT) and interlaboratory comparisons."),
        ("Senior Technician", "Runs blind samples and replicate tests."),
    ),
    steps=(
        "Known parts from the reference library are given to analysts as blind samples every "
        "quarter for each method.",
        "One job in twenty is repeated by a second analyst and the findings compared.",
        "Check standards are measured as required by QP-6.4-01 and plotted on control charts.",
        {
            0: "The laboratory takes part in a PT or comparison for each method when available.",
            1: "Each method takes part in a PT scheme or interlaboratory comparison at least once "
            "in each accreditation cycle, following the PT plan.",
        },
        "Results outside the control limits or unsatisfactory PT results are handled as "
        "nonconforming work and reported to the management review.",
    ),
    records=("PT plan and results", "Blind sample and replicate results", "Control charts"),
    references=("QP-7.10-01 Control of Nonconforming Work", "ANAB PT requirements"),
    revisions=(
        Rev("Initial issue.", months=48),
        Rev("PT per method per accreditation cycle.", months=14),
    ),
)

REPORTING = Spec(
    number="QP-7.8-01",
    title="Reporting of Results",
    doc_type=DocumentType.PROCEDURE,
    owner=DIRECTOR,
    interval=24,
    clauses=("7.8.1", "7.8.2", "7.8.3", "7.8.6", "7.8.7", "7.8.8"),
    audiences=(STAFF,),
    purpose="Describes the content, review, release and amendment of test reports.",
    scope="All reports issued for AS6171 testing.",
    responsibilities=(
        ("Analyst", "Prepares the report from the technical record."),
        ("Authorised signatory", "Reviews and releases the report; gives opinions."),
    ),
    steps=(
        "Reports identify the laboratory, the customer, the parts (part number, date code, lot "
        "and quantity), the methods, the dates, and each result with its unit where relevant.",
        "Every report is checked against the technical record by a second authorised person "
        "before release.",
        {
            0: "Opinions are given by the senior technician.",
            1: "Opinions (for example 'suspect counterfeit') are given only by authorised "
            "signatories and are clearly marked as opinions, with their basis.",
        },
        "A statement of conformity names the specification and the decision rule applied.",
        "A corrected report is issued as a new report that names the one it replaces.",
    ),
    tables=(
        Table(
            "Outcome statements",
            ("Statement", "Used when"),
            (
                ("No anomalies found", "Every test at the requested level passed"),
                ("Anomalies found", "Findings need the customer's evaluation"),
                ("Suspect counterfeit", "Findings show the parts are not what they claim"),
            ),
        ),
    ),
    records=("Issued reports and amendments",),
    references=("QP-7.6-01 Evaluation of Measurement Uncertainty", _AS6171),
    revisions=(
        Rev("Initial issue.", months=48),
        Rev("Opinions only by authorised signatories.", months=11),
    ),
)

COMPLAINTS = Spec(
    number="QP-7.9-01",
    title="Complaints",
    doc_type=DocumentType.PROCEDURE,
    owner=QM,
    interval=24,
    clauses=("7.9.1", "7.9.2", "7.9.3", "7.9.4", "7.9.5", "7.9.6", "7.9.7"),
    audiences=(STAFF, QUALITY),
    purpose="Describes how complaints are received, investigated and resolved.",
    scope="Complaints from customers and other parties about the laboratory's activities.",
    responsibilities=(
        ("Any employee", "Passes a complaint to the quality manager the same day."),
        ("Quality Manager", "Logs, acknowledges and tracks the complaint."),
        ("Investigator", "Not involved in the work complained about."),
    ),
    steps=(
        "A description of this process is given to anyone who asks.",
        "The complaint is logged on FM-7.9-01 and its receipt acknowledged within one working day.",
        {
            0: "The quality manager investigates the complaint.",
            1: "An investigator who was not involved in the work decides whether the complaint "
            "relates to the laboratory's activities and, if so, investigates it.",
        },
        "The complainant receives progress reports and the outcome in writing.",
        "An upheld complaint leads to a corrective action under QP-8.7-01.",
    ),
    records=("Complaint log and records (FM-7.9-01)",),
    references=("FM-7.9-01 Complaint Record", "QP-8.7-01 Corrective Action"),
    revisions=(
        Rev("Initial issue.", months=60),
        Rev("Independent investigator.", months=16),
    ),
)

NONCONFORMING_WORK = Spec(
    number="QP-7.10-01",
    title="Control of Nonconforming Work",
    doc_type=DocumentType.PROCEDURE,
    owner=DIRECTOR,
    interval=24,
    clauses=("6.4.9", "7.10.1", "7.10.2", "7.10.3"),
    audiences=(STAFF,),
    purpose="Describes what happens when work or its results do not conform to the method, the "
    "laboratory's requirements or the customer's.",
    scope="All testing, including the effect of equipment found out of tolerance.",
    responsibilities=(
        ("Anyone", "Stops the work and reports the nonconformity."),
        ("Laboratory Director", "Decides on recall and on resuming work."),
    ),
    steps=(
        "The person who finds the nonconformity stops the affected work and records it.",
        "The director evaluates how significant it is and which jobs are affected, "
        "including past jobs when equipment is found out of tolerance.",
        {
            0: "Affected reports are recalled.",
            1: "Affected customers are told and, where needed, reports are recalled and re-issued.",
        },
        "Work resumes only with the director's authorisation, recorded on the nonconformity.",
        {
            2: "Retained parts from affected jobs are held in quarantine until the evaluation "
            "is complete."
        },
        "If the nonconformity could recur, a corrective action is raised under QP-8.7-01.",
    ),
    records=("Nonconformity records with impact evaluation",),
    references=("QP-6.4-01 Equipment and Calibration", "QP-8.7-01 Corrective Action"),
    revisions=(
        Rev("Initial issue.", months=60),
        Rev("Customer notification.", months=36),
        Rev("Quarantine of retained parts.", months=10),
    ),
)

TRAINING_FORM = Spec(
    number="FM-6.2-01",
    title="Training and Authorisation Record",
    doc_type=DocumentType.FORM,
    owner=QM,
    interval=36,
    clauses=("6.2.5", "6.2.6"),
    audiences=(STAFF,),
    purpose="Records an analyst's training on a method and the director's authorisation.",
    scope="One form per analyst per test method.",
    responsibilities=(
        ("Trainer", "Completes the training section."),
        ("Laboratory Director", "Signs the authorisation."),
    ),
    procedure_heading="Instructions",
    steps=(
        "Complete one form for each analyst and method; file it in the personnel file.",
        "Enter each supervised job with its job number.",
        {1: "Record the revision of the test method the analyst was trained on."},
    ),
    tables=(
        Table(
            "Form",
            ("Field", "Entry"),
            (
                ("Analyst", ""),
                ("Test method", ""),
                ({1: "Method revision trained on"}, ""),
                ("Supervised jobs (job numbers)", ""),
                ("Demonstration test result", ""),
                ("Authorised by / date", ""),
            ),
        ),
    ),
    records=("Completed form in the personnel file",),
    references=("QP-6.2-01 Personnel Competence, Training and Authorisation",),
    label_scheme="numbers",
    revisions=(
        Rev("Initial issue.", months=48),
        Rev("Method revision recorded.", months=8),
    ),
)

COMPLAINT_FORM = Spec(
    number="FM-7.9-01",
    title="Complaint Record",
    doc_type=DocumentType.FORM,
    owner=QM,
    interval=36,
    clauses=("7.9.3", "7.9.4"),
    audiences=(QUALITY,),
    purpose="Records a complaint from receipt to closure.",
    scope="One form per complaint.",
    responsibilities=(("Quality Manager", "Opens and closes the record."),),
    procedure_heading="Instructions",
    steps=(
        "Open the record on the day the complaint is received.",
        {1: "Name an investigator who was not involved in the work."},
        "Close the record only when the complainant has been told the outcome.",
    ),
    tables=(
        Table(
            "Form",
            ("Field", "Entry"),
            (
                ("Complaint number / date received", ""),
                ("Complainant and contact", ""),
                ("Description and reports concerned", ""),
                ({1: "Investigator"}, ""),
                ("Outcome and date communicated", ""),
                ("CAR number (if upheld)", ""),
            ),
        ),
    ),
    records=("Completed form in the complaint log",),
    references=("QP-7.9-01 Complaints",),
    label_scheme="numbers",
    revisions=(
        Rev("Initial issue.", months=36),
        Rev("Investigator field.", months=13),
    ),
)


# --- test methods, one per AS6171 method on the scope -------------------------------------------


@dataclass(frozen=True)
class _Method:
    purpose: str
    equipment: tuple[Text, ...]
    steps: tuple[Text, ...]
    criteria: tuple[tuple[Text, Text, Text], ...]
    revisions: tuple[Rev, ...]
    clauses: tuple[str, ...] = ("7.2.1", "7.5.1", "7.7.1")
    interval: int = 24
    responsibilities: tuple[tuple[str, Text], ...] = field(default=())


_PREPARE = "Confirm ESD controls at the bench, record the room conditions and check that the "
_PREPARE_END = "equipment is within calibration and its daily check has passed."

METHOD_CONTENT: dict[str, _Method] = {
    "AS6171/2": _Method(
        purpose="Examines parts and their packaging for signs of prior use, remarking and "
        "resurfacing by external visual inspection.",
        equipment=(
            "Stereo microscope, 10x to 70x, with ring light",
            "Digital camera on the microscope",
            "Marking permanency solvent and resurfacing test solvent; cotton swabs",
        ),
        steps=(
            _PREPARE + _PREPARE_END,
            "Record the packaging, labels, lot and date codes and moisture barrier bags, and "
            "compare them with the purchase order and the manufacturer's data.",
            "Select the sample at the test level agreed with the customer and record its size.",
            "Inspect every surface of each sampled part at 10x to 40x: lead condition "
            "(bends, re-tinning, scratches, solder residue, oxidation) and body damage.",
            {
                0: "Compare the marking with the manufacturer's data sheet.",
                2: "Compare the marking (font, logo, position, marking method) with exemplar "
                "images from the manufacturer or with authentic parts of the same part number "
                "from the reference library.",
            },
            "Look for sanding lines, filled mould cavities, inconsistent ejector pin marks and "
            "mixed date codes within the lot.",
            {
                0: "Apply the marking permanency test to three parts.",
                1: "Apply the marking permanency test and the resurfacing test to three parts "
                "(heated resurfacing solvent for parts with a coated top surface).",
            },
            {
                2: "Photograph each distinct anomaly in at least two views and reference the "
                "images in the technical record."
            },
            "Record every finding against the criteria below.",
        ),
        criteria=(
            ("Leads", "Uniform finish, no tooling marks", "Re-tinned, re-straightened, scraped"),
            ("Marking", "Matches exemplar; permanent", "Misaligned, wrong font, smears"),
            ("Top surface", "Uniform mould texture", "Sanding lines; coating dissolves"),
            ("Lot", "One date code, consistent features", "Mixed date codes or cavity marks"),
        ),
        revisions=(
            Rev("Initial issue.", months=60),
            Rev("Heated resurfacing test for coated parts.", months=36),
            Rev(
                "Comparison with exemplar images and reference parts; anomaly photographs.",
                flow=EFFECTIVE,
                acks=("E1004", "E1005", "E1006"),
                note="Retrain the visual inspection technicians on the exemplar comparison.",
            ),
        ),
    ),
    "AS6171/3": _Method(
        purpose="Determines the elemental composition of lead finishes and terminations by "
        "energy-dispersive X-ray fluorescence, to compare with the manufacturer's declared "
        "finish.",
        equipment=(
            "Energy-dispersive XRF analyser with small-spot collimator",
            "Certified reference materials (pure Sn, Sn63Pb37, NiPdAu)",
        ),
        steps=(
            _PREPARE + _PREPARE_END,
            "Measure the check standard; continue only if the result is within the control "
            "limits on the chart.",
            {
                0: "Measure three leads of each sampled part for 30 s live time.",
                1: "Measure three leads of each sampled part for 60 s live time, so that lead "
                "below 1 wt% is detected reliably.",
            },
            "Compare the finish with the declared finish (for example matte tin, tin-lead, "
            "NiPdAu) and with the other parts of the lot.",
            "Report composition with its expanded uncertainty from QP-7.6-01; do not infer bulk "
            "composition beyond the depth the X-rays reach.",
        ),
        criteria=(
            ("Check standard", "Within control limits", "Stop; investigate under QP-6.4-01"),
            ("Lead in RoHS finish", "Below detection", "Suspect re-tinning"),
            ("Finish elements", "Match declared finish", "Anomaly reported"),
        ),
        clauses=("7.2.1", "7.5.1", "7.6.3", "7.7.1"),
        revisions=(
            Rev("Initial issue.", months=48),
            Rev("Measurement time increased to 60 s.", months=18),
        ),
    ),
    "AS6171/4": _Method(
        purpose="Exposes the die by removing the package, to confirm the die and its markings "
        "match the manufacturer and part claimed.",
        equipment=(
            "Acid decapsulation system in a fume hood",
            {1: "Laser ablation system for pre-thinning"},
            "Metallurgical microscope up to 1000x",
        ),
        steps=(
            "Confirm that the customer accepted the number of parts to be destroyed.",
            "Wear acid-resistant gloves, face shield and apron; check the fume hood flow.",
            {
                1: "For parts with copper bond wires, pre-thin the mould compound with the "
                "laser to limit acid attack on the wires."
            },
            "Decapsulate with the acid recipe for the package type and rinse.",
            "Photograph the die and record the die markings (logo, mask number, year), die size "
            "and bond wire layout.",
            "Compare with an authentic die from the reference library or the manufacturer's "
            "information, and across the parts of the lot.",
        ),
        criteria=(
            ("Die marking", "Manufacturer's logo and mask set", "Other maker or missing"),
            ("Die size", "Matches reference", "Different size or revision"),
            ("Bond wires", "Complete, consistent", "Missing, broken or re-bonded"),
        ),
        revisions=(
            Rev("Initial issue.", months=48),
            Rev("Laser pre-thinning for copper wire parts.", months=20),
        ),
    ),
    "AS6171/5": _Method(
        purpose="Inspects the internal construction of parts by real-time X-ray imaging, "
        "without damaging them.",
        equipment=(
            "Real-time X-ray system with digital flat-panel detector",
            "Image quality indicator",
        ),
        steps=(
            "Check the cabinet interlocks and wear the personal dosimeter.",
            "Image the image quality indicator; continue only if the required wire is visible.",
            "Image every sampled part from the top, at settings chosen for the package, and "
            "tilt where the bond wires overlap.",
            {
                0: "Compare die size, die attach, lead frame and bond wire layout across the lot.",
                1: "Compare die size, die attach, lead frame and bond wire layout across the lot "
                "and with a reference part.",
            },
            {
                2: "Record the exposure time and settings for each part; keep the cumulative "
                "dose low for memory parts, which can be damaged by X-rays."
            },
        ),
        criteria=(
            ("Die", "Present, same size across lot", "Missing or different die"),
            ("Bond wires", "Complete, same layout", "Missing or different layout"),
            ("Lead frame", "Same design across lot", "Mixed lead frames"),
        ),
        revisions=(
            Rev("Initial issue.", months=60),
            Rev("Comparison with a reference part.", months=26),
            Rev(
                "Exposure recorded for each part; low dose for memory parts.",
                flow=IMPORT_TASKS,
                days=40,
                acks=("E1007", "E1004"),
            ),
        ),
    ),
    "AS6171/6": _Method(
        purpose="Looks for delamination, voids and cracks inside plastic packages with a "
        "scanning acoustic microscope, as signs of prior use or rework.",
        equipment=(
            "Scanning acoustic microscope with 50 MHz to 230 MHz transducers",
            "Deionised water",
        ),
        steps=(
            "Check the system with the reference block before the first scan of the session.",
            "Scan the top side of each sampled part in C-mode, gated at the die surface and the "
            "lead frame.",
            "Look for delamination at the die and lead fingers, voids and cracks, and compare "
            "the pattern across the lot.",
            {
                1: "Dry moisture-sensitive parts (level 3 and above) after scanning as J-STD-033 "
                "describes before returning them."
            },
        ),
        criteria=(
            ("Die surface", "No delamination", "Delamination consistent with reflow"),
            ("Lead fingers", "Bonded", "Widespread delamination"),
        ),
        revisions=(
            Rev("Initial issue.", months=36),
            Rev("Drying of moisture-sensitive parts.", months=24, days=-25),
        ),
    ),
    "AS6171/7": _Method(
        purpose="Tests the electrical behaviour of parts to show whether they function as the "
        "manufacturer's data sheet says.",
        equipment=(
            "Curve tracer",
            "Source-measure unit (SMU)",
            "Bench test fixtures for the package",
        ),
        steps=(
            _PREPARE + _PREPARE_END,
            {
                0: "Compare the pin-to-pin current-voltage signature of each part with a known "
                "good part.",
                1: "Compare the pin-to-pin current-voltage signature of each part with a known "
                "good part, or across the lot when none is available.",
            },
            "Measure the key DC parameters from the data sheet at room temperature.",
            {
                2: "Test programs and limits are approved by the electrical test engineer before "
                "first use and kept with the job."
            },
            {
                0: "Compare each result with the data sheet limit.",
                2: "Compare each result with the data sheet limit, applying the guard band of the "
                "decision rule agreed at contract review.",
            },
        ),
        criteria=(
            ("Curve trace", "Matches known good within 10 %", "Open, short, different curve"),
            ("DC parameters", "Within data sheet limits", "Outside limits"),
        ),
        clauses=("7.2.1", "7.5.1", "7.6.3", "7.7.1"),
        revisions=(
            Rev("Initial issue.", months=60),
            Rev("Comparison across the lot without a known good part.", months=36),
            Rev(
                "Approved test programs; guard band from the decision rule.",
                flow=EFFECTIVE,
                acks=("E1008",),
            ),
        ),
    ),
    "AS6171/8": _Method(
        purpose="Identifies surface coatings and mould compounds by Raman spectroscopy, to "
        "detect resurfacing.",
        equipment=("Raman microscope with 785 nm laser", "Spectral library"),
        steps=(
            "Calibrate the wavenumber axis with the silicon reference.",
            "Measure the top surface of each part and a reference area or authentic part.",
            {1: "Use low laser power on dark mould compounds to avoid burning the surface."},
            "Compare the spectra with each other and with the library.",
        ),
        criteria=(("Spectrum", "Matches reference", "Additional coating detected"),),
        interval=36,
        revisions=(
            Rev("Initial issue.", months=72),
            Rev("Low laser power for dark compounds.", months=40),
        ),
    ),
    "AS6171/9": _Method(
        purpose="Identifies surface coatings and mould compounds by FTIR spectroscopy with an "
        "ATR accessory, to detect resurfacing.",
        equipment=("FTIR spectrometer with diamond ATR", "Isopropyl alcohol, lint-free wipes"),
        steps=(
            "Clean the ATR crystal and collect a background spectrum.",
            "Measure the top surface of each sampled part.",
            {
                2: "Measure an authentic part of the same part number in the same session, "
                "where one is available."
            },
            {
                0: "Compare the spectra with the reference.",
                1: "Compare the spectra across the lot and with the reference spectrum.",
            },
        ),
        criteria=(("Spectrum", "Consistent with reference", "Coating bands present"),),
        revisions=(
            Rev("Initial issue.", months=48),
            Rev("Comparison across the lot.", months=16),
            Rev(
                "Authentic part measured in the same session.",
                flow=AWAITING_APPROVAL,
                note="Checked against the current AS6171/9; ready for approval.",
            ),
        ),
    ),
}


def _method_number(code: str) -> str:
    return "TM-" + code.replace("/", "-")


def _method_spec(code: str, title: str) -> Spec:
    content = METHOD_CONTENT.get(code) or _Method(
        purpose=f"Performs {title.lower()} on suspect parts.",
        equipment=(),
        steps=("Follow the method as published.",),
        criteria=(),
        revisions=(Rev("Initial issue.", months=12),),
    )
    return Spec(
        number=_method_number(code),
        title=title,
        doc_type=DocumentType.TEST_METHOD,
        owner=DIRECTOR,
        interval=content.interval,
        clauses=content.clauses,
        audiences=(STAFF,),
        purpose=content.purpose,
        scope=f"Parts submitted for {code} testing at the test level agreed with the customer.",
        responsibilities=content.responsibilities
        or (
            ("Authorised analyst", "Performs the test and records the results."),
            ("Senior Technician", "Reviews the technical record before reporting."),
        ),
        equipment=content.equipment,
        steps=content.steps,
        tables=(
            Table(
                "Acceptance criteria",
                ("Characteristic", "Expected", "Suspect indication"),
                content.criteria,
            ),
        )
        if content.criteria
        else (),
        records=(
            "Technical record with images and measurement data",
            "Equipment used and its calibration status",
        ),
        references=(f"SAE {code} {title}", _AS6171, "QP-7.8-01 Reporting of Results"),
        revisions=content.revisions,
    )


FACILITIES = Spec(
    number="QP-6.3-01",
    title="Facilities and Environmental Conditions",
    doc_type=DocumentType.PROCEDURE,
    owner=DIRECTOR,
    interval=24,
    clauses=("6.1", "6.3.1", "6.3.2", "6.3.3", "6.3.4", "6.3.5"),
    audiences=(STAFF,),
    purpose="Describes the resources, facilities and environmental conditions the laboratory "
    "keeps so that its results are valid.",
    scope="The inspection, X-ray, electrical test and decapsulation areas and the secure "
    "parts store.",
    responsibilities=(
        ("Laboratory Director", "Provides the staff, facilities and equipment the scope needs."),
        ("Senior Technician", "Monitors and records the room conditions; acts on alarms."),
        ("All staff", "Keep ESD controls and access restrictions."),
    ),
    steps=(
        "Each test method states the environmental conditions it needs; the bench sheet records "
        "them at the start of the test.",
        "Temperature and humidity are logged continuously in the test areas; an excursion stops "
        "testing until the conditions are restored and the work affected is assessed.",
        {
            0: "ESD-protected areas are checked every month.",
            1: "ESD-protected areas are checked every month to ANSI/ESD S20.20; failed "
            "wrist straps and mats are taken out of use at once.",
        },
        "Access to the test areas and the parts store is limited to authorised staff; visitors "
        "are escorted and signed in.",
        "Incompatible activities (decapsulation chemistry, X-ray) are separated and labelled.",
    ),
    records=("Environmental logs", "ESD audit records", "Visitor log"),
    references=("ANSI/ESD S20.20", "QP-7.10-01 Nonconforming Work"),
    revisions=(
        Rev("Initial issue.", months=60),
        Rev("ESD checks to ANSI/ESD S20.20.", months=14),
    ),
)

CONTRACT_REVIEW = Spec(
    number="QP-7.1-01",
    title="Review of Requests, Tenders and Contracts",
    doc_type=DocumentType.PROCEDURE,
    owner=QM,
    interval=24,
    clauses=("7.1.1", "7.1.2", "7.1.3", "7.1.4", "7.1.5", "7.1.6", "7.1.7", "7.1.8"),
    audiences=(QUALITY,),
    purpose="Describes how customer requests are reviewed before the laboratory agrees to "
    "perform the work.",
    scope="Quotations, purchase orders and changes to agreed work.",
    responsibilities=(
        ("Quality Manager", "Reviews each request and records the review."),
        ("Laboratory Director", "Approves deviations and subcontracting."),
    ),
    steps=(
        "The request is checked for the methods required, the AS6171 risk level and the "
        "number of parts; the laboratory confirms it has the capability and resources.",
        "A method the customer asks for that is inappropriate or out of date is pointed out "
        "to the customer before the work starts.",
        {
            1: "A statement of conformity is only agreed with its decision rule stated and "
            "accepted by the customer."
        },
        "Any difference between the request and the order is resolved before work begins; "
        "deviations are agreed with the customer in writing.",
        "Changes after the work has started are reviewed again and communicated to all staff "
        "affected.",
    ),
    records=("Contract review record on the job traveller", "Customer correspondence"),
    references=(_AS6171, "QP-7.8-01 Reporting of Results"),
    revisions=(
        Rev("Initial issue.", months=48),
        Rev("Decision rules agreed at contract review.", months=20),
    ),
)

SAMPLING = Spec(
    number="QP-7.3-01",
    title="Sampling of Parts Lots",
    doc_type=DocumentType.PROCEDURE,
    owner=SENIOR_TECH,
    interval=24,
    clauses=("7.3.1", "7.3.2", "7.3.3"),
    audiences=(STAFF,),
    purpose="Describes how samples are drawn from a lot of parts for the AS6171 test methods.",
    scope="All lots submitted for suspect/counterfeit part testing.",
    responsibilities=(
        ("Senior Technician", "Selects the sample per the plan and records it."),
        ("Receiving Inspector", "Keeps the lot's identity and packaging intact."),
    ),
    steps=(
        "The sample size per test method follows the AS6171 test level agreed at contract review.",
        {
            0: "Parts are drawn at random from the lot.",
            1: "Parts are drawn at random across reels, tubes and date codes, using the random "
            "selection tool on the job traveller.",
        },
        "Any deviation from the sampling plan requested by the customer is recorded and "
        "stated on the report.",
        "The sampling record names the sampler, the date, the plan and the parts drawn.",
    ),
    records=("Sampling record on the job traveller",),
    references=(_AS6171, "QP-7.1-01 Review of Requests, Tenders and Contracts"),
    revisions=(
        Rev("Initial issue.", months=54),
        Rev("Random selection across date codes.", months=20),
    ),
)

HANDLING = Spec(
    number="QP-7.4-01",
    title="Handling of Test Items",
    doc_type=DocumentType.PROCEDURE,
    owner=SENIOR_TECH,
    interval=24,
    clauses=("7.4.1", "7.4.2", "7.4.3", "7.4.4"),
    audiences=(STAFF,),
    purpose="Describes how parts are received, identified, stored, protected and returned.",
    scope="Customer parts from receipt to return or disposal.",
    responsibilities=(
        ("Receiving Inspector", "Receives, identifies and logs each lot."),
        ("All staff", "Keep parts in ESD- and moisture-safe packaging between tests."),
    ),
    steps=(
        "Each lot receives a unique job number on receipt; every part taken for testing keeps "
        "that number through the destructive and non-destructive tests.",
        "Condition on receipt is photographed and recorded; damage or doubt about suitability "
        "is reported to the customer before testing.",
        "Moisture-sensitive parts are stored in dry cabinets and baked per J-STD-033 before "
        "heating tests.",
        {
            1: "Suspect counterfeit parts are quarantined in the secure store and returned only "
            "as the customer and the contract direct."
        },
    ),
    records=("Receiving log", "Chain-of-custody record"),
    references=("IPC/JEDEC J-STD-033", "QP-7.3-01 Sampling of Parts Lots"),
    revisions=(
        Rev("Initial issue.", months=60),
        Rev("Quarantine of suspect parts in the secure store.", months=18),
    ),
)

DATA_CONTROL = Spec(
    number="QP-7.11-01",
    title="Control of Data and Information Management",
    doc_type=DocumentType.PROCEDURE,
    owner=QM,
    interval=24,
    clauses=("7.11.1", "7.11.2", "7.11.3", "7.11.4", "7.11.5", "7.11.6"),
    audiences=(QUALITY,),
    purpose="Describes how the laboratory validates, protects and maintains the software and "
    "data it uses for its activities.",
    scope="This compliance system, instrument software and the job records.",
    responsibilities=(
        ("IT and Systems Administrator", "Backups, access control and software updates."),
        ("Quality Manager", "Validation records; approves changes to validated software."),
    ),
    steps=(
        "Software is validated before use and after each change; the validation report of "
        "the compliance system is kept with its release.",
        "Access is personal and role-based; accounts of leavers are disabled the day they leave.",
        {
            0: "Data are backed up every night.",
            1: "Data are backed up every night and a restore from the backup is tested every "
            "quarter.",
        },
        "Calculations and data transfers are checked when first used and after changes.",
        "Instrument software versions are recorded on the equipment register.",
    ),
    records=("Software validation reports", "Backup and restore test log", "Access reviews"),
    references=("QP-8.4-01 Control of Records",),
    revisions=(
        Rev("Initial issue.", months=40),
        Rev("Quarterly restore tests.", months=12),
    ),
)

SPECS: tuple[Spec, ...] = (
    QUALITY_MANUAL,
    IMPARTIALITY,
    QUALITY_POLICY,
    COMPETENCE,
    EQUIPMENT,
    TRACEABILITY,
    PURCHASING,
    FACILITIES,
    CONTRACT_REVIEW,
    SAMPLING,
    HANDLING,
    METHODS,
    UNCERTAINTY,
    VALIDITY,
    REPORTING,
    COMPLAINTS,
    NONCONFORMING_WORK,
    DATA_CONTROL,
    DOCUMENT_CONTROL,
    RECORDS,
    RISKS,
    CORRECTIVE_ACTION,
    INTERNAL_AUDITS,
    MANAGEMENT_REVIEW,
    *(_method_spec(code, title) for code, title in SCOPE_METHODS),
    TRAINING_FORM,
    COMPLAINT_FORM,
)


# --- .docx generation -------------------------------------------------------------------------

_KEEP_STYLES = {"Normal", "Heading1", "Heading2", "TableGrid", "ListBullet", "Header", "Footer"}
_DROP_PARTS = ("/stylesWithEffects", "/customXml", "/webSettings", "/thumbnail")
_NAMES = {p.employee_id: f"{p.name}, {p.job_title}" for p in PEOPLE}
_TEXT_WIDTH = 8640  # twips between the default template's margins
_COLUMN_SHARES = {2: (1, 2), 3: (3, 4, 4)}


@functools.cache
def _template() -> bytes:
    """python-docx's default template without the parts a short procedure does not need
    (36 KB down to 9 KB): unused styles, latent styles, styles-with-effects, thumbnail."""
    document = docx.Document()
    for rels in (document.part.rels, document.part.package.rels):
        for r_id, rel in list(rels.items()):
            if rel.reltype.endswith(_DROP_PARTS):
                del rels[r_id]
    styles = document.styles.element
    by_id = {s.get(qn("w:styleId")): s for s in styles.findall(qn("w:style"))}
    keep = set(_KEEP_STYLES) | {i for i, s in by_id.items() if s.get(qn("w:default")) == "1"}
    pending = list(keep)
    while pending:
        style = by_id.get(pending.pop())
        for tag in ("w:basedOn", "w:next", "w:link"):
            ref = style.find(qn(tag)) if style is not None else None
            if ref is not None and ref.get(qn("w:val")) not in keep:
                keep.add(ref.get(qn("w:val")))
                pending.append(ref.get(qn("w:val")))
    for style_id, style in by_id.items():
        if style_id not in keep:
            styles.remove(style)
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


class _Body:
    """WordprocessingML for the body, written as text and parsed once: python-docx's
    element-by-element API takes ~70 ms a document, this ~5 ms."""

    def __init__(self):
        self.xml: list[str] = []

    @staticmethod
    def _run(text: str, bold: bool = False) -> str:
        props = "<w:rPr><w:b/></w:rPr>" if bold else ""
        return f'<w:r>{props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'

    def paragraph(self, text: str, style: str | None = None, lead: str = "") -> None:
        props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
        runs = (self._run(lead, bold=True) if lead else "") + self._run(text)
        self.xml.append(f"<w:p>{props}{runs}</w:p>")

    def heading(self, text: str, level: int) -> None:
        self.paragraph(text, style=f"Heading{level}")

    def bullet(self, text: str) -> None:
        self.paragraph(text, style="ListBullet")

    def table(self, columns, rows) -> None:
        shares = _COLUMN_SHARES.get(len(columns), (1,) * len(columns))
        widths = [_TEXT_WIDTH * s // sum(shares) for s in shares]

        def row(cells, header=False):
            props = "<w:trPr><w:tblHeader/></w:trPr>" if header else ""
            tcs = "".join(
                f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>'
                f"<w:p>{self._run(text, bold=header)}</w:p></w:tc>"
                for text, w in zip(cells, widths, strict=True)
            )
            return f"<w:tr>{props}{tcs}</w:tr>"

        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
        self.xml.append(
            '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
            '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
            'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
            f"<w:tblGrid>{grid}</w:tblGrid>{row(columns, header=True)}"
            + "".join(row(r) for r in rows)
            + "</w:tbl>"
        )
        # Word needs a paragraph between two tables, or it merges them.
        self.xml.append("<w:p/>")

    def append_to(self, document) -> None:
        body = document.element.body
        fragment = parse_xml(f"<w:body {nsdecls('w')}>{''.join(self.xml)}</w:body>")
        anchor = body.sectPr
        for element in list(fragment):
            if anchor is not None:
                anchor.addprevious(element)
            else:
                body.append(element)


def _revision_dates(spec: Spec, today: dt.date) -> list[str]:
    dates = []
    for rev in spec.revisions:
        day = rev.effective_on(today)
        dates.append(day.isoformat() if day else "On approval")
    return dates


def build_docx(spec: Spec, index: int, today: dt.date) -> bytes:
    """Revision `index` (0 = first) of `spec` as a .docx of about 11 KB, in a few milliseconds."""
    label = spec.label(index)
    dates = _revision_dates(spec, today)
    document = docx.Document(io.BytesIO(_template()))
    props = document.core_properties
    props.title = f"{spec.number} {spec.title}"
    props.subject = f"Revision {label}"
    props.author = props.last_modified_by = _NAMES[spec.owner].split(",")[0]
    props.revision = index + 1
    issued = spec.revisions[index].effective_on(today) or today
    props.created = props.modified = dt.datetime.combine(issued, dt.time(9))

    section = document.sections[0]
    section.header.paragraphs[0].text = f"{LAB_NAME}\t\t{spec.number} Rev {label}"
    section.header.add_paragraph(spec.title)
    section.footer.paragraphs[0].text = (
        "The current revision is the one in the document control system; "
        "printed copies are uncontrolled unless stamped CONTROLLED COPY."
    )

    body = _Body()
    body.heading(f"{spec.number} {spec.title}", 1)
    body.table(
        ("Document", spec.number),
        (
            ("Revision", label),
            ("Type", DocumentType(spec.doc_type).label),
            ("Owner", _NAMES[spec.owner]),
            ("Effective", dates[index]),
            ("Review interval", f"{spec.interval} months"),
        ),
    )
    for number, (heading, write) in enumerate(_sections(spec, index, dates), start=1):
        body.heading(f"{number} {heading}", 2)
        write(body, number)
    body.append_to(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _sections(spec: Spec, index: int, dates: list[str]):
    """(heading, writer) for each numbered section of revision `index`."""

    def present(items) -> list[str]:
        return [w for w in (_at(item, index) for item in items) if w is not None]

    def rows_of(rows):
        resolved = [tuple(_at(cell, index) for cell in row) for row in rows]
        return [tuple(c or "" for c in row) for row in resolved if row[0] is not None]

    def paragraph(text):
        def write(body, _number):
            for wording in present([text]):
                body.paragraph(wording)

        return write

    def bullets(items):
        def write(body, _number):
            for wording in present(items):
                body.bullet(wording)

        return write

    def definitions(body, _number):
        for term, meaning in spec.definitions:
            body.paragraph(meaning, lead=f"{term}: ")

    def responsibilities(body, _number):
        body.table(("Role", "Responsibility"), rows_of(spec.responsibilities))

    def steps(body, number):
        for n, wording in enumerate(present(spec.steps), start=1):
            body.paragraph(f"{number}.{n} {wording}")

    def table(t: Table):
        def write(body, _number):
            for intro in present([t.intro]):
                if intro:
                    body.paragraph(intro)
            body.table(t.columns, rows_of(t.rows))

        return write

    def references(body, _number):
        clauses = []
        for clause in spec.clauses:
            top = ".".join(clause.split(" ")[0].split(".")[:2])
            if top not in clauses:
                clauses.append(top)
        body.bullet(f"ISO/IEC 17025:2017, clauses {', '.join(clauses)}")
        for ref in spec.references:
            body.bullet(ref)

    def history(body, _number):
        body.table(
            ("Rev", "Effective", "Change"),
            [(spec.label(i), dates[i], spec.revisions[i].summary) for i in range(index, -1, -1)],
        )

    parts = [("Purpose", paragraph(spec.purpose)), ("Scope", paragraph(spec.scope))]
    if spec.definitions:
        parts.append(("Definitions", definitions))
    parts.append(("Responsibilities", responsibilities))
    if spec.equipment:
        parts.append(("Equipment and materials", bullets(spec.equipment)))
    parts.append((spec.procedure_heading, steps))
    parts.extend((t.heading, table(t)) for t in spec.tables)
    parts.append(("Records", bullets(spec.records)))
    parts.append(("References", references))
    parts.append(("Revision history", history))
    return parts


def generate(today: dt.date) -> Iterator[tuple[Spec, int, str, bytes]]:
    """Every revision of every demo document: (spec, index, filename, .docx bytes)."""
    for spec in SPECS:
        for index in range(len(spec.revisions)):
            yield spec, index, spec.filename(index), build_docx(spec, index, today)


# --- loading through the document control services ------------------------------------------


@dataclass
class _Tally:
    documents: int = 0
    revisions: int = 0
    reviews_overdue: int = 0
    reviews_due_soon: int = 0
    drafts: int = 0
    in_review: int = 0
    withdrawn: int = 0
    tasks: int = 0
    acknowledged: int = 0
    tasks_overdue: int = 0


def load_documents(accounts: dict[str, User], today: dt.date) -> str:
    """Register the demo documents and bring each revision in as a real lab would have.

    `accounts` are the demo users keyed by employee id (loader.load_people). Returns a summary.
    """
    qm, director, reviewer = accounts[QM], accounts[DIRECTOR], accounts[SENIOR_TECH]
    tally = _Tally()
    for spec in SPECS:
        document = services.create_document(
            number=spec.number,
            title=spec.title,
            doc_type=str(spec.doc_type),
            owner=accounts[spec.owner],
            review_interval_months=spec.interval,
            clauses=spec.clauses,
            audiences=spec.audiences,
            label_scheme=spec.label_scheme,
            by=qm,
        )
        tally.documents += 1
        for index, rev in enumerate(spec.revisions):
            data = build_docx(spec, index, today)
            label, filename = spec.label(index), spec.filename(index)
            tally.revisions += 1
            if rev.flow in _WORKFLOW:
                revision = _through_workflow(
                    document,
                    rev,
                    data=data,
                    filename=filename,
                    label=label,
                    qm=qm,
                    reviewer=reviewer,
                    approver=director,
                    today=today,
                )
            else:
                revision = services.import_effective_revision(
                    document,
                    data=data,
                    filename=filename,
                    label=label,
                    effective_on=rev.effective_on(today),
                    approved_by=director if spec.owner == DIRECTOR or index % 2 else qm,
                    by=qm,
                )
                if rev.flow == IMPORT_TASKS:
                    services.create_acknowledgement_tasks(revision)
            tally.drafts += rev.flow == REJECTED
            tally.in_review += rev.flow in (AWAITING_REVIEW, AWAITING_APPROVAL)
            tally.withdrawn += rev.flow == WITHDRAWN
            for employee_id in rev.acks:
                _acknowledge(revision, accounts[employee_id])
        if spec.periodic_review:
            services.periodic_review(
                document, by=qm, password=DEMO_PASSWORD, comment=spec.periodic_review
            )
        due = services.next_review_on(document, services.current_revision(document))
        tally.reviews_overdue += due < today
        tally.reviews_due_soon += today <= due <= today + dt.timedelta(days=60)
    for task in db.session.scalars(select(AcknowledgementTask)):
        tally.tasks += 1
        tally.acknowledged += task.acknowledged_at is not None
        tally.tasks_overdue += task.is_overdue(today)
    t = tally
    return (
        f"{t.documents} documents with {t.revisions} revisions ({t.drafts} draft, "
        f"{t.in_review} in review, {t.withdrawn} withdrawn); periodic review overdue for "
        f"{t.reviews_overdue}, due within 60 days for {t.reviews_due_soon}; {t.tasks} reading "
        f"tasks ({t.acknowledged} acknowledged, {t.tasks_overdue} overdue)"
    )


def _through_workflow(
    document, rev: Rev, *, data, filename, label, qm, reviewer, approver, today
) -> Revision:
    """The quality manager drafts; the senior technician reviews; the director approves."""
    revision = services.add_revision(
        document, data=data, filename=filename, change_summary=rev.summary, by=qm, label=label
    )
    if rev.flow == WITHDRAWN:
        services.withdraw(revision, by=qm, reason=rev.note)
        return revision
    services.submit_for_review(revision, by=qm)
    if rev.flow == REJECTED:
        services.reject(revision, by=approver, comment=rev.note)
        return revision
    if rev.flow == AWAITING_REVIEW:
        return revision
    services.sign_review(
        revision,
        by=reviewer,
        password=DEMO_PASSWORD,
        comment=rev.note if rev.flow == AWAITING_APPROVAL else None,
    )
    if rev.flow == AWAITING_APPROVAL:
        return revision
    services.approve(
        revision,
        by=approver,
        password=DEMO_PASSWORD,
        effective_on=today,
        comment=rev.note or None,
    )
    return revision


def _acknowledge(revision: Revision, user: User) -> None:
    task = db.session.scalar(
        select(AcknowledgementTask).where(
            AcknowledgementTask.revision_id == revision.id,
            AcknowledgementTask.user_id == user.id,
        )
    )
    services.acknowledge(task, by=user, password=DEMO_PASSWORD)
