"""`flask documents import MANIFEST.csv`: bring an existing library in, all rows or none."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
import time_machine
from sqlalchemy import func, select

from compliance.audit.models import AuditEntry
from compliance.documents import services
from compliance.documents.cli import documents_cli
from compliance.documents.models import AcknowledgementTask, Document, Revision
from compliance.extensions import db
from compliance.files.models import StoredFile
from compliance.signatures.models import Meaning, Signature
from compliance.users.services import deactivate_user
from tests.conftest import DEMO_PASSWORD

HEADER = [
    "number",
    "title",
    "type",
    "revision",
    "effective_on",
    "review_interval_months",
    "file",
    "clauses",
    "approved_by",
]
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
QM_EMAIL = "quinn@lab.test"
DIRECTOR_EMAIL = "dana@lab.test"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def cli(app, monkeypatch, tmp_path):
    """Run `flask documents ...` from the manifest's folder, so errors read `MANIFEST.csv:ROW`."""
    # The lead registers the group in compliance/cli.py; until then the tests add it.
    if "documents" not in app.cli.commands:
        app.cli.add_command(documents_cli)
    monkeypatch.chdir(tmp_path)

    def run(*args: str):
        return app.test_cli_runner().invoke(args=["documents", *args])

    return run


@pytest.fixture
def approvers(make_user):
    quinn = make_user("quality_manager", email=QM_EMAIL, name="Quinn Manager")
    dana = make_user("quality_manager", email=DIRECTOR_EMAIL, name="Dana Director")
    return quinn, dana


def write_docx(path: Path, *paragraphs: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(path)
    return path


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def counts() -> dict[str, int]:
    models = (Document, Revision, Signature, StoredFile, AuditEntry, AcknowledgementTask)
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


def last_audit_seq() -> int:
    return db.session.scalar(select(func.coalesce(func.max(AuditEntry.seq), 0)))


def revision(number: str, label: str) -> Revision:
    return db.session.scalar(
        select(Revision).join(Document).where(Document.number == number, Revision.label == label)
    )


@pytest.fixture
def library(tmp_path) -> Path:
    """Three documents; QP-8.3-01 has revisions A and B, listed newest first."""
    write_docx(tmp_path / "manual.docx", "Quality manual", "Scope of accreditation.")
    write_docx(tmp_path / "procedures" / "qp-8.3-01-a.docx", "Control of documents, first issue.")
    write_docx(tmp_path / "procedures" / "qp-8.3-01-b.docx", "Control of documents, revised.")
    write_docx(tmp_path / "methods" / "tm-as6171-2.docx", "External visual inspection.")
    return write_csv(
        tmp_path / "MANIFEST.csv",
        [
            ["QM-01", "Quality Manual", "Quality manual", "A", "2022-01-10", "24",
             "manual.docx", "4.1 8.1", QM_EMAIL],
            ["QP-8.3-01", "Control of documents", "procedure", "B", "2024-06-15", "12",
             "procedures/qp-8.3-01-b.docx", "8.3", QM_EMAIL],
            ["TM-AS6171-2", "External visual inspection", "Test method", "1", "2023-02-01", "36",
             "methods/tm-as6171-2.docx", "7.2.1 7.2.2", DIRECTOR_EMAIL],
            ["qp-8.3-01", "Control of documents", "PROCEDURE", "A", "2021-05-01", "12",
             "procedures/qp-8.3-01-a.docx", "8.3", DIRECTOR_EMAIL],
        ],
    )  # fmt: skip


def test_a_good_manifest_imports_every_revision_as_effective(
    app, cli, clock, approvers, library, tmp_path
):
    quinn, dana = approvers
    before = counts()
    first_new_seq = last_audit_seq() + 1

    result = cli("import", "MANIFEST.csv")

    assert result.exit_code == 0, result.output
    assert result.output == "MANIFEST.csv: 4 rows, 4 created\n"
    after = counts()
    assert after["Document"] - before["Document"] == 3
    assert after["Revision"] - before["Revision"] == 4
    assert after["Signature"] - before["Signature"] == 4
    assert after["AcknowledgementTask"] == before["AcknowledgementTask"]  # read on paper

    procedure = services.document_by_number("QP-8.3-01")
    assert procedure.title == "Control of documents"
    assert procedure.doc_type == "procedure"
    assert procedure.owner_id == quinn.id  # the approver of the newest revision
    assert procedure.clauses == ["8.3"]
    assert procedure.audiences == []
    assert procedure.label_scheme == "letters"
    rev_a, rev_b = revision("QP-8.3-01", "A"), revision("QP-8.3-01", "B")
    assert (rev_a.state, rev_b.state) == ("superseded", "effective")
    assert rev_a.superseded_on == dt.date(2024, 6, 15)
    assert rev_b.effective_on == dt.date(2024, 6, 15)
    assert services.current_revision(procedure).id == rev_b.id
    assert rev_b.file_sha256 == sha256(tmp_path / "procedures" / "qp-8.3-01-b.docx")

    for rev, signer in ((rev_a, dana), (rev_b, quinn)):
        (signature,) = db.session.scalars(
            select(Signature).where(
                Signature.subject_type == "revision", Signature.subject_id == rev.id
            )
        )
        assert signature.meaning == Meaning.APPROVED_IMPORTED == "approved (imported)"
        assert signature.signer_id == signer.id
        assert signature.printed_name == signer.name
        assert signature.binds(rev.file_sha256)
        assert rev.approved_at == signature.signed_at

    method = services.document_by_number("TM-AS6171-2")
    assert method.doc_type == "test_method"
    assert method.label_scheme == "numbers"
    assert method.clauses == ["7.2.1", "7.2.2"]
    assert method.owner_id == dana.id
    assert services.current_revision(method).label == "1"
    manual = services.document_by_number("QM-01")
    assert (manual.doc_type, manual.review_interval_months) == ("quality_manual", 24)
    assert services.next_review_on(manual, services.current_revision(manual)) == dt.date(
        2024, 1, 10
    )

    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.seq >= first_new_seq)).all()
    actions = [(e.action, e.entity_key) for e in entries]
    assert sorted(key for action, key in actions if action == "document.created") == [
        "QM-01",
        "QP-8.3-01",
        "TM-AS6171-2",
    ]
    imported = [e for e in entries if e.action == "revision.imported"]
    assert len(imported) == 4
    assert {(e.entity_key, e.changes["revision"][1]) for e in imported} == {
        ("QM-01", "A"),
        ("QP-8.3-01", "A"),
        ("QP-8.3-01", "B"),
        ("TM-AS6171-2", "1"),
    }
    assert ("revision.superseded", "QP-8.3-01") in actions
    assert sum(1 for a, _ in actions if a == "revision.effective") == 4
    assert sum(1 for a, _ in actions if a == "signature.applied") == 4
    a_imported = next(
        e for e in imported if e.changes["revision"][1] == "A" and "QP" in e.entity_key
    )
    assert a_imported.changes["approved_by"] == [None, DIRECTOR_EMAIL]


def test_bad_rows_are_all_named_and_nothing_is_written(app, cli, clock, approvers, tmp_path):
    write_docx(tmp_path / "good.docx", "A good procedure.")
    write_docx(tmp_path / "other.docx", "Another procedure.")
    (tmp_path / "scan.docx").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    write_csv(
        tmp_path / "MANIFEST.csv",
        [
            ["QP-7.1-01", "Review of requests", "procedure", "A", "2023-01-01", "24",
             "good.docx", "7.1", QM_EMAIL],
            ["QP-7.2-01", "Method selection", "procedure", "A", "2023-01-01", "24",
             "missing.docx", "7.2", QM_EMAIL],
            ["QP-7.3-01", "Sampling", "procedure", "A", "2023-01-01", "24",
             "other.docx", "7.3 9.9", QM_EMAIL],
            ["QP-7.4-01", "Handling of items", "procedure", "A", "2023-01-01", "24",
             "other.docx", "7.4", "nobody@lab.test"],
            ["QP-7.5-01", "Technical records", "procedure", "A", "2023-01-01", "24",
             "scan.docx", "7.5", QM_EMAIL],
            ["QP-7.6-01", "Uncertainty", "procedure", "A", "31/02/2024", "24",
             "other.docx", "7.6", QM_EMAIL],
            ["QP-7.1-01", "Review of requests", "procedure", "A", "2023-01-01", "24",
             "good.docx", "7.1", QM_EMAIL],
        ],
    )  # fmt: skip
    before = counts()

    result = cli("import", "MANIFEST.csv")

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"MANIFEST.csv:3: file: missing.docx does not exist (looked for {tmp_path}/missing.docx)",
        "MANIFEST.csv:4: clauses: Unknown ISO/IEC 17025:2017 clause(s): 9.9. "
        "Use numbers like 8.3.2.",
        "MANIFEST.csv:5: approved_by: no user has the e-mail nobody@lab.test",
        "MANIFEST.csv:6: file: scan.docx: The file is not a Word document: it is a PDF",
        'MANIFEST.csv:7: effective_on: expected a date like 2024-03-31, got "31/02/2024"',
        "MANIFEST.csv:8: number: same number and revision as row 2",
        "MANIFEST.csv: 6 errors in 6 rows; nothing written",
    ]
    assert result.stdout == ""
    assert counts() == before  # not even the good row 2


def test_an_inactive_approver_and_a_hostile_docx_are_refused(
    app, cli, clock, approvers, make_user, tmp_path
):
    gone = make_user("quality_manager", email="gone@lab.test")
    deactivate_user(gone, by=None, reason="left the lab")
    db.session.commit()
    write_docx(tmp_path / "ok.docx", "Fine.")
    macro = tmp_path / "macro.docx"
    write_docx(macro, "Has a macro part.")
    with zipfile.ZipFile(macro, "a") as archive:
        archive.writestr("word/vbaProject.bin", b"\x00" * 64)
    write_csv(
        tmp_path / "MANIFEST.csv",
        [
            ["QP-1", "One", "policy", "A", "2023-01-01", "24", "ok.docx", "", "GONE@lab.test"],
            ["QP-2", "Two", "policy", "A", "2023-01-01", "24", "macro.docx", "", QM_EMAIL],
            ["QP-3", "Three", "memo", "A", "2023-01-01", "24", "ok.docx", "", QM_EMAIL],
        ],
    )
    before = counts()

    result = cli("import", "MANIFEST.csv")

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "MANIFEST.csv:2: approved_by: gone@lab.test is deactivated; reactivate the account "
        "to record them as the approver"
    )
    assert lines[1] == (
        "MANIFEST.csv:3: file: macro.docx: The document contains a macro project "
        "('word/vbaProject.bin'); save it as a plain .docx without macros"
    )
    assert lines[2].startswith("MANIFEST.csv:4: type: expected one of quality manual, policy,")
    assert lines[2].endswith('got "memo"')
    assert counts() == before


def test_rows_of_one_document_must_tell_one_story(app, cli, clock, approvers, tmp_path):
    for name in ("a.docx", "b.docx", "c.docx", "d.docx"):
        write_docx(tmp_path / name, f"Content of {name}")
    write_csv(
        tmp_path / "MANIFEST.csv",
        [
            ["QP-9", "Complaints", "procedure", "A", "2022-01-01", "24", "a.docx", "7.9", QM_EMAIL],
            ["QP-9", "Complaint handling", "procedure", "B", "2022-01-01", "24", "b.docx", "7.9",
             QM_EMAIL],
            ["QP-9", "Complaints", "procedure", "1", "2023-01-01", "24", "c.docx", "7.9", QM_EMAIL],
            ["QP-10", "Nonconforming work", "procedure", "A", "2027-01-01", "24", "d.docx", "7.10",
             QM_EMAIL],
        ],
    )  # fmt: skip

    result = cli("import", "MANIFEST.csv")

    assert result.exit_code == 1
    assert result.stderr.splitlines()[:-1] == [
        'MANIFEST.csv:3: title: "Complaint handling" differs from row 2 ("Complaints"); every '
        "row of QP-9 must give the same title",
        "MANIFEST.csv:3: effective_on: QP-9 revisions A (row 2) and B take effect on the same "
        "day; only one can be in force",
        "MANIFEST.csv:4: revision: '1' does not follow the letters used for QP-9 in row 2",
        "MANIFEST.csv:5: effective_on: 2027-01-01 is in the future (today is 2026-03-02); "
        "import only revisions already in force and approve later ones in the app",
    ]


def test_reimporting_the_same_manifest_changes_nothing(app, cli, clock, approvers, library):
    assert cli("import", "MANIFEST.csv").exit_code == 0
    db.session.expire_all()
    before = counts()

    result = cli("import", "MANIFEST.csv")

    assert result.exit_code == 0, result.output
    assert result.output == "MANIFEST.csv: 4 rows, 4 unchanged\n"
    assert counts() == before


def test_a_dry_run_says_what_would_change_and_writes_nothing(app, cli, clock, approvers, library):
    before = counts()
    result = cli("import", "--dry-run", "MANIFEST.csv")
    assert result.exit_code == 0, result.output
    assert result.output == "MANIFEST.csv: 4 rows, 4 to create (preview, nothing written)\n"
    assert counts() == before


def test_a_new_revision_is_added_and_changed_bytes_are_refused(
    app, cli, clock, approvers, library, tmp_path
):
    assert cli("import", "MANIFEST.csv").exit_code == 0
    write_docx(tmp_path / "procedures" / "qp-8.3-01-c.docx", "Control of documents, third.")
    with open(library, "a", newline="") as handle:
        csv.writer(handle).writerow(
            ["QP-8.3-01", "Control of documents", "procedure", "C", "2025-09-01", "12",
             "procedures/qp-8.3-01-c.docx", "8.3", QM_EMAIL]
        )  # fmt: skip

    result = cli("import", "MANIFEST.csv")

    assert result.exit_code == 0, result.output
    assert result.output == "MANIFEST.csv: 5 rows, 1 created, 4 unchanged\n"
    assert revision("QP-8.3-01", "B").state == "superseded"
    assert revision("QP-8.3-01", "C").state == "effective"

    write_docx(tmp_path / "manual.docx", "Quality manual, silently edited.")
    before = counts()
    result = cli("import", "MANIFEST.csv")
    assert result.exit_code == 1
    (line, summary) = result.stderr.splitlines()
    assert line.startswith(
        "MANIFEST.csv:2: file: QM-01 revision A is already in the register with different "
        "content (SHA-256 "
    )
    assert line.endswith("a revision is never replaced: give the new file a new revision label")
    assert summary == "MANIFEST.csv: 1 error; nothing written"
    assert counts() == before


def test_an_older_revision_cannot_supersede_the_effective_one(
    app, cli, clock, approvers, library, tmp_path
):
    assert cli("import", "MANIFEST.csv").exit_code == 0
    write_docx(tmp_path / "old.docx", "A forgotten early issue.")
    write_csv(
        tmp_path / "MANIFEST.csv",
        [["QP-8.3-01", "Control of documents", "procedure", "0A", "2020-01-01", "12", "old.docx",
          "8.3", QM_EMAIL],
         ["QP-8.3-01", "Control of documents", "procedure", "Z", "2020-01-01", "12", "old.docx",
          "8.3", QM_EMAIL]],
    )  # fmt: skip

    result = cli("import", "MANIFEST.csv")

    assert result.exit_code == 1
    assert result.stderr.splitlines()[:-1] == [
        "MANIFEST.csv:2: revision: '0A' is not a revision label (A, B, ... or 1, 2, ...).",
        "MANIFEST.csv:3: effective_on: 2020-01-01 is not after 2024-06-15, when the effective "
        "revision B of QP-8.3-01 took effect; importing it would supersede a newer revision",
    ]


def test_an_xlsx_manifest_with_real_date_cells(app, cli, clock, approvers, tmp_path):
    write_docx(tmp_path / "wi-1.docx", "Balance check, first issue.")
    write_docx(tmp_path / "wi-2.docx", "Balance check, second issue.")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["WI-6.4-03", "Daily balance check", "Work Instruction", 1,
                  dt.datetime(2022, 3, 1), 12, "wi-1.docx", 6.4, DIRECTOR_EMAIL])  # fmt: skip
    sheet.append(["WI-6.4-03", "Daily balance check", "work_instruction", 2,
                  dt.date(2025, 11, 20), 12, "wi-2.docx", 6.4, QM_EMAIL])  # fmt: skip
    workbook.save(tmp_path / "MANIFEST.xlsx")

    result = cli("import", "--date-format", "%d/%m/%Y", "MANIFEST.xlsx")

    assert result.exit_code == 0, result.output
    assert result.output == "MANIFEST.xlsx: 2 rows, 2 created\n"
    document = services.document_by_number("WI-6.4-03")
    assert (document.doc_type, document.label_scheme) == ("work_instruction", "numbers")
    assert document.clauses == ["6.4"]
    first, second = revision("WI-6.4-03", "1"), revision("WI-6.4-03", "2")
    assert (first.state, first.effective_on) == ("superseded", dt.date(2022, 3, 1))
    assert (second.state, second.effective_on) == ("effective", dt.date(2025, 11, 20))


def test_an_unusable_date_format_is_refused_before_reading(app, cli, library):
    result = cli("import", "--date-format", "%d/%m", "MANIFEST.csv")
    assert result.exit_code == 2
    assert "does not hold a whole date" in result.output


def test_activate_makes_due_revisions_effective(app, cli, make_user, approvers, tmp_path):
    quinn, _ = approvers
    author = make_user("staff")
    reviewer = make_user("staff")
    with time_machine.travel(NOW, tick=False):
        document = services.create_document(
            number="QP-6.2-01",
            title="Personnel",
            doc_type="procedure",
            owner=quinn,
            review_interval_months=24,
            by=quinn,
        )
        data = write_docx(tmp_path / "p.docx", "Competence of personnel.").read_bytes()
        draft = services.add_revision(
            document, data=data, filename="p.docx", change_summary="First issue", by=author
        )
        services.submit_for_review(draft, by=author)
        services.sign_review(draft, by=reviewer, password=DEMO_PASSWORD)
        services.approve(draft, by=quinn, password=DEMO_PASSWORD, effective_on=dt.date(2026, 3, 9))
        db.session.commit()
        assert draft.state == "approved"

        early = cli("activate", "--as-of", "2026-03-09")
        assert early.exit_code == 2
        assert "is after today (2026-03-02)" in early.output
        assert cli("activate").output == "No approved revision was due on or before 2026-03-02.\n"

    with time_machine.travel(NOW + dt.timedelta(days=7), tick=False):
        result = cli("activate")
    assert result.exit_code == 0, result.output
    assert result.output == "QP-6.2-01 Rev A effective from 2026-03-09\n"
    db.session.expire_all()
    assert revision("QP-6.2-01", "A").state == "effective"
