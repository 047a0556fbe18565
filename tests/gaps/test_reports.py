"""Reports open in python-docx and contain what they promise; the package is a valid ZIP."""

import csv
import hashlib
import io
import zipfile

import docx

from compliance.extensions import db
from compliance.files.models import StoredFile
from tests.factories import effective_document


def _text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_gap_report_contains_the_findings(client, auth, make_user):
    qm = make_user("quality_manager")
    effective_document(qm, number="QP-OLD-1", effective_days_ago=800, review_interval_months=24)
    auth.login(qm.email)
    response = client.get("/reports/gaps.docx?as_of=2030-01-01")
    text = _text(response.data)
    assert "Pre-assessment gap report" in text and "findings as of 2030-01-01" in text
    assert "DOC-REVIEW-OVERDUE" in text and "QP-OLD-1" in text


def test_evidence_index_and_master_list(client, auth, make_user):
    qm = make_user("quality_manager", name="Quinn Manager")
    auditor = make_user("auditor")
    effective_document(qm, number="QP-8.3-01", title="Control of documents", clauses=["8.3.2"])
    auth.login(auditor.email)
    index = _text(client.get("/reports/evidence-index.docx").data)
    assert "8.3.2" in index and "QP-8.3-01 Rev A" in index
    master = _text(client.get("/reports/master-list.docx").data)
    assert "QP-8.3-01" in master and "Control of documents" in master
    assert "Quinn Manager" in master
    assert client.get("/reports/gaps.docx").status_code == 403  # the lab's own findings


def test_evidence_package_holds_index_and_effective_documents(client, auth, make_user):
    qm = make_user("quality_manager")
    _, revision = effective_document(qm, number="QP-8.3-01", clauses=["8.3"])
    auth.login(qm.email)
    response = client.get("/reports/evidence-package.zip")
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    response.close()
    assert {
        "evidence-index.docx",
        "master-list-of-documents.docx",
        "MANIFEST.tsv",
        "documents/QP-8.3-01-RevA.docx",
    } <= names
    stored = db.session.get(StoredFile, revision.file_sha256).data
    packed = archive.read("documents/QP-8.3-01-RevA.docx")
    assert hashlib.sha256(packed).hexdigest() == revision.file_sha256 and packed == stored
    assert revision.file_sha256 in archive.read("MANIFEST.tsv").decode()


def test_package_lists_every_record_in_csv_and_the_index_counts_past_its_limit(
    client, auth, make_user, monkeypatch
):
    from compliance.reports import builders

    monkeypatch.setattr(builders, "INDEX_LIMIT", 1)
    qm = make_user("quality_manager")
    for number in ("QP-8.3-01", "QP-8.3-02", "QP-8.3-03"):
        effective_document(qm, number=number, clauses=["8.3.2"])
    auth.login(qm.email)
    response = client.get("/reports/evidence-package.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    response.close()

    rows = list(csv.reader(io.StringIO(archive.read("evidence-records.csv").decode("utf-8-sig"))))
    assert rows[0] == ["Clause", "Kind", "Record", "Evidence", "Date", "Note"]
    documents = sorted(row[2] for row in rows[1:] if row[:2] == ["8.3.2", "document"])
    assert documents == ["QP-8.3-01", "QP-8.3-02", "QP-8.3-03"]

    index = _text(archive.read("evidence-index.docx"))
    listed = [n for n in ("QP-8.3-01", "QP-8.3-02", "QP-8.3-03") if f"{n} Rev A" in index]
    assert len(listed) == 1
    assert "… and 2 more document records (3 in all)" in index
    assert "evidence-records.csv" in index
