"""The demo lab's people: job roles and their training, histories, competence, authorizations.

Planted gaps an assessor would find (issue 4, item 9):
- Tomasz Nowak's ESD training expired two months ago (and Mei Lin Zhou's is due within 30 days);
- an analyst is authorized for a method but trained only on the revision of its procedure before
  the current one (Hannah Becker on AS6171/7, unless the demo documents show her acknowledging
  the current revision; then the next candidate), or not at all when there is no older one;
- Kenji Watanabe is the only analyst authorized for acoustic microscopy (AS6171/6) and leaves in
  six weeks;
- Aisha Bello is not yet competent in decapsulation and works under supervision.

Works with or without the demo documents: document requirements and procedure training appear
only for the TM-AS6171-N procedures that exist when it runs.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from compliance.dates import add_months
from compliance.demo.lab import PEOPLE, SCOPE_METHODS
from compliance.documents.models import AcknowledgementTask, Document
from compliance.documents.services import current_revision, document_by_number
from compliance.extensions import db
from compliance.personnel import services
from compliance.personnel.models import Person, Source, TrainingItem
from compliance.scope.models import Method

COURSES = {
    "ESD-101": ("ESD control awareness (ANSI/ESD S20.20)", 12),
    "CCAP-101": ("Counterfeit electronic parts: avoidance and detection (AS5553, AS6171)", 24),
    "IDEA-1010": ("IDEA-STD-1010 acceptability of electronic components", 24),
    "ISO17025-AW": ("ISO/IEC 17025:2017 awareness and the lab's management system", None),
    "ISO17025-IA": ("Internal auditor training, ISO/IEC 17025:2017", 36),
    "RAD-SAFE": ("Radiation safety: X-ray cabinet and XRF analyser", 12),
    "CHEM-SAFE": ("Chemical handling: acid decapsulation", 12),
    "CSAM-101": ("Acoustic microscope operation", None),
    "ATE-101": ("Curve tracer and electrical test set-up", None),
    "MET-101": ("Calibration and measurement uncertainty basics", 36),
}

# Job role -> courses, and the slash numbers of AS6171 procedures (TM-AS6171-N) it must know.
JOB_ROLES: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "Quality Manager": (("ISO17025-AW", "ISO17025-IA"), ()),
    "Internal Auditor": (("ISO17025-AW", "ISO17025-IA"), ()),
    "Counterfeit Inspection Technician": (
        ("ESD-101", "CCAP-101", "IDEA-1010", "ISO17025-AW"),
        (2,),
    ),
    "X-ray/XRF Analyst": (("ESD-101", "RAD-SAFE", "ISO17025-AW"), (3, 5)),
    "Electrical Test Technician": (("ESD-101", "ATE-101", "ISO17025-AW"), (7,)),
    "Acoustic Microscopy Analyst": (("ESD-101", "CSAM-101", "ISO17025-AW"), (6,)),
    "Decapsulation Technician": (("ESD-101", "CHEM-SAFE", "ISO17025-AW"), (4,)),
    "Receiving Inspector": (("ESD-101", "ISO17025-AW"), ()),
    "Metrology Technician": (("ESD-101", "MET-101", "ISO17025-AW"), ()),
}

HOLDS: dict[str, tuple[str, ...]] = {
    "E1001": ("Quality Manager",),
    "E1002": (),
    "E1003": ("Quality Manager",),
    "E1004": ("Counterfeit Inspection Technician", "Decapsulation Technician"),
    "E1005": ("Counterfeit Inspection Technician",),
    "E1006": ("Counterfeit Inspection Technician",),
    "E1007": ("X-ray/XRF Analyst",),
    "E1008": ("Electrical Test Technician",),
    "E1009": ("Electrical Test Technician",),
    "E1010": ("Acoustic Microscopy Analyst",),
    "E1011": ("Decapsulation Technician",),
    "E1012": ("Receiving Inspector",),
    "E1013": ("Metrology Technician",),
    "E1014": ("Internal Auditor",),
}

# Method code -> employee ids authorized for it.
AUTHORIZED: dict[str, tuple[str, ...]] = {
    "AS6171/2": ("E1004", "E1005", "E1006"),
    "AS6171/3": ("E1007",),
    "AS6171/4": ("E1004",),
    "AS6171/5": ("E1007",),
    "AS6171/6": ("E1010",),
    "AS6171/7": ("E1008", "E1009"),
    "AS6171/8": ("E1007",),
    "AS6171/9": ("E1007", "E1008"),
}
# Candidates for "authorized without training on the latest revision", in order of preference.
UNTRAINED_CANDIDATES = (("E1009", "AS6171/7"), ("E1007", "AS6171/5"), ("E1005", "AS6171/2"))
LEAVING = "E1010"
NOT_YET_COMPETENT = ("E1011", "AS6171/4", "Luis Ortega")
FORMER = ("E0990", "Marcus Reid", "Acoustic Microscopy Analyst", "AS6171/6")


def _procedure_number(code: str) -> str:
    return "TM-AS6171-" + code.rsplit("/", 1)[-1]


def ensure_methods() -> list[Method]:
    """The scope's methods; created from the demo scope if the scope has none yet."""
    if db.session.scalar(select(func.count()).select_from(Method)):
        return list(db.session.scalars(select(Method).order_by(Method.code)))
    methods = []
    for code, title in SCOPE_METHODS:
        procedure = document_by_number(_procedure_number(code))
        method = Method(
            code=code,
            title=title,
            technique=title.split(" (")[0],
            procedure_id=procedure.id if procedure else None,
        )
        db.session.add(method)
        methods.append(method)
    db.session.flush()
    return methods


def _days(today: dt.date, n: int) -> dt.date:
    return today - dt.timedelta(days=n)


def _train_on_current(person: Person, item: TrainingItem, today: dt.date, by) -> int:
    revision = current_revision(item.document)
    if revision is None or revision.effective_on is None:
        return 0
    completed = min(today, revision.effective_on + dt.timedelta(days=5))
    services.record_training(
        person,
        item,
        completed_on=completed,
        trainer="Dana Whitfield",
        training_method="read and understood",
        by=by,
    )
    return 1


def _train_on_previous(person: Person, item: TrainingItem, by) -> int:
    """Training on the revision before the current one, if the document has one."""
    revision = current_revision(item.document)
    if revision is None or revision.effective_on is None:
        return 0
    before = revision.effective_on - dt.timedelta(days=30)
    if services.revision_in_effect(item.document, before) is None:
        return 0
    services.record_training(person, item, completed_on=before, trainer="Dana Whitfield", by=by)
    return 1


def load_personnel(accounts: dict, today: dt.date, *, by=None) -> str:
    """Add the demo lab's staff records, training, competence and authorizations."""
    methods = {m.code: m for m in ensure_methods()}
    courses = {
        code: services.create_course(code, title=title, retrain_interval_months=months, by=by)
        for code, (title, months) in COURSES.items()
    }
    procedures: dict[int, TrainingItem] = {}
    roles = {}
    for name, (course_codes, slash_numbers) in JOB_ROLES.items():
        role = roles[name] = services.create_job_role(name, by=by)
        for code in course_codes:
            services.add_requirement(role, courses[code], by=by)
        for number in slash_numbers:
            document = db.session.scalar(
                select(Document).where(Document.number == f"TM-AS6171-{number}")
            )
            if document is None:
                continue
            if number not in procedures:
                procedures[number] = services.ensure_document_item(document, by=by)
            services.add_requirement(role, procedures[number], by=by)

    people: dict[str, Person] = {}
    for demo in PEOPLE:
        if demo.employee_id not in HOLDS:
            continue  # the external assessor is not on the staff
        people[demo.employee_id] = services.create_person(
            employee_id=demo.employee_id,
            name=demo.name,
            email=demo.email,
            job_roles=[roles[name] for name in HOLDS[demo.employee_id]],
            hired_on=_days(today, 2400 - 90 * int(demo.employee_id[-2:])),
            by=by,
            reason="demo lab",
        )
    untrained = _pick_untrained(people, methods)
    records = _training_histories(people, courses, today, by)
    records += _procedure_training(people, methods, untrained, today, by)
    assessed, authorized = _competence_and_authorizations(people, methods, accounts, today, by)
    _former_employee(methods, roles, accounts, today, by)
    services.record_leaving(
        people[LEAVING],
        left_on=today + dt.timedelta(days=42),
        reason="Resigned; last working day in six weeks (relocating).",
        by=by,
    )
    return (
        f"{len(people) + 1} staff records, {len(roles)} job roles, {records} training records, "
        f"{assessed} competence assessments, {authorized} authorizations"
    )


def _training_histories(people, courses, today, by) -> int:
    count = 0
    for employee_id, person in people.items():
        required = {c for name in HOLDS[employee_id] for c in JOB_ROLES[name][0]}
        for code in sorted(required):
            item = courses[code]
            completed = _days(today, 40 + 7 * (int(employee_id[-2:]) % 9))
            if code == "ESD-101" and employee_id == "E1006":
                completed = add_months(_days(today, 60), -12)  # expired two months ago
            elif code == "ESD-101" and employee_id == "E1005":
                completed = add_months(today + dt.timedelta(days=20), -12)  # due in 20 days
            if item.retrain_interval_months and code == "ESD-101":
                # Last year's record stays on file under this year's.
                services.record_training(
                    person,
                    item,
                    completed_on=add_months(completed, -12),
                    trainer="Sofia Marin",
                    training_method="classroom",
                    by=by,
                )
                count += 1
            services.record_training(
                person,
                item,
                completed_on=completed,
                trainer="Sofia Marin" if code == "ESD-101" else "Grace Okafor",
                training_method="classroom" if code != "ISO17025-AW" else "e-learning",
                by=by,
            )
            count += 1
    # A record entered with the wrong date, corrected with a reason: both stay on file.
    luis = people["E1004"]
    wrong = services.record_training(
        luis,
        courses["IDEA-1010"],
        completed_on=_days(today, 95),
        trainer="Grace Okafor",
        training_method="external course",
        by=by,
        source=Source.ENTRY,
    )
    services.correct_training(
        wrong,
        reason="Completion date taken from the invoice; the certificate shows the exam date.",
        completed_on=_days(today, 92),
        trainer="Grace Okafor",
        training_method="external course",
        expires_on=None,
        evidence_sha256=None,
        notes="IPC-certified trainer, certificate on file.",
        by=by,
    )
    return count + 2


def _pick_untrained(people, methods) -> tuple[str, str] | None:
    """The first candidate who has not acknowledged the current revision of the procedure
    (an acknowledgement would count as training on it)."""
    for employee_id, code in UNTRAINED_CANDIDATES:
        method, person = methods.get(code), people.get(employee_id)
        if method is None or person is None:
            continue
        current = current_revision(method.procedure) if method.procedure else None
        if current is None or person.user_id is None:
            return employee_id, code
        acknowledged = db.session.scalar(
            select(AcknowledgementTask.id).where(
                AcknowledgementTask.revision_id == current.id,
                AcknowledgementTask.user_id == person.user_id,
                AcknowledgementTask.acknowledged_at.is_not(None),
            )
        )
        if acknowledged is None:
            return employee_id, code
    return None


def _procedure_training(people, methods, untrained, today, by) -> int:
    """Everyone trained on the current revision of the procedures their job roles require and
    of the methods they are authorized for; except the planted one, trained on the one before."""
    wanted: set[tuple[str, str]] = set()
    for employee_id in people:
        for name in HOLDS[employee_id]:
            wanted |= {(employee_id, f"AS6171/{n}") for n in JOB_ROLES[name][1]}
    for code, employee_ids in AUTHORIZED.items():
        wanted |= {(employee_id, code) for employee_id in employee_ids}
    count = 0
    for employee_id, code in sorted(wanted):
        method = methods.get(code)
        if method is None or method.procedure is None:
            continue
        item = services.ensure_document_item(method.procedure, by=by)
        if (employee_id, code) == untrained:
            count += _train_on_previous(people[employee_id], item, by)
        else:
            count += _train_on_current(people[employee_id], item, today, by)
    return count


def _competence_and_authorizations(people, methods, accounts, today, by) -> tuple[int, int]:
    qm = accounts.get("E1001")
    assessed = authorized = 0
    for code, employee_ids in AUTHORIZED.items():
        method = methods.get(code)
        if method is None:
            continue
        for employee_id in employee_ids:
            person = people[employee_id]
            services.record_competence(
                person,
                method,
                assessed_on=_days(today, 120),
                assessor="Luis Ortega" if employee_id != "E1004" else "Grace Okafor",
                result="competent",
                by=by,
                source=Source.ENTRY,
            )
            assessed += 1
            if qm is not None:
                services.import_authorization(
                    person,
                    method,
                    authorized_on=_days(today, 110 if employee_id != LEAVING else 400),
                    expires_on=None,
                    authorized_by=qm,
                    by=by,
                )
                authorized += 1
    employee_id, code, supervisor = NOT_YET_COMPETENT
    if code in methods:
        services.record_competence(
            people[employee_id],
            methods[code],
            assessed_on=_days(today, 30),
            assessor="Luis Ortega",
            result="not_yet",
            next_due_on=today + dt.timedelta(days=60),
            supervisor=supervisor,
            notes="Decapsulation of plastic packages only under supervision until reassessed.",
            by=by,
        )
        assessed += 1
    return assessed, authorized


def _former_employee(methods, roles, accounts, today, by) -> None:
    """A leaver: deactivated, records kept, authorization withdrawn."""
    employee_id, name, role, code = FORMER
    person = services.create_person(
        employee_id=employee_id,
        name=name,
        job_roles=[roles[role]],
        hired_on=_days(today, 2000),
        by=by,
        reason="demo lab",
    )
    method = methods.get(code)
    qm = accounts.get("E1001")
    if method is not None and qm is not None:
        services.record_competence(
            person,
            method,
            assessed_on=_days(today, 500),
            assessor="Grace Okafor",
            result="competent",
            by=by,
        )
        authorization = services.import_authorization(
            person,
            method,
            authorized_on=_days(today, 700),
            expires_on=None,
            authorized_by=qm,
            by=by,
        )
        services.withdraw(authorization, reason="Left the laboratory.", by=qm)
    services.record_leaving(
        person, left_on=_days(today, 200), reason="Retired.", by=accounts.get("E1001")
    )
