"""`flask import staff|requirements|training|competence|authorizations FILE` and the web upload:
good files, bad rows writing nothing, idempotent re-imports, real XLSX date cells."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from compliance.audit.models import AuditEntry
from compliance.extensions import db
from compliance.personnel import services
from compliance.personnel.models import (
    Authorization,
    CompetenceAssessment,
    JobRole,
    JobRoleRequirement,
    Person,
    TrainingItem,
    TrainingRecord,
)
from compliance.signatures.models import Signature
from tests.factories import effective_document, make_method, make_person, next_revision

STAFF = "employee_id,name,email,job_roles,hired_on"
REQUIREMENTS = "job_role,item,item_title,retrain_interval_months"
TRAINING = "employee_id,item,completed_on,trainer,expires_on"
COMPETENCE = "employee_id,method_code,assessed_on,assessor,result,next_due_on"
AUTHORIZATIONS = "employee_id,method_code,authorized_on,authorized_by,expires_on"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def cli(app, monkeypatch, tmp_path):
    """Run `flask import KIND FILE` from the file's folder, so errors read `FILE:ROW`."""
    monkeypatch.chdir(tmp_path)

    def run(kind: str, name: str, text: str | None = None, *options: str):
        if text is not None:
            (tmp_path / name).write_text(text.strip() + "\n", encoding="utf-8")
        return app.test_cli_runner().invoke(args=["import", kind, name, *options])

    return run


@pytest.fixture
def world(app, clock, qm):
    """TM-AS6171-2 (Rev A 2025-01-26, Rev B 2026-01-31), method AS6171/2, course ESD-101."""
    document, _ = effective_document(
        qm, number="TM-AS6171-2", doc_type="test_method", effective_days_ago=400
    )
    next_revision(document, qm, label="B", effective_days_ago=30)
    make_method("AS6171/2", procedure=document)
    services.create_course("ESD-101", title="ESD awareness", retrain_interval_months=12, by=qm)
    db.session.commit()
    return document


def _error_lines(result) -> list[str]:
    return [line for line in result.output.splitlines() if re.match(r"^\S+\.(csv|xlsx):\d+:", line)]


# --- staff ------------------------------------------------------------------------------------

CIT = "Counterfeit Inspection Technician"
GOOD_STAFF = f"""
{STAFF}
E1001,Luis Ortega,luis@lab.test,{CIT};Decapsulation Technician,2019-04-01
E1002,Mei Lin Zhou,,Counterfeit Inspection Technician,
E1003,Priya Raman,PRIYA@lab.test,X-ray/XRF Analyst,2021-09-13
"""


def test_staff_good_file_then_reimport_changes_nothing(cli, world, make_user):
    luis = make_user("staff", email="luis@lab.test", name="Luis Ortega")
    result = cli("staff", "staff.csv", GOOD_STAFF)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "staff.csv: 3 rows, 3 created"
    people = {p.employee_id: p for p in db.session.scalars(select(Person))}
    assert people["E1001"].user_id == luis.id
    assert people["E1001"].hired_on == dt.date(2019, 4, 1)
    assert people["E1001"].job_role_names == [
        "Counterfeit Inspection Technician",
        "Decapsulation Technician",
    ]
    assert people["E1003"].email == "priya@lab.test"
    assert people["E1002"].email is None and people["E1002"].hired_on is None
    assert sorted(db.session.scalars(select(JobRole.name))) == [
        "Counterfeit Inspection Technician",
        "Decapsulation Technician",
        "X-ray/XRF Analyst",
    ]
    entries = _count(AuditEntry)
    again = cli("staff", "staff.csv")
    assert again.exit_code == 0 and again.output.strip() == "staff.csv: 3 rows, 3 unchanged"
    assert _count(AuditEntry) == entries

    moved = GOOD_STAFF.replace(
        "E1002,Mei Lin Zhou,,Counterfeit Inspection Technician,",
        "E1002,Mei Lin Zhou,,x-ray/xrf analyst,",
    )
    result = cli("staff", "staff.csv", moved)
    assert result.output.strip() == "staff.csv: 3 rows, 1 updated, 2 unchanged"
    assert db.session.scalar(
        select(Person).where(Person.employee_id == "E1002")
    ).job_role_names == ["X-ray/XRF Analyst"]


def test_staff_bad_rows_are_all_reported_and_nothing_is_written(cli, world):
    result = cli(
        "staff",
        "staff.csv",
        f"""
{STAFF}
E1,Good Person,good@lab.test,Technician,2020-01-01
,No Id,,,
E3,Bad Mail,not-an-email,,2020-13-01
E1,Duplicate,,,
E5,Same Mail,GOOD@lab.test,,
""",
    )
    assert result.exit_code == 1
    assert _error_lines(result) == [
        "staff.csv:3: employee_id: a value is required",
        'staff.csv:4: email: expected an e-mail address like name@example.org, got "not-an-email"',
        'staff.csv:4: hired_on: there is no such date as "2020-13-01"',
        "staff.csv:5: employee_id: same employee_id as row 2",
        "staff.csv:6: email: same email as row 2",
    ]
    assert "nothing written" in result.output
    assert (_count(Person), _count(JobRole)) == (0, 0)


def test_staff_with_another_date_format(cli, world):
    result = cli(
        "staff",
        "staff.csv",
        f"{STAFF}\nE1,Dana Whitfield,,,31/03/2024\n",
        "--date-format",
        "%d/%m/%Y",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Person.hired_on)) == dt.date(2024, 3, 31)


def test_staff_xlsx_with_real_date_cells_and_number_ids(cli, world, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(STAFF.split(","))
    sheet.append([1001, "Grace Okafor", "grace@lab.test", "Quality Manager", dt.date(2018, 1, 8)])
    sheet.append(["E1002", "Samir Haddad", None, None, dt.datetime(2020, 2, 29, 0, 0)])
    book.save(tmp_path / "staff.xlsx")
    result = cli("staff", "staff.xlsx")
    assert result.exit_code == 0, result.output
    hired = dict(db.session.execute(select(Person.employee_id, Person.hired_on)).all())
    assert hired == {"1001": dt.date(2018, 1, 8), "E1002": dt.date(2020, 2, 29)}


# --- requirements -----------------------------------------------------------------------------

GOOD_REQUIREMENTS = f"""
{REQUIREMENTS}
Counterfeit Inspection Technician,ESD-101,,
Counterfeit Inspection Technician,tm-as6171-2,,
X-ray/XRF Analyst,ESD-101,,
X-ray/XRF Analyst,RAD-SAFE,Radiation safety,12
"""


def test_requirements_good_file_creates_roles_courses_and_document_items(cli, world):
    result = cli("requirements", "requirements.csv", GOOD_REQUIREMENTS)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "requirements.csv: 4 rows, 4 created"
    rad = services.course_by_code("RAD-SAFE")
    assert (rad.title, rad.retrain_interval_months) == ("Radiation safety", 12)
    document_item = services.item_for_document(world)
    assert document_item is not None and document_item.label == "TM-AS6171-2"
    technician = services.job_role_by_name("counterfeit inspection technician")
    assert services.has_requirement(technician, document_item)
    assert _count(JobRoleRequirement) == 4

    assert cli("requirements", "requirements.csv").output.strip() == (
        "requirements.csv: 4 rows, 4 unchanged"
    )
    longer = GOOD_REQUIREMENTS.replace("RAD-SAFE,Radiation safety,12", "RAD-SAFE,,24")
    result = cli("requirements", "requirements.csv", longer)
    assert result.output.strip() == "requirements.csv: 4 rows, 1 updated, 3 unchanged"
    assert services.course_by_code("RAD-SAFE").retrain_interval_months == 24


def test_requirements_bad_rows(cli, world):
    result = cli(
        "requirements",
        "requirements.csv",
        f"""
{REQUIREMENTS}
Technician,QP-9.9,,
Technician,NEW-1,New course,12
Analyst,NEW-1,Another title,12
Analyst,ESD-101,,0
""",
    )
    assert result.exit_code == 1
    assert _error_lines(result) == [
        "requirements.csv:2: item: QP-9.9 is neither a document number nor a known course code; "
        "give item_title to create the course",
        "requirements.csv:4: item_title: Another title differs from row 3 (New course) for the "
        "same item NEW-1",
        "requirements.csv:5: retrain_interval_months: must be at least 1, got 0",
    ]
    assert (_count(JobRole), _count(TrainingItem)) == (0, 1)


# --- training ---------------------------------------------------------------------------------


@pytest.fixture
def staffed(world):
    make_person("E1", name="Luis Ortega")
    make_person("E2", name="Mei Lin Zhou")
    return world


GOOD_TRAINING = f"""
{TRAINING}
E1,ESD-101,2025-06-30,Sofia Marin,
E1,TM-AS6171-2,2025-12-01,,
E1,tm-as6171-2,2026-02-20,,
E2,ESD-101,2025-01-15,,2025-12-31
"""


def test_training_good_file_then_reimport_changes_nothing(cli, staffed):
    result = cli("training", "training.csv", GOOD_TRAINING)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "training.csv: 4 rows, 4 created"
    rows = db.session.scalars(select(TrainingRecord).order_by(TrainingRecord.id)).all()
    assert [(r.person.employee_id, r.item.label, r.expires_on, r.source) for r in rows] == [
        ("E1", "ESD-101", dt.date(2026, 6, 30), "import"),
        ("E1", "TM-AS6171-2", None, "import"),
        ("E1", "TM-AS6171-2", None, "import"),
        ("E2", "ESD-101", dt.date(2025, 12, 31), "import"),
    ]
    # A document item means the revision in effect on the completion date.
    assert [r.revision.label for r in rows[1:3]] == ["A", "B"]
    assert rows[0].trainer == "Sofia Marin"
    entries = _count(AuditEntry)
    again = cli("training", "training.csv")
    assert again.output.strip() == "training.csv: 4 rows, 4 unchanged"
    assert (_count(TrainingRecord), _count(AuditEntry)) == (4, entries)

    changed = GOOD_TRAINING.replace("2025-06-30,Sofia Marin,", "2025-06-30,Someone Else,")
    result = cli("training", "training.csv", changed)
    assert result.exit_code == 1
    assert _error_lines(result) == [
        "training.csv:2: completed_on: E1 already has ESD-101 completed on 2025-06-30 (trainer "
        "Sofia Marin, expires 2026-06-30); records are never overwritten: correct it in the "
        "app, with a reason"
    ]


def test_training_bad_rows_write_nothing(cli, staffed):
    result = cli(
        "training",
        "training.csv",
        f"""
{TRAINING}
E1,ESD-101,2025-06-30,,
E9,ESD-101,2025-06-30,,
E1,NO-SUCH,2025-06-30,,
E1,TM-AS6171-2,2024-12-01,,
E2,ESD-101,2026-03-03,,
E2,ESD-101,2025-03-03,,2025-03-02
E2,ESD-101,03/03/2025,,
""",
    )
    assert result.exit_code == 1
    assert _error_lines(result) == [
        "training.csv:3: employee_id: no staff record has employee id E9; import the staff file "
        "first",
        "training.csv:4: item: no course has the code NO-SUCH and no document that number",
        "training.csv:5: completed_on: no revision of TM-AS6171-2 was in effect on 2024-12-01",
        "training.csv:6: completed_on: 2026-03-03 is in the future (today is 2026-03-02)",
        "training.csv:7: expires_on: 2025-03-02 is before completed_on 2025-03-03",
        'training.csv:8: completed_on: expected a date like 2024-03-31, got "03/03/2025"',
    ]
    assert "6 errors in 6 rows; nothing written" in result.output
    assert _count(TrainingRecord) == 0


def test_training_xlsx_with_real_date_cells(cli, staffed, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(TRAINING.split(","))
    sheet.append(["E1", "ESD-101", dt.datetime(2024, 2, 29), "Sofia Marin", None])
    sheet.append(["E2", "TM-AS6171-2", dt.date(2026, 2, 1), None, dt.date(2027, 1, 31)])
    book.save(tmp_path / "training.xlsx")
    result = cli("training", "training.xlsx")
    assert result.exit_code == 0, result.output
    rows = db.session.scalars(select(TrainingRecord).order_by(TrainingRecord.id)).all()
    assert [(r.completed_on, r.expires_on) for r in rows] == [
        (dt.date(2024, 2, 29), dt.date(2025, 2, 28)),  # leap day + 12 months
        (dt.date(2026, 2, 1), dt.date(2027, 1, 31)),
    ]
    assert rows[1].revision.label == "B"
    assert cli("training", "training.xlsx").output.strip() == "training.xlsx: 2 rows, 2 unchanged"


# --- competence -------------------------------------------------------------------------------


def test_competence_import(cli, staffed):
    good = f"""
{COMPETENCE}
E1,AS6171/2,2026-01-10,Grace Okafor,competent,2027-01-10
E2,as6171/2,2026-02-01,Luis Ortega,Not yet,
"""
    result = cli("competence", "competence.csv", good)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "competence.csv: 2 rows, 2 created"
    rows = db.session.scalars(select(CompetenceAssessment).order_by(CompetenceAssessment.id)).all()
    assert [(r.person.employee_id, r.result, r.next_due_on) for r in rows] == [
        ("E1", "competent", dt.date(2027, 1, 10)),
        ("E2", "not_yet", None),
    ]
    assert cli("competence", "competence.csv").output.strip() == (
        "competence.csv: 2 rows, 2 unchanged"
    )
    bad = cli(
        "competence",
        "competence.csv",
        f"""
{COMPETENCE}
E1,AS6171/99,2026-01-10,Grace Okafor,competent,
E1,AS6171/2,2026-01-10,Grace Okafor,not_yet,
E2,AS6171/2,2026-02-02,Luis Ortega,maybe,
""",
    )
    assert bad.exit_code == 1
    assert _error_lines(bad) == [
        "competence.csv:2: method_code: no test method has the code AS6171/99 (the scope has "
        "AS6171/2)",
        "competence.csv:3: assessed_on: E1 already has an assessment on AS6171/2 dated "
        "2026-01-10 (assessor Grace Okafor, result competent, next due 2027-01-10); assessments "
        "are never overwritten",
        'competence.csv:4: result: expected competent or not_yet, got "maybe"',
    ]
    assert _count(CompetenceAssessment) == 2


# --- authorizations ---------------------------------------------------------------------------


def test_authorizations_import(cli, staffed, qm):
    good = f"""
{AUTHORIZATIONS}
E1,AS6171/2,2024-05-01,QUINN@lab.test,2025-04-30
E1,AS6171/2,2025-05-01,quinn@lab.test,
"""
    result = cli("authorizations", "authorizations.csv", good)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "authorizations.csv: 2 rows, 2 created"
    rows = db.session.scalars(select(Authorization).order_by(Authorization.id)).all()
    assert [(r.authorized_on, r.expires_on, r.source, r.status) for r in rows] == [
        (dt.date(2024, 5, 1), dt.date(2025, 4, 30), "import", "active"),
        (dt.date(2025, 5, 1), None, "import", "active"),
    ]
    signature = db.session.get(Signature, rows[1].signature_id)
    assert signature.meaning == "authorized (imported)" and signature.signer_id == qm.id
    assert not rows[0].is_current(dt.date(2026, 3, 2)) and rows[1].is_current(dt.date(2026, 3, 2))
    assert cli("authorizations", "authorizations.csv").output.strip() == (
        "authorizations.csv: 2 rows, 2 unchanged"
    )
    bad = cli(
        "authorizations",
        "authorizations.csv",
        f"""
{AUTHORIZATIONS}
E2,AS6171/2,2020-01-01,nobody@lab.test,2020-06-30
E2,AS6171/7,2020-07-01,quinn@lab.test,2020-12-31
E2,AS6171/2,2021-01-01,quinn@lab.test,2020-12-31
E1,AS6171/2,2026-01-01,quinn@lab.test,
E2,AS6171/2,2025-06-01,quinn@lab.test,2025-12-31
E2,AS6171/2,2025-09-01,quinn@lab.test,
""",
    )
    assert bad.exit_code == 1
    assert _error_lines(bad) == [
        "authorizations.csv:2: authorized_by: no user has the e-mail nobody@lab.test",
        "authorizations.csv:3: method_code: no test method has the code AS6171/7 (the scope has "
        "AS6171/2)",
        "authorizations.csv:4: expires_on: 2020-12-31 is before authorized_on 2021-01-01",
        "authorizations.csv:5: authorized_on: E1 is already authorized for AS6171/2 from "
        "2025-05-01 with no end date",
        "authorizations.csv:7: authorized_on: overlaps the authorization in row 6 (from "
        "2025-06-01 until 2025-12-31)",
    ]
    assert _count(Authorization) == 2


def test_every_personnel_import_is_a_registered_kind(app):
    from compliance.imports.registry import KINDS

    mine = ("staff", "requirements", "training", "competence", "authorizations")
    assert {name: KINDS[name].columns for name in mine} == {
        "staff": STAFF,
        "requirements": REQUIREMENTS,
        "training": TRAINING,
        "competence": COMPETENCE,
        "authorizations": AUTHORIZATIONS,
    }
    assert {"staff", "requirements", "training", "competence", "authorizations"} <= set(
        app.cli.commands["import"].commands
    )


# --- the web: upload, preview, confirm --------------------------------------------------------


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    return match.group(1) if match else ""


def test_web_upload_previews_then_confirms(client, auth, world, qm):
    auth.login(qm.email)
    body = GOOD_STAFF.strip().encode()
    preview = auth.post(
        "/imports/staff",
        {"file": (io.BytesIO(body), "staff.csv")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200
    assert "staff.csv: 3 rows, 3 to create (preview, nothing written)" in preview.text
    assert _count(Person) == 0
    confirmed = auth.post(
        "/imports/staff/confirm",
        {
            "sha256": _hidden(preview.text, "sha256"),
            "filename": _hidden(preview.text, "filename"),
            "date_format": "",
        },
        form_page="/imports/staff",
    )
    assert confirmed.status_code == 302
    assert _count(Person) == 3
    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "import.applied"))
    assert entry.entity_key == "staff" and entry.actor_id == qm.id
    created = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "person.created")
    ).all()
    assert {e.actor_id for e in created} == {qm.id}


def test_web_preview_of_a_bad_file_shows_every_error(client, auth, world, qm):
    auth.login(qm.email)
    rows = list(csv.reader(io.StringIO(GOOD_STAFF.strip())))
    rows[2][2] = "not-an-email"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    response = auth.post(
        "/imports/staff",
        {"file": (io.BytesIO(out.getvalue().encode()), "staff.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "staff.csv:3: email: expected an e-mail address" in response.text
    assert _count(Person) == 0


def test_staff_and_auditors_cannot_run_personnel_imports(client, auth, world, make_user):
    for role in ("staff", "auditor"):
        user = make_user(role)
        auth.login(user.email)
        assert client.get("/imports/staff").status_code == 403
        assert client.get("/imports/authorizations").status_code == 403
        assert "/imports/staff" not in client.get("/imports/").text
        auth.logout()
