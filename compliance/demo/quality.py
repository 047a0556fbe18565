"""The demo lab's scope and quality-system records, entered through the real services.

What an assessor would find (issue 6, item 8):
- the scope: the AS6171 methods, each with its procedure (TM-AS6171-N when the demo documents
  are loaded), the equipment it needs, its verification (or validation) record and PT interval;
- the PT plan with acoustic microscopy (AS6171/6) overdue, a questionable X-ray result, and an
  unsatisfactory XRF round two years ago whose nonconformity was closed with a signature;
- last year's internal audit of the technical requirements, with two nonconformities (one
  closed; one with a corrective action past its due date), an observation and an opportunity;
  two audits planned for the coming months, and a few clauses left out of the cycle;
- the last management review held fourteen months ago (older than the 12-month interval);
- two complaints (one resolved, not upheld; one under investigation with its nonconformity);
- the risk register, with two impartiality risks (4.1), a key-person risk and an opportunity.

Works with or without the other demo loaders: methods are created if no other loader made them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from compliance.audits import services as audits
from compliance.capa import services as capa
from compliance.complaints import services as complaints
from compliance.dates import add_months
from compliance.demo.lab import DEMO_PASSWORD, SCOPE_METHODS
from compliance.documents.services import document_by_number
from compliance.extensions import db
from compliance.proficiency import services as proficiency
from compliance.reviews import services as reviews
from compliance.risks import services as risks
from compliance.scope import services as scope
from compliance.scope.models import Method
from compliance.users.models import User

QM, DIRECTOR, SENIOR_TECH, XRAY_ANALYST = "E1001", "E1003", "E1004", "E1007"
ELECTRICAL, RECEIVING, INTERNAL_AUDITOR = "E1008", "E1012", "E1014"

SENTINEL = "Sentinel Proficiency Testing Ltd"
CONSORTIUM = "AS6171 Interlaboratory Comparison Group"


@dataclass(frozen=True)
class MethodPlan:
    code: str
    technique: str
    items_tested: str
    pt_interval_months: int | None
    equipment: tuple[tuple[str, int], ...] = ()  # (equipment type, minimum count)
    assets: tuple[str, ...] = ()  # specific asset ids
    record: str = "verification"
    record_summary: str = ""
    months_on_scope: int = 60


SCOPE: dict[str, MethodPlan] = {
    plan.code: plan
    for plan in (
        MethodPlan(
            "AS6171/2",
            "Visual inspection and stereo/SEM microscopy",
            "EEE parts: monolithic microcircuits, discretes, passives",
            12,
            equipment=(("Stereo microscope", 2), ("SEM", 1)),
            record_summary="Blind set of 40 parts (12 known remarked) inspected by three "
            "analysts; all remarked parts found, no false calls; acetone and scrape tests "
            "reproduced the reference images.",
        ),
        MethodPlan(
            "AS6171/3",
            "Energy-dispersive X-ray fluorescence",
            "Lead finishes and termination plating of EEE parts",
            12,
            assets=("EQ-XRF-01",),
            record_summary="Sn/Pb and lead-free CRMs read within certified ranges over 20 "
            "repeats; repeatability 0.4 % Pb; detection of 3 % Pb in a Sn matrix confirmed.",
        ),
        MethodPlan(
            "AS6171/4",
            "Chemical and mechanical decapsulation",
            "Plastic and ceramic encapsulated microcircuits",
            24,
            equipment=(("Stereo microscope", 1), ("Balance", 1)),
            record_summary="Die markings recovered intact on 25 of 25 plastic packages; "
            "bond wire integrity preserved on the 10 ceramic lids removed.",
        ),
        MethodPlan(
            "AS6171/5",
            "Real-time radiography",
            "Die, lead frame and bond wire geometry of EEE parts",
            12,
            equipment=(("X-ray system", 1),),
            record_summary="Known-good and known-counterfeit reference lots compared; die "
            "size and wire-bond differences resolved down to 25 µm wire.",
        ),
        MethodPlan(
            "AS6171/6",
            "Scanning acoustic microscopy",
            "Delamination and voids in plastic encapsulated parts",
            12,
            equipment=(("Acoustic microscope", 1),),
            record_summary="Delamination on the reference set detected at the same sites as "
            "the manufacturer's C-SAM images; gate and transducer settings fixed in TM.",
        ),
        MethodPlan(
            "AS6171/7",
            "Curve tracing and parametric electrical test",
            "Discretes and simple integrated circuits",
            12,
            equipment=(("Curve tracer", 1), ("Environmental chamber", 1)),
            record_summary="Pin-to-pin signatures of 30 reference parts matched golden samples; "
            "temperature test points confirmed against the chamber's calibration.",
        ),
        MethodPlan(
            "AS6171/8",
            "Raman spectroscopy",
            "Mould compound and marking ink of plastic packages",
            24,
            equipment=(("Raman spectrometer", 1),),
            record="validation",
            record_summary="Lab-developed spectral library of 18 mould compounds; validation "
            "showed 100 % correct classification of 60 blind spectra, with the acceptance "
            "criteria set before the study.",
            months_on_scope=6,
        ),
        MethodPlan(
            "AS6171/9",
            "Fourier transform infrared spectroscopy",
            "Coatings, blacktopping and marking materials",
            24,
            equipment=(("FTIR spectrometer", 1),),
            record_summary="ATR spectra of the blacktop reference coupons matched the library "
            "within the hit-quality threshold; solvent residue detection confirmed.",
        ),
    )
}

# (code, provider, scheme, round, months ago, result, z-score)
PT_ROUNDS = (
    ("AS6171/2", SENTINEL, "Suspect counterfeit EEE parts", "SCP-V-11", 17, "satisfactory", 0.4),
    ("AS6171/2", SENTINEL, "Suspect counterfeit EEE parts", "SCP-V-12", 5, "satisfactory", 0.6),
    ("AS6171/3", SENTINEL, "Plating and finish by XRF", "XRF-R07", 26, "satisfactory", 1.2),
    ("AS6171/3", SENTINEL, "Plating and finish by XRF", "XRF-R08", 20, "unsatisfactory", 3.4),
    ("AS6171/3", SENTINEL, "Plating and finish by XRF", "XRF-R10", 8, "satisfactory", -1.1),
    ("AS6171/4", CONSORTIUM, "Decapsulation round robin", "ILC-D-05", 10, "satisfactory", None),
    ("AS6171/5", SENTINEL, "Radiographic inspection", "RAD-R14", 3, "questionable", 2.3),
    # Acoustic microscopy: the last round was 15 months ago with a 12-month interval.
    ("AS6171/6", CONSORTIUM, "C-SAM comparison", "ILC-A-03", 15, "satisfactory", None),
    ("AS6171/7", SENTINEL, "Electrical signature", "ELT-R09", 6, "satisfactory", -0.3),
    ("AS6171/9", CONSORTIUM, "FTIR library comparison", "ILC-F-02", 11, "satisfactory", None),
)


def _ago(today: dt.date, *, months: int = 0, days: int = 0) -> dt.date:
    return add_months(today, -months) - dt.timedelta(days=days)


def load_scope(accounts: dict[str, User], today: dt.date) -> dict[str, Method]:
    """The AS6171 methods: created where no other loader made them, otherwise completed."""
    qm = accounts[QM]
    methods: dict[str, Method] = {}
    for code, title in SCOPE_METHODS:
        plan = SCOPE[code]
        procedure = document_by_number("TM-" + code.replace("/", "-"))
        since = _ago(today, months=plan.months_on_scope)
        method = scope.method_by_code(code)
        if method is None:
            method = scope.create_method(
                code=code,
                title=title,
                technique=plan.technique,
                items_tested=plan.items_tested,
                procedure=procedure,
                pt_interval_months=plan.pt_interval_months,
                in_scope_since=since,
                by=qm,
            )
        else:
            fields = {
                "technique": plan.technique,
                "items_tested": plan.items_tested,
                "pt_interval_months": plan.pt_interval_months,
                "in_scope_since": since,
            }
            if procedure is not None:
                fields["procedure"] = procedure
            scope.update_method(method, by=qm, reason="demo scope", **fields)
        for equipment_type, count in plan.equipment:
            if equipment_type not in {r.equipment_type for r in method.equipment_requirements}:
                scope.add_equipment_requirement(
                    method, equipment_type=equipment_type, min_count=count, by=qm
                )
        if plan.assets:
            scope.set_required_assets(method, list(plan.assets), by=qm)
        scope.record_validation(
            method,
            kind=plan.record,
            performed_on=_ago(since, days=20),
            summary=plan.record_summary,
            by=accounts[DIRECTOR],
        )
        methods[code] = method
    return methods


def _close(nc, *, qm: User, root_cause: str, actions, check: str, checked_on: dt.date) -> None:
    """Walk a nonconformity through investigation, actions, effectiveness and closure."""
    capa.update_investigation(
        nc,
        by=qm,
        description=nc.description,
        clause_number=nc.clause_number,
        risk=nc.risk,
        immediate_correction=nc.immediate_correction,
        root_cause=root_cause,
    )
    for description, owner, due_on, done_on, note in actions:
        action = capa.add_action(nc, by=qm, description=description, owner=owner, due_on=due_on)
        capa.complete_action(action, by=owner, note=note, completed_on=done_on)
    capa.record_effectiveness(nc, by=qm, check=check, is_effective=True, checked_on=checked_on)
    capa.close(nc, by=qm, password=DEMO_PASSWORD, comment="Actions verified effective.")


def load_proficiency(methods, accounts, today: dt.date) -> None:
    qm = accounts[QM]
    for code, provider, scheme, round_, months, result, z in PT_ROUNDS:
        event = proficiency.record_event(
            methods[code],
            provider=provider,
            scheme=scheme,
            round=round_,
            performed_on=_ago(today, months=months),
            result=result,
            z_score=z,
            notes=""
            if result != "questionable"
            else "Wire diameter estimate at the edge of the acceptable range; trend watched.",
            by=qm,
        )
        if event.nonconformity is not None:
            _close(
                event.nonconformity,
                qm=qm,
                root_cause="The XRF was measuring through a residual conformal coating film; "
                "the sample preparation step did not require removing it.",
                actions=[
                    (
                        "Add coating removal and a check measurement on the Sn/Pb CRM to "
                        "TM-AS6171-3 before each batch.",
                        accounts[XRAY_ANALYST],
                        _ago(today, months=19),
                        _ago(today, months=19, days=10),
                        "TM-AS6171-3 revised; analysts trained and acknowledged.",
                    ),
                ],
                check="Next PT round XRF-R10 satisfactory (z = -1.1); 12 weekly CRM checks "
                "in control.",
                checked_on=_ago(today, months=8, days=-7),
            )


def load_audits(methods, accounts, today: dt.date) -> None:
    qm, auditor = accounts[QM], accounts[INTERNAL_AUDITOR]
    performed = today - dt.timedelta(days=300)
    audit = audits.plan_audit(
        by=qm,
        title="Technical requirements: personnel, equipment, methods, validity of results",
        planned_on=performed - dt.timedelta(days=7),
        auditor=auditor,
        auditee=accounts[DIRECTOR],
        clauses=["6.2", "6.4", "6.5", "6.6", "7.2", "7.5", "7.6", "7.7"],
        methods=[methods["AS6171/3"], methods["AS6171/5"]],
    )
    training = audits.add_finding(
        audit,
        by=auditor,
        kind="nonconformity",
        clause_number="6.2.5",
        description="Two analysts performed AS6171/5 radiography after TM-AS6171-5 Rev C took "
        "effect without a recorded read-and-understood of Rev C.",
        evidence="Job travellers 24-1187 and 24-1203; reading task list of TM-AS6171-5 Rev C.",
    )
    xrf = audits.add_finding(
        audit,
        by=auditor,
        kind="nonconformity",
        clause_number="6.4.10",
        description="The weekly intermediate check of EQ-XRF-01 against the Sn/Pb CRM was not "
        "recorded for three of the last eight weeks.",
        evidence="XRF check log, weeks 14, 17 and 19.",
    )
    audits.add_finding(
        audit,
        by=auditor,
        kind="observation",
        clause_number="7.7.2",
        description="The PT plan names no scheme for Raman spectroscopy (AS6171/8) yet; the "
        "method joined the scope after the plan was issued.",
    )
    audits.add_finding(
        audit,
        by=auditor,
        kind="opportunity",
        clause_number="7.5.1",
        description="Linking scanned travellers to the job number in the LIMS would cut record "
        "retrieval from minutes to seconds.",
    )
    audits.complete(
        audit,
        by=auditor,
        performed_on=performed,
        summary="Technical requirements are largely effective. Two nonconformities (reading of "
        "a revised method, XRF intermediate checks) need corrective action; PT planning "
        "should follow scope changes.",
    )
    first = audits.raise_nonconformity(training, by=auditor, risk="medium")
    _close(
        first,
        qm=qm,
        root_cause="Reading tasks were assigned, but nothing stopped an analyst from starting "
        "work on the new revision before acknowledging it.",
        actions=[
            (
                "Supervisors check the reading-task list at the morning briefing on the day a "
                "revision takes effect.",
                accounts[SENIOR_TECH],
                performed + dt.timedelta(days=30),
                performed + dt.timedelta(days=21),
                "Briefing checklist updated; first four revisions checked this way.",
            ),
        ],
        check="Three later revisions: every analyst acknowledged before first use.",
        checked_on=performed + dt.timedelta(days=120),
    )
    second = audits.raise_nonconformity(xrf, by=auditor, risk="high")
    capa.update_investigation(
        second,
        by=qm,
        description=second.description,
        clause_number=second.clause_number,
        risk=second.risk,
        immediate_correction="CRM check run at once and in control; results since the last "
        "recorded check reviewed, none affected.",
        root_cause="The check depended on one analyst's memory; no reminder or checklist "
        "carried it when she was on leave.",
    )
    done = capa.add_action(
        second,
        by=qm,
        description="Put the weekly XRF CRM check on the instrument's start-up checklist.",
        owner=accounts[XRAY_ANALYST],
        due_on=performed + dt.timedelta(days=30),
    )
    capa.complete_action(
        done,
        by=accounts[XRAY_ANALYST],
        note="Checklist FM-6.4-03 updated and posted at the instrument.",
        completed_on=performed + dt.timedelta(days=25),
    )
    capa.add_action(
        second,
        by=qm,
        description="Review the XRF check log monthly for three months and report to the QM.",
        owner=accounts[SENIOR_TECH],
        due_on=today - dt.timedelta(days=60),  # overdue: the reviews were never reported
    )
    # This year's programme: two audits planned; 6.1, 6.3, 7.3 and 7.11 left out of the cycle.
    audits.plan_audit(
        by=qm,
        title="Impartiality, structure and customer-facing processes",
        planned_on=today + dt.timedelta(days=45),
        auditor=auditor,
        auditee=qm,
        clauses=["4.1", "4.2", "5", "7.1", "7.4", "7.8", "7.9", "7.10"],
    )
    audits.plan_audit(
        by=qm,
        title="Management system, improvement, internal audit and management review",
        planned_on=today + dt.timedelta(days=120),
        auditor=accounts[DIRECTOR],
        auditee=qm,
        clauses=["8.1", "8.2", "8.3", "8.4", "8.5", "8.6", "8.7", "8.8", "8.9"],
    )


REVIEW_NOTES = {
    "a": "New customer flow-down of AS6171 rev B; one distributor customer acquired by another.",
    "b": "Turnaround objective (5 working days) met for 91 % of jobs against 95 % target.",
    "c": "Policies and procedures still suitable; method procedures to follow AS6171 rev B.",
    "d": "All actions of the previous review closed.",
    "e": "Audit of the technical requirements planned for the spring.",
    "f": "See the figures; the XRF PT nonconformity closed and verified effective.",
    "g": "ANAB surveillance: two minor findings, both closed within 60 days.",
    "h": "Raman spectroscopy added to the scope; X-ray volume up 30 %.",
    "i": "Customer survey positive; staff asked for more cross-training.",
    "j": "One complaint about turnaround; not upheld.",
    "k": "Second-analyst verdict review reduced report corrections to zero.",
    "l": "One acoustic microscopy analyst: a key-person risk.",
    "m": "Risk register reviewed; impartiality risks unchanged.",
    "n": "All PT satisfactory in the period except XRF (closed).",
    "o": "ESD programme audit by the customer passed.",
}


def load_reviews(accounts, today: dt.date) -> None:
    qm = accounts[QM]
    held = today - dt.timedelta(days=425)  # older than the 12-month interval
    review = reviews.create_review(
        by=qm,
        held_on=held,
        attendees="Dana Whitfield (Quality Manager)\nGrace Okafor (Laboratory Director)\n"
        "Luis Ortega (Senior Technician)\nSamir Haddad (IT and Systems)",
    )
    reviews.update_review(
        review,
        by=qm,
        held_on=held,
        attendees=review.attendees,
        decisions="The management system is effective; the turnaround objective stays at 95 %.\n"
        "Cross-train a second acoustic microscopy analyst.\n"
        "Budget approved for a second stereo microscope at the receiving bench.\n"
        "Update the method procedures to AS6171 rev B within six months.",
        inputs={key: (True, note) for key, note in REVIEW_NOTES.items()},
    )
    done = []
    for description, owner, due_days, done_days in (
        ("Cross-train a second acoustic microscopy analyst.", DIRECTOR, 180, None),
        ("Buy and qualify a second stereo microscope for receiving.", SENIOR_TECH, 120, 110),
        ("Revise TM-AS6171-N procedures for AS6171 rev B.", DIRECTOR, 180, 170),
    ):
        action = reviews.add_action(
            review,
            by=qm,
            description=description,
            owner=accounts[owner],
            due_on=held + dt.timedelta(days=due_days),
        )
        if done_days is not None:
            done.append((action, held + dt.timedelta(days=done_days)))
    reviews.finalize(review, by=qm, password=DEMO_PASSWORD)
    for action, day in done:
        reviews.complete_action(action, by=qm, completed_on=day)


def load_complaints(methods, accounts, today: dt.date) -> None:
    qm = accounts[QM]
    settled = complaints.log_complaint(
        by=accounts[RECEIVING],
        received_on=today - dt.timedelta(days=200),
        complainant="Aerovance Systems (buyer J. Patel)",
        contact="purchasing@aerovance.example",
        method=methods["AS6171/3"],
        description="Disputes the 'suspect counterfeit' verdict on lot 4471-B: the distributor's "
        "certificate of conformance says the terminations are lead-free.",
    )
    complaints.record_investigation(
        settled,
        by=qm,
        investigation="Retained samples re-measured by a second analyst after a CRM check: "
        "38 % Pb on all five terminations, matching the original result.",
    )
    complaints.resolve(
        settled,
        by=qm,
        is_upheld=False,
        outcome="Result confirmed and explained with the spectra; the customer accepted it and "
        "returned the lot to the distributor.",
        communicated_on=today - dt.timedelta(days=185),
    )
    late = complaints.log_complaint(
        by=accounts[SENIOR_TECH],
        received_on=today - dt.timedelta(days=20),
        complainant="Kestrel Avionics (QA manager M. Duarte)",
        contact="quality@kestrel.example",
        method=methods["AS6171/7"],
        description="Report for job 25-0917 issued nine working days late against the agreed "
        "five-day turnaround; the parts missed a production build.",
    )
    complaints.record_investigation(
        late,
        by=qm,
        investigation="The curve tracer was out for repair for six days; the job was not "
        "re-planned and the customer was not told.",
    )
    nc = complaints.raise_nonconformity(late, by=qm, risk="medium")
    capa.update_investigation(
        nc,
        by=qm,
        description=nc.description,
        clause_number="7.1",
        risk="medium",
        immediate_correction="Customer called and the report sent; no other job was waiting.",
        root_cause="No rule makes the job owner tell the customer when equipment downtime "
        "threatens an agreed turnaround.",
    )
    capa.add_action(
        nc,
        by=qm,
        description="Add a downtime check and customer notice to the job review procedure.",
        owner=accounts[ELECTRICAL],
        due_on=today + dt.timedelta(days=25),
    )


def load_risks(accounts, today: dt.date) -> None:
    qm = accounts[QM]
    for kind, category, title, description, likelihood, impact, treatment, owner, clauses in (
        (
            "risk",
            "impartiality",
            "Commercial pressure from distributor customers",
            "Two distributors bring 45 % of test revenue; a 'suspect' verdict can cost them a "
            "sale, and account managers relay their pressure to analysts.",
            3,
            4,
            "Analysts do not see prices or account status; every verdict reviewed by a second "
            "authorized analyst; account managers kept off the lab floor; yearly impartiality "
            "declarations.",
            QM,
            ["5.5"],
        ),
        (
            "risk",
            "impartiality",
            "Relationship between a technician and a customer's buyer",
            "A technician's sibling works in the purchasing team of a regular customer.",
            2,
            3,
            "Declared in the technician's impartiality declaration; jobs of that customer are "
            "assigned to other analysts.",
            QM,
            [],
        ),
        (
            "risk",
            "operational",
            "Single qualified acoustic microscopy analyst",
            "Only one analyst is authorized for AS6171/6 and has resigned; no cover from next "
            "month.",
            4,
            4,
            "Cross-training of a second analyst started; external partner lab agreed for overflow.",
            DIRECTOR,
            ["6.2"],
        ),
        (
            "opportunity",
            "commercial",
            "Extend the scope to AS6171/11 design recovery",
            "Three customers asked for die-level design recovery.",
            3,
            3,
            "Business case to the director; method validation plan drafted.",
            DIRECTOR,
            ["7.2", "8.6"],
        ),
    ):
        risks.create_risk(
            by=qm,
            kind=kind,
            category=category,
            title=title,
            description=description,
            likelihood=likelihood,
            impact=impact,
            treatment=treatment,
            owner=accounts[owner],
            clauses=clauses,
            identified_on=today - dt.timedelta(days=320),
            next_review_on=today + dt.timedelta(days=45),
        )


def load_staff_report(accounts, today: dt.date) -> None:
    capa.open_nonconformity(
        by=accounts[RECEIVING],
        source="staff",
        description="A tray of parts awaiting X-ray was left overnight on a bench outside the "
        "ESD protected area.",
        clause_number="7.4",
        risk="low",
        immediate_correction="Tray moved into the EPA; parts inspected for damage, none seen.",
        raised_on=today - dt.timedelta(days=4),
    )


def load_quality(accounts: dict[str, User], today: dt.date) -> str:
    """The scope and every quality-system register of the demo lab."""
    methods = load_scope(accounts, today)
    load_proficiency(methods, accounts, today)
    load_audits(methods, accounts, today)
    load_reviews(accounts, today)
    load_complaints(methods, accounts, today)
    load_risks(accounts, today)
    load_staff_report(accounts, today)
    db.session.flush()
    return f"{len(methods)} methods on the scope with PT, audit, review, CAPA and risk records"
