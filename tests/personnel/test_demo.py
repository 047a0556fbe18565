"""The demo lab's personnel, with the gaps it plants, with or without the demo documents."""

from __future__ import annotations

from sqlalchemy import func, select

from compliance.audit.services import verify
from compliance.dates import lab_today
from compliance.db import utcnow
from compliance.demo.loader import load_people
from compliance.demo.personnel import load_personnel
from compliance.extensions import db
from compliance.personnel import services
from compliance.personnel.matrix import CellStatus
from compliance.personnel.models import Person
from compliance.scope.models import Method
from tests.factories import effective_document, next_revision


def _person(employee_id: str) -> Person:
    return services.person_by_employee_id(employee_id)


def _method(code: str) -> Method:
    return db.session.scalar(select(Method).where(Method.code == code))


def _status(person: Person, label: str) -> CellStatus:
    return next(
        c for col, c in services.person_matrix_row(person, lab_today()) if col.label == label
    )


def test_demo_load_plants_the_personnel_gaps(app, client, auth, clock):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "15 staff records" in result.output
    today = lab_today()
    assert db.session.scalar(select(func.count()).select_from(Person)) == 15
    assert _status(_person("E1006"), "ESD-101").status is CellStatus.EXPIRED
    assert _status(_person("E1005"), "ESD-101").status is CellStatus.DUE
    kenji = _person("E1010")
    overview = {m.code: a for m, a in services.methods_overview(today)}
    assert [a.person.employee_id for a in overview["AS6171/6"]] == ["E1010"]
    assert kenji.is_leaving(today)
    unqualified = {
        (a.person.employee_id, a.method.code) for a, _ in services.unqualified_authorizations(today)
    }
    assert ("E1009", "AS6171/7") in unqualified
    aisha = services.latest_competence([_person("E1011").id], [_method("AS6171/4").id], today)
    (assessment,) = aisha.values()
    assert assessment.result == "not_yet" and assessment.supervisor == "Luis Ortega"
    former = _person("E0990")
    assert not former.active_on(today)
    assert verify().ok

    qm = "dana.whitfield@meridian-lab.example"
    from compliance.demo.lab import DEMO_PASSWORD

    auth.login(qm, DEMO_PASSWORD)
    assert client.get("/personnel/matrix").status_code == 200
    methods = client.get("/personnel/methods").text
    assert "leaving" in methods and "single analyst" in methods


def test_with_the_demo_procedures_an_analyst_lacks_the_latest_revision(app, clock):
    accounts = load_people(utcnow())
    qm = accounts["E1001"]
    for number in (2, 3, 4, 5, 6):
        effective_document(
            qm, number=f"TM-AS6171-{number}", doc_type="test_method", effective_days_ago=300
        )
    electrical, _ = effective_document(
        qm, number="TM-AS6171-7", doc_type="test_method", effective_days_ago=400
    )
    next_revision(electrical, qm, label="B", effective_days_ago=60)
    load_personnel(accounts, lab_today())
    db.session.commit()
    today = lab_today()
    found = {
        (a.person.employee_id, a.method.code): unmet
        for a, unmet in services.unqualified_authorizations(today)
    }
    # Hannah is the planted one; AS6171/8 and /9 have no procedure in this test.
    assert found.pop(("E1009", "AS6171/7")) == [
        "no training on TM-AS6171-7 Rev B, the current revision (trained on Rev A only)"
    ]
    assert {method for _, method in found} == {"AS6171/8", "AS6171/9"}
    assert services.qualification_gaps(_person("E1008"), _method("AS6171/7"), today) == []
    assert _status(_person("E1005"), "TM-AS6171-2").status is CellStatus.CURRENT
    assert _method("AS6171/7").procedure_id == electrical.id
    assert verify().ok
