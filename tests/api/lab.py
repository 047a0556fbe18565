"""A small staffed and equipped lab, built through the services, dated relative to `today`.

Shared by the API, reminder and feed tests, which all ask the same questions of it: whose
training is expiring, which calibrations and checks are due, which corrective actions are late.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from compliance.capa import services as capa
from compliance.equipment import services as equipment
from compliance.extensions import db
from compliance.personnel import services as personnel
from tests.equipment.helpers import calibrate, make_item
from tests.factories import effective_document, make_method, make_person


@dataclass
class StaffedLab:
    qm: object  # User, quality manager; custodian of the XRF
    tech: object  # User, staff; Alice's login, custodian of the calipers and the balance
    alice: object  # Person E1 (login): ESD due in 15 days, safety current, procedure missing
    bob: object  # Person E2 (no login): ESD expired, safety missing, procedure current
    carl: object  # Person E3: left ten days ago
    dora: object  # Person E4: no job role
    technician: object  # JobRole
    esd: object
    safety: object
    procedure: object  # Document TM-AS6171-2
    method: object  # AS6171/2
    authorization: object  # Alice on AS6171/2
    overdue: object  # EQ-CAL-01: calibration overdue
    soon: object  # EQ-BAL-01: calibration due in ~15 days, intermediate check overdue
    fine: object  # EQ-XRF-01: calibrated a month ago, check due in ~2 months
    never: object  # EQ-SEM-01: never calibrated
    exempt: object  # EQ-MIC-01: no calibration required
    late_action: object  # corrective action owned by `tech`, overdue
    next_action: object  # corrective action owned by `tech`, due in 10 days


def build_lab(qm, tech, today: dt.date) -> StaffedLab:
    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    procedure, _ = effective_document(
        qm,
        number="TM-AS6171-2",
        title="External visual inspection",
        doc_type="test_method",
        effective_days_ago=100,
    )
    technician = personnel.create_job_role("Technician", by=qm)
    esd = personnel.create_course(
        "ESD-101", title="ESD awareness", retrain_interval_months=12, by=qm
    )
    safety = personnel.create_course("SAFE-1", title="Lab safety", by=qm)
    procedure_item = personnel.ensure_document_item(procedure, by=qm)
    for item in (esd, safety, procedure_item):
        personnel.add_requirement(technician, item, by=qm)
    method = make_method("AS6171/2", title="External visual inspection", procedure=procedure)

    alice = make_person("E1", user=tech, job_roles=[technician])
    personnel.record_training(alice, esd, completed_on=ago(350), expires_on=ago(-15), by=qm)
    personnel.record_training(alice, safety, completed_on=ago(200), by=qm)
    authorization = personnel.import_authorization(
        alice, method, authorized_on=ago(30), expires_on=None, authorized_by=qm, by=qm
    )
    bob = make_person("E2", name="Bob Bench", email="bob.bench@lab.test", job_roles=[technician])
    personnel.record_training(bob, esd, completed_on=ago(400), expires_on=ago(35), by=qm)
    personnel.record_training(bob, procedure_item, completed_on=ago(10), by=qm)
    carl = make_person("E3", name="Carl Former", email="carl@lab.test", job_roles=[technician])
    personnel.record_leaving(carl, left_on=ago(10), reason="resigned", by=qm)
    dora = make_person("E4", name="Dora Desk")
    db.session.commit()

    overdue = make_item(
        "EQ-CAL-01",
        equipment_type="Calipers",
        location="Receiving",
        custodian=tech,
        methods=[method],
    )
    calibrate(overdue, ago(400))
    soon = make_item(
        "EQ-BAL-01",
        equipment_type="Balance",
        location="Decap lab",
        custodian=tech,
        check_interval_months=1,
    )
    calibrate(soon, ago(350))
    equipment.record_check(soon, performed_on=ago(45), result="pass", reference="20 g", by=qm)
    fine = make_item(
        "EQ-XRF-01",
        equipment_type="XRF analyser",
        location="XRF room",
        custodian=qm,
        check_interval_months=3,
    )
    calibrate(fine, ago(30))
    never = make_item("EQ-SEM-01", equipment_type="SEM", location="SEM lab")
    exempt = make_item("EQ-MIC-01", interval=None, equipment_type="Microscope")

    nc = capa.open_nonconformity(
        by=qm, source="staff", description="Calipers used past their due date", raised_on=ago(20)
    )
    capa.update_investigation(
        nc,
        by=qm,
        description=nc.description,
        clause_number="6.4.7",
        risk="medium",
        immediate_correction="Calipers quarantined",
        root_cause="No reminder of due dates",
    )
    late_action = capa.add_action(
        nc, by=qm, description="Recall the calipers", owner=tech, due_on=ago(3)
    )
    next_action = capa.add_action(
        nc, by=qm, description="Train custodians on due dates", owner=tech, due_on=ago(-10)
    )
    db.session.commit()
    return StaffedLab(
        qm=qm,
        tech=tech,
        alice=alice,
        bob=bob,
        carl=carl,
        dora=dora,
        technician=technician,
        esd=esd,
        safety=safety,
        procedure=procedure,
        method=method,
        authorization=authorization,
        overdue=overdue,
        soon=soon,
        fine=fine,
        never=never,
        exempt=exempt,
        late_action=late_action,
        next_action=next_action,
    )
