"""Object-level access: what a role may open depends on the record's state, not only the page."""

from __future__ import annotations

import pytest

from compliance.dates import lab_today
from compliance.documents import services as documents
from compliance.extensions import db
from tests.conftest import DEMO_PASSWORD
from tests.factories import effective_document, make_docx

pytestmark = pytest.mark.requirement("REQ-SEC-04")


@pytest.fixture
def revisions(make_user):
    """Rev A superseded by an effective Rev B, and a draft Rev C."""
    qm, approver, reviewer = (
        make_user("quality_manager"),
        make_user("quality_manager"),
        make_user("staff"),
    )
    document, rev_a = effective_document(qm, number="QP-ACL-01")
    rev_b = documents.add_revision(
        document, data=make_docx("B", ("Changed.",)), filename="b.docx", change_summary="b", by=qm
    )
    documents.submit_for_review(rev_b, by=qm)
    documents.sign_review(rev_b, by=reviewer, password=DEMO_PASSWORD)
    documents.approve(rev_b, by=approver, password=DEMO_PASSWORD, effective_on=lab_today())
    rev_c = documents.add_revision(
        document, data=make_docx("C", ("Draft.",)), filename="c.docx", change_summary="c", by=qm
    )
    db.session.commit()
    assert (rev_a.state, rev_b.state, rev_c.state) == ("superseded", "effective", "draft")
    return rev_a, rev_b, rev_c


def _status(client, path: str) -> int:
    response = client.get(path)
    response.close()
    return response.status_code


def test_an_auditor_sees_effective_and_obsolete_revisions_but_no_draft(
    client, auth, make_user, revisions
):
    superseded, effective, draft = revisions
    auth.login(make_user("auditor").email)
    assert _status(client, f"/revisions/{effective.id}") == 200
    assert _status(client, f"/revisions/{superseded.id}") == 200
    for path in (
        f"/revisions/{draft.id}",
        f"/revisions/{draft.id}/download",
        f"/revisions/{effective.id}/redline?against={draft.id}",
        f"/revisions/{draft.id}/redline?against={effective.id}",
    ):
        assert _status(client, path) == 403, path
    page = client.get(f"/documents/{effective.document_id}").text
    assert f'/revisions/{draft.id}"' not in page


def test_staff_never_open_a_superseded_revision(client, auth, make_user, revisions):
    superseded, effective, _ = revisions
    auth.login(make_user("staff").email)
    assert _status(client, f"/revisions/{effective.id}") == 200
    for path in (
        f"/revisions/{superseded.id}",
        f"/revisions/{superseded.id}/download",
        f"/revisions/{effective.id}/redline?against={superseded.id}",
    ):
        assert _status(client, path) == 403, path


def test_a_reading_task_is_acknowledged_only_by_its_owner(client, auth, make_user, revisions):
    from compliance.documents.models import AcknowledgementTask

    _, effective, _ = revisions
    owner, other = make_user("staff"), make_user("staff")
    task = AcknowledgementTask(revision_id=effective.id, user_id=owner.id, due_on=lab_today())
    db.session.add(task)
    db.session.commit()
    auth.login(other.email)
    page = f"/revisions/{effective.id}"
    answer = auth.post(f"/acknowledgements/{task.id}", {"password": DEMO_PASSWORD}, form_page=page)
    assert answer.status_code == 403
    db.session.refresh(task)
    assert task.acknowledged_at is None
