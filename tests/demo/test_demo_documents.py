"""The demo lab's documents: a realistic register loaded through the document control services."""

import datetime as dt
import time

import pytest
from sqlalchemy import select

from compliance.audit.services import verify
from compliance.dates import lab_today
from compliance.demo import documents as demo_documents
from compliance.demo.lab import DEMO_PASSWORD, PEOPLE, SCOPE_METHODS
from compliance.documents import rendering
from compliance.documents.models import AcknowledgementTask, Document, Revision, RevisionState
from compliance.documents.services import current_revision, document_by_number, next_review_on
from compliance.extensions import db
from compliance.files.services import load_bytes
from compliance.signatures.models import Meaning
from compliance.signatures.services import signatures_for
from compliance.uploads.docx import check_docx

S = RevisionState
EMAIL = {p.employee_id: p.email for p in PEOPLE}


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return result.output


def _revisions(state: RevisionState) -> list[Revision]:
    return list(db.session.scalars(select(Revision).where(Revision.state == state.value)))


def test_demo_document_register(app, demo):
    """One load (each takes seconds), checked from every side."""
    _check_register_history_and_workflow_states(demo)
    _check_planted_review_and_reading_gaps()
    _check_effective_revisions_approved_by_someone_else_and_trail_intact()
    _check_stored_files_are_safe_docx_with_the_document_header()


def _check_register_history_and_workflow_states(demo):
    assert f"{len(demo_documents.SPECS)} documents" in demo and "reading tasks" in demo
    documents = list(db.session.scalars(select(Document)))
    numbers = {d.number for d in documents}
    assert {spec.number for spec in demo_documents.SPECS} == numbers
    for code, _title in SCOPE_METHODS:
        assert "TM-" + code.replace("/", "-") in numbers
    assert {"QM-01", "QP-4-01", "QP-8.3-01", "QP-8.9-01", "QP-6.4-01", "QP-7.10-01"} <= numbers

    for document in documents:
        effective = [r for r in document.revisions if r.state == S.EFFECTIVE.value]
        assert len(effective) == 1, document.number
        assert len(document.revisions) >= 2, document.number
    superseded = _revisions(S.SUPERSEDED)
    assert len(superseded) > 20
    assert all(r.superseded_on is not None for r in superseded)

    draft = _revisions(S.DRAFT)
    assert [r.display for r in draft] == ["QP-8.5-01 Rev C"]
    assert "impartiality" in draft[0].rejection_comment
    assert {r.display for r in _revisions(S.IN_REVIEW)} == {"QP-8.9-01 Rev C", "TM-AS6171-9 Rev C"}
    assert [r.display for r in _revisions(S.WITHDRAWN)] == ["QP-8.4-01 Rev C"]
    assert _revisions(S.APPROVED) == []
    forms = document_by_number("FM-6.2-01")
    assert current_revision(forms).label == "2"


def _check_planted_review_and_reading_gaps():
    today = lab_today()
    review_due = {
        d.number: next_review_on(d, current_revision(d))
        for d in db.session.scalars(select(Document))
    }
    overdue = {n for n, due in review_due.items() if due < today}
    due_soon = {n for n, due in review_due.items() if today <= due <= today + dt.timedelta(60)}
    assert overdue == {"QP-8.8-01", "QP-6.6-01", "TM-AS6171-8"}
    assert len(due_soon) >= 3 and "QM-01" in due_soon
    # QP-4-01 was past its interval but had its "reviewed, no change needed" signature today.
    assert document_by_number("QP-4-01").last_reviewed_on == today

    tasks = list(db.session.scalars(select(AcknowledgementTask)))
    done = [t for t in tasks if t.acknowledged_at is not None]
    late = [t for t in tasks if t.is_overdue(today)]
    still_in_time = [t for t in tasks if t.acknowledged_at is None and not t.is_overdue(today)]
    assert done and late and still_in_time
    assert {t.revision.display for t in late} == {"QP-6.2-01 Rev C", "TM-AS6171-5 Rev C"}
    # Revisions approved today through the workflow: tasks for exactly the distribution.
    today_revision = current_revision(document_by_number("TM-AS6171-2"))
    assert today_revision.effective_on == today and today_revision.author is not None
    assignees = {t.user.email for t in tasks if t.revision_id == today_revision.id}
    staff = {p.email for p in PEOPLE if "staff" in p.roles}
    assert assignees == staff
    for task in done:
        (signature,) = signatures_for("acknowledgement", [task.id])[task.id]
        assert signature.meaning == Meaning.ACKNOWLEDGED
        assert signature.signer_id == task.user_id
        assert signature.binds(task.revision.file_sha256)


def _check_effective_revisions_approved_by_someone_else_and_trail_intact():
    effective = _revisions(S.EFFECTIVE)
    signatures = signatures_for("revision", [r.id for r in effective])
    workflow = 0
    for revision in effective:
        approvals = [
            s
            for s in signatures[revision.id]
            if s.meaning in (Meaning.APPROVED, Meaning.APPROVED_IMPORTED)
            and s.binds(revision.file_sha256)
        ]
        assert approvals, revision.display
        assert all(s.signer_id != revision.author_id for s in approvals), revision.display
        if revision.author_id is not None:
            workflow += 1
            reviews = [s for s in signatures[revision.id] if s.meaning == Meaning.REVIEWED]
            assert reviews and all(s.signer_id != revision.author_id for s in reviews)
    assert workflow >= 3
    assert verify().ok


def _check_stored_files_are_safe_docx_with_the_document_header():
    for revision in db.session.scalars(select(Revision)):
        data = load_bytes(revision.file_sha256)
        check_docx(data, filename=f"{revision.document.number}.docx")
        assert len(data) < 20_000, revision.display
        document = rendering.open_document(data)
        header = " ".join(p.text for p in document.sections[0].header.paragraphs)
        assert f"{revision.document.number} Rev {revision.label}" in header
        assert revision.document.title in header
        text = rendering.extract_text(data)
        for heading in ("Purpose", "Scope", "Responsibilities", "Records", "References"):
            assert heading in text, (revision.display, heading)
        assert "ISO/IEC 17025:2017, clauses" in text


def test_people_see_the_demo_register_queue_and_redline(demo, client, auth):
    auth.login(EMAIL["E1001"], DEMO_PASSWORD)
    register = client.get("/documents/")
    assert register.status_code == 200 and "QP-8.3-01" in register.text
    document = document_by_number("TM-AS6171-2")
    new, old = document.revisions[-1], document.revisions[-2]
    redline = client.get(f"/revisions/{new.id}/redline?against={old.id}")
    assert redline.status_code == 200 and "exemplar images" in redline.text
    auth.logout()
    auth.login(EMAIL["E1009"], DEMO_PASSWORD)
    tasks = client.get("/tasks")
    assert tasks.status_code == 200
    assert "TM-AS6171-2" in tasks.text and "QP-6.2-01" in tasks.text


def test_generated_revisions_differ_in_content_and_generate_fast():
    today = dt.date(2026, 3, 1)
    started = time.perf_counter()
    generated = list(demo_documents.generate(today))
    assert time.perf_counter() - started < 5
    by_number: dict[str, list[bytes]] = {}
    for spec, index, filename, data in generated:
        assert filename.endswith(".docx") and spec.label(index) in filename
        by_number.setdefault(spec.number, []).append(data)
    for spec in demo_documents.SPECS:
        summaries = {rev.summary for rev in spec.revisions}
        versions = [set(rendering.paragraphs(data)) for data in by_number[spec.number]]
        for older, newer in zip(versions, versions[1:], strict=False):
            changed = (newer ^ older) - summaries
            # A changed or added step, not only the revision label and history table.
            assert any(len(p) > 40 for p in changed), spec.number
