"""Personnel fixtures: a fixed clock, a quality manager, a lab with job roles and a method."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine

from compliance.extensions import db
from compliance.personnel import services
from tests.factories import effective_document, make_method, next_revision

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def qm(make_user):
    return make_user("quality_manager", name="Quinn Manager", email="quinn@lab.test")


@dataclass
class Lab:
    qm: object
    technician: object  # JobRole
    esd: object  # course, 12 months
    safety: object  # course, no retraining
    procedure: object  # Document TM-AS6171-2, Rev A then Rev B
    rev_a: object
    rev_b: object
    procedure_item: object  # TrainingItem for the procedure
    method: object  # AS6171/2, governed by the procedure


@pytest.fixture
def lab(app, clock, qm) -> Lab:
    """Technicians must have ESD (12 months), safety (no expiry) and TM-AS6171-2 (Rev B now)."""
    document, rev_a = effective_document(
        qm, number="TM-AS6171-2", doc_type="test_method", effective_days_ago=400
    )
    rev_b = next_revision(document, qm, label="B", effective_days_ago=30)
    technician = services.create_job_role("Technician", by=qm)
    esd = services.create_course(
        "ESD-101", title="ESD awareness", retrain_interval_months=12, by=qm
    )
    safety = services.create_course("SAFE-1", title="Lab safety", by=qm)
    procedure_item = services.ensure_document_item(document, by=qm)
    for item in (esd, safety, procedure_item):
        services.add_requirement(technician, item, by=qm)
    method = make_method("AS6171/2", title="External visual inspection", procedure=document)
    db.session.commit()
    return Lab(qm, technician, esd, safety, document, rev_a, rev_b, procedure_item, method)


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)
