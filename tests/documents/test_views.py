"""Document pages as people use them: upload, read, sign, download, compare, acknowledge."""

import hashlib
import io
import tracemalloc
from pathlib import Path

import docx
import pytest
from sqlalchemy import func, select

from compliance.audit.models import AuditEntry
from compliance.documents.models import Revision
from compliance.extensions import db
from compliance.files.models import StoredFile
from compliance.signatures.models import Signature
from tests.conftest import DEMO_PASSWORD
from tests.factories import effective_document, make_docx
from tests.uploads import hostile

SAMPLES = Path(__file__).resolve().parent / "samples"


def _upload(auth, document, data: bytes, filename: str, summary="New content"):
    return auth.post(
        f"/documents/{document.id}/revisions/new",
        {"file": (io.BytesIO(data), filename), "change_summary": summary},
        content_type="multipart/form-data",
    )


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def qm(make_user):
    return make_user("quality_manager", name="Quinn Manager")


def test_register_search_and_filters(client, auth, qm):
    effective_document(qm, number="QP-8.3-01", title="Control of documents", clauses=["8.3"])
    effective_document(qm, number="TM-AS6171-2", title="External visual", doc_type="test_method")
    auth.login(qm.email)
    page = client.get("/documents/?q=visual")
    assert "TM-AS6171-2" in page.text and "QP-8.3-01" not in page.text
    assert "QP-8.3-01" in client.get("/documents/?q=original step").text  # full text
    assert "TM-AS6171-2" not in client.get("/documents/?clause=8.3").text
    assert "QP-8.3-01" not in client.get("/documents/?type=test_method").text


def test_a_search_folds_case_in_any_script_and_takes_wildcards_literally(client, auth, qm):
    """The text is searched as stored with it (Revision.search_text), folded the same way on
    every database; "%" and "_" in a search are characters, not patterns."""
    _, sampled = effective_document(qm, number="QP-SAMPLE", title="Sampling")
    _, counted = effective_document(qm, number="QP-COUNT", title="Counting")
    sampled.text = "ÜBERPRÜFUNG der Geräte: 10% sample of each lot"
    counted.text = "1000 parts per reel, 10 reels"
    db.session.commit()
    auth.login(qm.email)

    def found(term):
        page = client.get("/documents/", query_string={"q": term}).text
        return [n for n in ("QP-SAMPLE", "QP-COUNT") if f">{n}<" in page]

    assert found("überprüfung") == ["QP-SAMPLE"]  # non-ASCII capitals fold on SQLite too
    assert found("10%") == ["QP-SAMPLE"]  # as a pattern, "10%" would match "1000" as well
    assert found("1_00") == []
    assert found("PER REEL") == ["QP-COUNT"]
    counted.text = "Re-extracted: now 12 reels"  # a new text brings its search text with it
    db.session.commit()
    assert found("per reel") == [] and found("12 REELS") == ["QP-COUNT"]


def test_a_search_pages_and_counts_its_matches(client, auth, qm, app, monkeypatch):
    """A text search counts its matches with the page (one scan of the texts): the total,
    the last page and a page past the end agree with what matches."""
    monkeypatch.setitem(app.config, "PER_PAGE", 3)
    for n in range(7):
        effective_document(qm, number=f"QP-PAGED-{n}", title=f"Paged procedure {n}")
    effective_document(qm, number="QP-OTHER", title="Something else")
    auth.login(qm.email)

    def numbers(html):
        return [f"QP-PAGED-{n}" for n in range(7) if f">QP-PAGED-{n}<" in html]

    first = client.get("/documents/?q=paged").text
    assert "7 in all" in first and numbers(first) == ["QP-PAGED-0", "QP-PAGED-1", "QP-PAGED-2"]
    last = client.get("/documents/?q=paged&page=3").text
    assert "7 in all" in last and numbers(last) == ["QP-PAGED-6"] and "QP-OTHER" not in last
    past = client.get("/documents/?q=paged&page=9").text
    assert numbers(past) == [] and "7 in all" in past


@pytest.mark.parametrize("name", sorted(hostile.GENERATORS))
def test_hostile_uploads_rejected_with_4xx_and_nothing_stored(client, auth, qm, name):
    document, _ = effective_document(qm)
    auth.login(qm.email)
    files, revisions = _count(StoredFile), _count(Revision)
    data = hostile.GENERATORS[name]()
    tracemalloc.start()
    response = _upload(auth, document, data, "hostile.docx")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert 400 <= response.status_code < 500
    assert "invalid-feedback" in response.text  # the reason is shown on the field
    assert (_count(StoredFile), _count(Revision)) == (files, revisions)
    assert peak < 64 * 1024 * 1024


def test_wrong_extension_and_missing_file(client, auth, qm):
    document, _ = effective_document(qm)
    auth.login(qm.email)
    response = _upload(auth, document, make_docx(), "procedure.pdf")
    assert response.status_code == 422 and ".docx" in response.text
    missing = auth.post(f"/documents/{document.id}/revisions/new", {"change_summary": "x"})
    assert missing.status_code == 422 and "Choose a .docx file." in missing.text


@pytest.mark.parametrize("sample", ["pandoc.docx", "libreoffice.docx"])
def test_other_producers_upload_render_and_stamp(client, auth, qm, sample):
    document, _ = effective_document(qm)
    auth.login(qm.email)
    data = (SAMPLES / sample).read_bytes()
    response = _upload(auth, document, data, sample)
    assert response.status_code == 302, response.text
    revision = db.session.scalar(select(Revision).where(Revision.label == "B"))
    page = client.get(f"/revisions/{revision.id}")
    assert page.status_code == 200 and "<table>" in page.text and "DRAFT — NOT FOR USE" in page.text
    stamped = client.get(f"/revisions/{revision.id}/download")
    text = _header_footer_text(stamped.data)
    assert "DRAFT - NOT FOR USE" in text
    assert hashlib.sha256(data).hexdigest() == revision.file_sha256


def _header_footer_text(data: bytes) -> str:
    opened = docx.Document(io.BytesIO(data))
    parts = []
    for section in opened.sections:
        for part in (section.header, section.footer):
            parts += [p.text for p in part.paragraphs]
            parts += [c.text for t in part.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_controlled_copy_is_stamped_and_original_unchanged(client, auth, qm, make_user):
    tech = make_user("staff", name="Tess Tech")
    document, revision = effective_document(qm)
    original = db.session.get(StoredFile, revision.file_sha256).data
    auth.login(tech.email)
    response = client.get(f"/revisions/{revision.id}/download")
    assert response.status_code == 200
    text = _header_footer_text(response.data)
    for expected in (
        "CONTROLLED COPY",
        f"{document.number} Rev A",
        "Approved by Quinn Manager",
        "Downloaded by Tess Tech",
        "Uncontrolled when printed",
    ):
        assert expected in text
    stored = db.session.get(StoredFile, revision.file_sha256)
    db.session.refresh(stored)
    assert stored.data == original and hashlib.sha256(original).hexdigest() == stored.sha256
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "revision.downloaded"))
    assert entry.actor_id == tech.id and entry.changes["stamped_as"] == [None, "effective"]


def test_superseded_is_bannered_and_hidden_from_staff(client, auth, qm, make_user):
    from compliance.dates import lab_today
    from compliance.documents import services

    tech = make_user("staff")
    auditor = make_user("auditor")
    document, rev_a = effective_document(qm)
    services.import_effective_revision(
        document,
        data=make_docx("B", ("New step.",)),
        filename="b.docx",
        label="B",
        effective_on=lab_today(),
        approved_by=qm,
    )
    db.session.commit()
    auth.login(tech.email)
    assert client.get(f"/revisions/{rev_a.id}").status_code == 403
    assert "Rev A" not in client.get(f"/documents/{document.id}").text.split("<tbody>")[1]
    auth.logout()
    for person in (qm, auditor):
        auth.login(person.email)
        page = client.get(f"/revisions/{rev_a.id}")
        assert page.status_code == 200 and "SUPERSEDED — NOT FOR USE" in page.text
        stamped = client.get(f"/revisions/{rev_a.id}/download")
        assert "SUPERSEDED - NOT FOR USE" in _header_footer_text(stamped.data)
        auth.logout()


def test_auditor_sees_no_drafts(client, auth, qm, make_user):
    from compliance.documents import services

    auditor = make_user("auditor")
    document, _ = effective_document(qm)
    draft = services.add_revision(
        document, data=make_docx("D"), filename="d.docx", change_summary="x", by=qm
    )
    db.session.commit()
    auth.login(auditor.email)
    assert client.get(f"/revisions/{draft.id}").status_code == 403
    assert client.get(f"/revisions/{draft.id}/download").status_code == 403


def test_rendered_html_is_sanitised(client, auth, qm):
    from tests.documents.docx_factory import procedure

    document, _ = effective_document(qm)
    auth.login(qm.email)
    data = procedure(links={"javascript:alert(1)": "click me"})
    assert _upload(auth, document, data, "links.docx").status_code == 302
    revision = db.session.scalar(select(Revision).where(Revision.label == "B"))
    html = client.get(f"/revisions/{revision.id}").text
    assert "javascript:" not in html and "click me" in html


def test_web_review_approve_and_acknowledge(client, auth, qm, make_user):
    from compliance.dates import lab_today

    approver = make_user("quality_manager", name="Avery Approver")
    reviewer = make_user("staff", name="Riley Reviewer")
    document, rev_a = effective_document(qm, audiences=["role:staff"])
    auth.login(qm.email)
    assert _upload(auth, document, make_docx("B", ("Changed.",)), "b.docx").status_code == 302
    rev_b = db.session.scalar(select(Revision).where(Revision.label == "B"))
    page = f"/revisions/{rev_b.id}"
    assert auth.post(f"{page}/submit", form_page=page).status_code == 302
    auth.logout()
    auth.login(reviewer.email)
    wrong = auth.post(
        f"{page}/review", {"password": "not-my-password"}, form_page=page, follow_redirects=True
    )
    assert "password is not correct" in wrong.text
    db.session.refresh(reviewer)
    assert reviewer.failed_logins == 1  # counted toward lockout even though nothing else saved
    ok = auth.post(
        f"{page}/review",
        {"password": DEMO_PASSWORD, "comment": "Fine"},
        form_page=page,
        follow_redirects=True,
    )
    assert "Review signed." in ok.text and "Riley Reviewer" in ok.text
    auth.logout()
    auth.login(approver.email)
    approved = auth.post(
        f"{page}/approve",
        {"password": DEMO_PASSWORD, "effective_on": lab_today().isoformat()},
        form_page=page,
        follow_redirects=True,
    )
    assert "Approved." in approved.text and "valid: bytes match" in approved.text
    auth.logout()
    auth.login(reviewer.email)
    tasks = client.get("/tasks")
    assert f"{document.number} Rev B" in tasks.text
    done = auth.post(
        f"/acknowledgements/{_task_id(rev_b, reviewer)}",
        {"password": DEMO_PASSWORD},
        form_page=page,
        follow_redirects=True,
    )
    assert "read and understood" in done.text and "Nothing to read" in done.text
    signature = db.session.scalar(
        select(Signature).where(Signature.meaning == "read and understood")
    )
    assert signature.signer_id == reviewer.id


def _task_id(revision, user):
    from compliance.documents.models import AcknowledgementTask

    return db.session.scalar(
        select(AcknowledgementTask.id).where(
            AcknowledgementTask.revision_id == revision.id, AcknowledgementTask.user_id == user.id
        )
    )


def test_redline_between_revisions(client, auth, qm):
    from compliance.dates import lab_today
    from compliance.documents import services

    document, rev_a = effective_document(qm)
    rev_b = services.import_effective_revision(
        document,
        data=make_docx(
            f"{document.number} revision A", ("Original step, revised.", "A new paragraph.")
        ),
        filename="b.docx",
        label="B",
        effective_on=lab_today(),
        approved_by=qm,
    )
    db.session.commit()
    auth.login(qm.email)
    page = client.get(f"/revisions/{rev_b.id}/redline?against={rev_a.id}")
    assert page.status_code == 200
    assert '<ins class="redline-ins">A new paragraph.</ins>' in page.text
    assert "redline-ins" in page.text.split("Original step")[1]


def test_dashboard_lists_reviews_due_and_my_tasks(client, auth, qm, make_user):
    effective_document(qm, number="QP-OLD-1", effective_days_ago=800, review_interval_months=24)
    auth.login(qm.email)
    page = client.get("/")
    assert "Periodic reviews overdue or due soon" in page.text and "QP-OLD-1" in page.text
    assert "review overdue since" in page.text


def test_the_dashboard_lists_the_soonest_reviews_and_the_register_filters_the_rest(
    client, auth, qm
):
    # Twelve overdue, the older the sooner due; one not due for years.
    for n in range(12):
        effective_document(
            qm, number=f"QP-DUE-{n:02}", effective_days_ago=800 + n, review_interval_months=24
        )
    effective_document(qm, number="QP-FRESH", effective_days_ago=1, review_interval_months=24)
    auth.login(qm.email)
    page = client.get("/").text
    listed = page.split("Periodic reviews overdue or due soon")[1].split("</section>")[0]
    assert [f"QP-DUE-{n:02}" in listed for n in range(12)] == [False] * 2 + [True] * 10
    assert "2 more in the register" in listed and 'href="/documents/?review=due"' in listed

    register = client.get("/documents/?review=due").text
    assert all(f"QP-DUE-{n:02}" in register for n in range(12))
    assert "QP-FRESH" not in register
    assert "QP-FRESH" in client.get("/documents/").text
