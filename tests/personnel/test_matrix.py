"""The training matrix: one status per cell, filters, and a query count that does not grow with
the number of people."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import insert, select

from compliance.dates import add_months
from compliance.db import utcnow
from compliance.documents.models import AcknowledgementTask
from compliance.extensions import db
from compliance.personnel import services
from compliance.personnel.matrix import (
    CellStatus,
    MatrixFilters,
    build_matrix,
    columns_for,
    people_query,
)
from compliance.personnel.models import (
    JobRole,
    JobRoleRequirement,
    Person,
    PersonJobRole,
    TrainingItem,
    TrainingRecord,
)
from tests.factories import make_person
from tests.personnel.conftest import NOW, TODAY, days_ago

S = CellStatus


def _grid(as_of=TODAY, **filters):
    f = MatrixFilters(**filters)
    people = db.session.scalars(people_query(f, as_of)).all()
    grid = build_matrix(people, as_of=as_of, columns=columns_for(f))
    labels = [c.label for c in grid.columns]
    return {
        row.person.name: {label: cell for label, cell in zip(labels, row.cells, strict=True)}
        for row in grid.rows
    }


@pytest.fixture
def staff(lab, make_user):
    """Five people whose cells cover every status."""
    qm = lab.qm
    alice = make_person("E1", user=make_user("staff", name="Alice"), job_roles=[lab.technician])
    bob = make_person("E2", user=make_user("staff", name="Bob"), job_roles=[lab.technician])
    carol = make_person("E3", name="Carol")
    dan = make_person("E4", name="Dan", job_roles=[lab.technician])
    eve = make_person("E5", name="Eve", job_roles=[lab.technician])
    # Alice: ESD expired a month ago; safety current; procedure trained on Rev A only.
    services.record_training(alice, lab.esd, completed_on=add_months(TODAY, -13), by=qm)
    services.record_training(alice, lab.safety, completed_on=days_ago(300), by=qm)
    services.record_training(alice, lab.procedure_item, completed_on=days_ago(100), by=qm)
    # Bob: ESD due in 20 days; no safety; procedure Rev B acknowledged (read and understood).
    services.record_training(
        bob, lab.esd, completed_on=add_months(TODAY + dt.timedelta(days=20), -12), by=qm
    )
    db.session.add(
        AcknowledgementTask(
            revision_id=lab.rev_b.id,
            user_id=bob.user_id,
            due_on=TODAY,
            acknowledged_at=NOW - dt.timedelta(days=3),
        )
    )
    # Carol: no job role, but trained on ESD anyway.
    services.record_training(carol, lab.esd, completed_on=days_ago(10), by=qm)
    # Dan left ten days ago.
    services.record_leaving(dan, left_on=days_ago(10), reason="resigned", by=qm)
    # Eve: ESD entered as expired, corrected to last month; safety 5 days ago; Rev B trained.
    wrong = services.record_training(eve, lab.esd, completed_on=add_months(TODAY, -14), by=qm)
    services.correct_training(
        wrong,
        reason="typo in the year",
        completed_on=add_months(TODAY, -1),
        trainer="",
        training_method="",
        expires_on=None,
        evidence_sha256=None,
        notes="",
        by=qm,
    )
    services.record_training(eve, lab.safety, completed_on=days_ago(5), by=qm)
    services.record_training(eve, lab.procedure_item, completed_on=days_ago(10), by=qm)
    db.session.commit()
    return {"alice": alice, "bob": bob, "carol": carol, "dan": dan, "eve": eve}


def test_cell_status_per_person_and_item(staff):
    grid = _grid()
    assert set(grid) == {"Alice", "Bob", "Carol", "Eve"}  # Dan has left
    alice, bob, carol, eve = grid["Alice"], grid["Bob"], grid["Carol"], grid["Eve"]

    assert alice["ESD-101"].status is S.EXPIRED
    assert alice["ESD-101"].expires_on == add_months(add_months(TODAY, -13), 12)
    assert alice["SAFE-1"].status is S.CURRENT and alice["SAFE-1"].expires_on is None
    assert alice["TM-AS6171-2"].status is S.EXPIRED
    assert alice["TM-AS6171-2"].note == "trained on Rev A; current is Rev B"

    assert bob["ESD-101"].status is S.DUE
    assert bob["ESD-101"].expires_on == TODAY + dt.timedelta(days=20)
    assert bob["SAFE-1"].status is S.MISSING
    assert bob["TM-AS6171-2"].status is S.CURRENT
    assert bob["TM-AS6171-2"].note == "acknowledged"

    assert {cell.status for cell in carol.values()} == {S.NOT_REQUIRED}
    assert carol["ESD-101"].completed_on == days_ago(10)  # known, just not required

    # The corrected record no longer counts; its correction does.
    assert eve["ESD-101"].status is S.CURRENT
    assert eve["ESD-101"].completed_on == add_months(TODAY, -1)
    assert eve["TM-AS6171-2"].status is S.CURRENT


def test_leavers_on_request_and_records_after_the_as_of_date_do_not_count(staff):
    assert "Dan" in _grid(include_left=True)
    earlier = _grid(as_of=days_ago(12))
    assert "Dan" in earlier  # still employed then
    assert earlier["Eve"]["SAFE-1"].status is S.MISSING  # trained 5 days ago
    assert earlier["Alice"]["ESD-101"].status is S.EXPIRED


def test_a_new_revision_makes_document_training_expired(staff, lab):
    from tests.factories import next_revision

    next_revision(lab.procedure, lab.qm, label="C", effective_days_ago=0)
    grid = _grid()
    assert grid["Eve"]["TM-AS6171-2"].status is S.EXPIRED
    assert grid["Eve"]["TM-AS6171-2"].note == "trained on Rev B; current is Rev C"
    assert grid["Bob"]["TM-AS6171-2"].status is S.MISSING  # acknowledged B, C is unread


def test_filters_by_job_role_method_and_person(staff, lab):
    other = services.create_job_role("Receiving", by=lab.qm)
    make_person("E9", name="Zed", job_roles=[other])
    db.session.commit()
    assert set(_grid(job_role_id=lab.technician.id)) == {"Alice", "Bob", "Eve"}
    assert set(_grid(q="bo")) == {"Bob"}
    assert set(_grid(q="e5")) == {"Eve"}
    by_method = _grid(method_id=lab.method.id)
    assert set(by_method) == {"Alice", "Bob", "Eve"}  # their job role requires its procedure
    assert list(by_method["Bob"]) == ["TM-AS6171-2"]


def test_matrix_page_and_exports(client, auth, staff, lab):
    import io

    import openpyxl

    auth.login(lab.qm.email)
    page = client.get(f"/personnel/matrix?method={lab.method.id}")
    assert page.status_code == 200
    assert "Competence AS6171/2" in page.text and "trained on Rev A; current is Rev B" in page.text
    csv_text = client.get("/personnel/matrix.csv").data.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("employee_id,name,job_roles,ESD-101,SAFE-1,TM-AS6171-2 (Rev B)")
    alice = next(line for line in lines if line.startswith("E1,"))
    assert f"expired {add_months(add_months(TODAY, -13), 12).isoformat()}" in alice
    xlsx = client.get(f"/personnel/matrix.xlsx?job_role={lab.technician.id}")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("employee_id", "name", "job_roles", "ESD-101")
    assert {r[1] for r in rows[1:]} == {"Alice", "Bob", "Eve"}


def test_export_neutralises_formula_injection(client, auth, lab):
    make_person("E66", name='=HYPERLINK("http://evil")', job_roles=[lab.technician])
    auth.login(lab.qm.email)
    text = client.get("/personnel/matrix.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


# --- the query count --------------------------------------------------------------------------


def _populate(first: int, count: int, role_id: int, item_ids: list[int]) -> None:
    """`count` technicians, each with a record on every other required item (bulk inserts)."""
    now = utcnow()
    people = [
        {
            "employee_id": f"B{n:05d}",
            "name": f"Bulk Person {n:05d}",
            "email": None,
            "is_active": True,
            "created_at": now,
            "version": 1,
        }
        for n in range(first, first + count)
    ]
    db.session.execute(insert(Person), people)
    ids = db.session.scalars(
        select(Person.id).where(Person.employee_id.in_([p["employee_id"] for p in people]))
    ).all()
    db.session.execute(
        insert(PersonJobRole), [{"person_id": pid, "job_role_id": role_id} for pid in ids]
    )
    records = []
    for pid in ids:
        for index, item_id in enumerate(item_ids[::2]):
            completed = TODAY - dt.timedelta(days=30 * (index % 15))
            records.append(
                {
                    "person_id": pid,
                    "training_item_id": item_id,
                    "completed_on": completed,
                    "expires_on": add_months(completed, 12),
                    "trainer": "",
                    "training_method": "",
                    "notes": "",
                    "source": "import",
                    "recorded_at": now,
                }
            )
    db.session.execute(insert(TrainingRecord), records)
    db.session.commit()


def _matrix_queries(client, count_queries, path: str) -> tuple[int, str]:
    with count_queries() as counter:
        response = client.get(path)
    assert response.status_code == 200
    return counter.count, response.data.decode("utf-8-sig")


@pytest.mark.slow
def test_matrix_of_500_people_by_40_requirements_takes_the_same_queries_as_50(
    client, auth, clock, qm, count_queries
):
    role = JobRole(name="Bulk technician")
    db.session.add(role)
    db.session.flush()
    items = [
        TrainingItem(
            kind="course", code=f"C{n:02d}", title=f"Course {n}", retrain_interval_months=12
        )
        for n in range(40)
    ]
    db.session.add_all(items)
    db.session.flush()
    db.session.execute(
        insert(JobRoleRequirement),
        [{"job_role_id": role.id, "training_item_id": item.id} for item in items],
    )
    db.session.commit()
    item_ids = [item.id for item in items]
    auth.login(qm.email)

    _populate(0, 50, role.id, item_ids)
    page_50, html_50 = _matrix_queries(client, count_queries, "/personnel/matrix")
    export_50, csv_50 = _matrix_queries(client, count_queries, "/personnel/matrix.csv")

    _populate(50, 450, role.id, item_ids)
    page_500, html = _matrix_queries(client, count_queries, "/personnel/matrix")
    export_500, csv_500 = _matrix_queries(client, count_queries, "/personnel/matrix.csv")

    assert page_500 == page_50 and export_500 == export_50
    assert page_500 <= 20 and export_500 <= 20
    # One page of people, every requirement as a column, and all 500 people in the export.
    assert len(re.findall(r'href="/personnel/people/\d+"', html)) == 25
    assert html.count('class="text-nowrap" title="Course') == 40
    assert "500 in all" in html
    assert len(csv_500.strip().splitlines()) == 501 and len(csv_50.strip().splitlines()) == 51
    assert csv_500.splitlines()[1].count(",missing") == 20  # every other item
