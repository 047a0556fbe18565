"""Builders for quality-system test data: a method ready in every part we answer for, and a
nonconformity walked to any stage of its lifecycle."""

from __future__ import annotations

import datetime as dt

from compliance.capa import services as capa
from compliance.dates import lab_today
from compliance.extensions import db
from compliance.proficiency import services as proficiency
from compliance.scope import services as scope
from tests.factories import effective_document


def ready_method(
    owner, *, code: str = "AS6171/2", number: str = "TM-AS6171-2", interval=12, pt_days_ago=30
):
    """A method with an effective, approved procedure, a verification record and a recent,
    satisfactory PT round: nothing this package checks is wrong with it."""
    document, _ = effective_document(owner, number=number, doc_type="test_method")
    method = scope.create_method(
        code=code,
        title=f"Method {code}",
        procedure=document,
        pt_interval_months=interval,
        in_scope_since=lab_today() - dt.timedelta(days=800),
        by=owner,
    )
    scope.record_validation(
        method,
        kind="verification",
        performed_on=lab_today() - dt.timedelta(days=790),
        summary="Blind samples found as expected.",
        by=owner,
    )
    proficiency.record_event(
        method,
        provider="Sentinel PT",
        round="R1",
        performed_on=lab_today() - dt.timedelta(days=pt_days_ago),
        result="satisfactory",
        by=owner,
    )
    db.session.commit()
    return method


def nonconformity(
    by, *, stage: str = "raised", owner=None, due_on: dt.date | None = None, raised_on=None
):
    """A nonconformity at a stage: raised, investigated, acted (action open), done (action
    complete), checked (effective)."""
    nc = capa.open_nonconformity(
        by=by, source="staff", description="Parts left outside the EPA.", raised_on=raised_on
    )
    stages = ["raised", "investigated", "acted", "done", "checked"]
    upto = stages.index(stage)
    if upto >= 1:
        capa.update_investigation(
            nc,
            by=by,
            description=nc.description,
            clause_number="7.4",
            risk="low",
            immediate_correction="Moved into the EPA.",
            root_cause="No marked shelf for trays waiting overnight.",
        )
    if upto >= 2:
        capa.add_action(
            nc,
            by=by,
            description="Mark an ESD-safe shelf for waiting trays.",
            owner=owner or by,
            due_on=due_on or lab_today() + dt.timedelta(days=10),
        )
    if upto >= 3:
        capa.complete_action(
            nc.actions[0], by=owner or by, note="Shelf marked.", completed_on=lab_today()
        )
    if upto >= 4:
        capa.record_effectiveness(
            nc, by=by, check="Spot checks clean for a month.", is_effective=True
        )
    db.session.commit()
    return nc
