"""The revision life cycle: every transition, every refusal with its message."""

import datetime as dt

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from compliance.audit.models import AuditEntry
from compliance.dates import lab_today
from compliance.documents import services
from compliance.documents.models import AcknowledgementTask, Revision
from compliance.extensions import db
from compliance.signatures.models import Signature
from compliance.signatures.services import SignatureError
from tests.conftest import DEMO_PASSWORD
from tests.factories import effective_document, make_docx


@pytest.fixture
def people(make_user):
    return {
        "qm": make_user("quality_manager", name="Quinn Manager"),
        "approver": make_user("quality_manager", name="Avery Approver"),
        "reviewer": make_user("staff", name="Riley Reviewer"),
        "tech": make_user("staff", name="Tess Tech"),
        "auditor": make_user("auditor"),
    }


def _draft(document, author, text="Revised step."):
    revision = services.add_revision(
        document,
        data=make_docx(f"{document.number} draft", (text,)),
        filename="draft.docx",
        change_summary="Clarified step 2.",
        by=author,
    )
    db.session.commit()
    return revision


def _to_review(document, people):
    revision = _draft(document, people["qm"])
    services.submit_for_review(revision, by=people["qm"])
    services.sign_review(revision, by=people["reviewer"], password=DEMO_PASSWORD)
    db.session.commit()
    return revision


def test_full_cycle_supersedes_and_assigns_reading(people):
    document, rev_a = effective_document(people["qm"], audiences=["role:staff"])
    rev_b = _to_review(document, people)
    assert rev_b.label == "B" and rev_b.state == "in_review"
    services.approve(rev_b, by=people["approver"], password=DEMO_PASSWORD, effective_on=lab_today())
    db.session.commit()
    db.session.refresh(rev_a)
    assert (rev_a.state, rev_b.state) == ("superseded", "effective")
    assert rev_a.superseded_on == lab_today()
    assert services.current_revision(document).id == rev_b.id
    # Reading tasks for exactly the distribution (active staff), due after the grace period.
    tasks = db.session.scalars(
        select(AcknowledgementTask).where(AcknowledgementTask.revision_id == rev_b.id)
    ).all()
    assert {t.user_id for t in tasks} == {people["reviewer"].id, people["tech"].id}
    assert {t.due_on for t in tasks} == {lab_today() + dt.timedelta(days=14)}
    actions = set(
        db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_key == document.number)
        )
    )
    assert {
        "revision.created",
        "revision.submitted",
        "revision.approved",
        "revision.effective",
        "revision.superseded",
        "acknowledgements.assigned",
    } <= actions


def test_future_effective_date_waits_then_supersedes_on_that_day(people):
    document, rev_a = effective_document(people["qm"])
    rev_b = _to_review(document, people)
    start = lab_today() + dt.timedelta(days=10)
    services.approve(rev_b, by=people["approver"], password=DEMO_PASSWORD, effective_on=start)
    db.session.commit()
    assert rev_b.state == "approved" and rev_a.state == "effective"
    assert services.make_due_revisions_effective(start - dt.timedelta(days=1)) == []
    with time_machine.travel(dt.datetime.combine(start, dt.time(9), dt.UTC), tick=False):
        became = services.make_due_revisions_effective()
    assert [r.id for r in became] == [rev_b.id]
    assert (rev_a.state, rev_b.state) == ("superseded", "effective")
    assert rev_a.superseded_on == start


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("approve_draft", "Cannot approve QP-8.3-99 Rev B: it is draft"),
        ("review_draft", "Cannot review QP-8.3-99 Rev B: it is draft"),
        ("reject_draft", "Cannot reject QP-8.3-99 Rev B: it is draft"),
        ("submit_twice", "Cannot send for review QP-8.3-99 Rev B: it is in review"),
        ("author_approves", "The author of QP-8.3-99 Rev B cannot approve it."),
        ("author_reviews", "The author of QP-8.3-99 Rev B cannot review it."),
        ("approve_unreviewed", "needs a review signature before approval"),
        ("approve_past_date", "The effective date must be today"),
        ("reject_without_comment", "rejection needs comments"),
        ("second_draft", "already has revision B draft"),
        ("withdraw_without_reason", "Give a reason for withdrawing"),
        ("replace_file_in_review", "Cannot replace the file of QP-8.3-99 Rev B: it is in review"),
    ],
)
def test_refused_transitions_name_the_rule(people, action, message):
    document, _ = effective_document(people["qm"])
    rev = _draft(document, people["qm"])
    qm, approver, reviewer = people["qm"], people["approver"], people["reviewer"]
    if action not in {
        "approve_draft",
        "review_draft",
        "reject_draft",
        "second_draft",
        "withdraw_without_reason",
    }:
        services.submit_for_review(rev, by=qm)
    calls = {
        "approve_draft": lambda: services.approve(
            rev, by=approver, password=DEMO_PASSWORD, effective_on=lab_today()
        ),
        "review_draft": lambda: services.sign_review(rev, by=reviewer, password=DEMO_PASSWORD),
        "reject_draft": lambda: services.reject(rev, by=reviewer, comment="no"),
        "submit_twice": lambda: services.submit_for_review(rev, by=qm),
        "author_approves": lambda: services.approve(
            rev, by=qm, password=DEMO_PASSWORD, effective_on=lab_today()
        ),
        "author_reviews": lambda: services.sign_review(rev, by=qm, password=DEMO_PASSWORD),
        "approve_unreviewed": lambda: services.approve(
            rev, by=approver, password=DEMO_PASSWORD, effective_on=lab_today()
        ),
        "approve_past_date": lambda: services.approve(
            rev,
            by=approver,
            password=DEMO_PASSWORD,
            effective_on=lab_today() - dt.timedelta(days=1),
        ),
        "reject_without_comment": lambda: services.reject(rev, by=reviewer, comment="  "),
        "second_draft": lambda: _draft(document, qm, "Another"),
        "withdraw_without_reason": lambda: services.withdraw(rev, by=qm, reason=""),
        "replace_file_in_review": lambda: services.replace_draft_file(
            rev, data=make_docx(), filename="x.docx", by=qm
        ),
    }
    with pytest.raises(services.WorkflowError, match=message.replace("(", r"\(")):
        calls[action]()


def test_reject_returns_to_draft_with_comments_then_resubmit(people):
    document, _ = effective_document(people["qm"])
    rev = _draft(document, people["qm"])
    services.submit_for_review(rev, by=people["qm"])
    services.reject(rev, by=people["reviewer"], comment="Step 3 lacks the acceptance limit.")
    assert rev.state == "draft" and "acceptance limit" in rev.rejection_comment
    services.replace_draft_file(
        rev, data=make_docx("Fixed", ("Limit 5 %.",)), filename="f.docx", by=people["qm"]
    )
    services.submit_for_review(rev, by=people["qm"])
    assert rev.state == "in_review" and rev.rejection_comment is None


def test_withdraw_effective_revision_leaves_no_current(people):
    document, rev_a = effective_document(people["qm"])
    services.withdraw(rev_a, by=people["qm"], reason="Method removed from scope")
    assert rev_a.state == "withdrawn" and services.current_revision(document) is None


def test_wrong_signature_password_refused_and_counted(people):
    document, _ = effective_document(people["qm"])
    rev = _draft(document, people["qm"])
    services.submit_for_review(rev, by=people["qm"])
    with pytest.raises(SignatureError, match="password is not correct"):
        services.sign_review(rev, by=people["reviewer"], password="Wrong-password-1")
    assert people["reviewer"].failed_logins == 1
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Signature)
            .where(Signature.subject_id == rev.id, Signature.subject_type == "revision")
        )
        == 0
    )


def test_signature_binds_the_bytes(people):
    document, _ = effective_document(people["qm"])
    rev = _to_review(document, people)
    (review,) = [
        s
        for s in db.session.scalars(
            select(Signature).where(
                Signature.subject_type == "revision", Signature.subject_id == rev.id
            )
        )
    ]
    assert review.printed_name == "Riley Reviewer" and review.meaning == "reviewed"
    assert review.binds(rev.file_sha256)
    assert not review.binds(services.content_hash(make_docx("tampered")))


def test_one_effective_revision_enforced_by_the_database(people):
    document, rev_a = effective_document(people["qm"])
    rev_b = _draft(document, people["qm"])
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(
            Revision.__table__.update().where(Revision.id == rev_b.id).values(state="effective")
        )


def test_periodic_review_restarts_the_interval(people):
    document, rev_a = effective_document(
        people["qm"], effective_days_ago=800, review_interval_months=24
    )
    assert services.next_review_on(document, rev_a) < lab_today()
    services.periodic_review(
        document, by=people["approver"], password=DEMO_PASSWORD, comment="Still accurate"
    )
    assert document.last_reviewed_on == lab_today()
    assert services.next_review_on(document, rev_a) > lab_today() + dt.timedelta(days=700)


def test_acknowledge_with_signature(people):
    document, _ = effective_document(people["qm"], audiences=["role:staff"])
    rev_b = _to_review(document, people)
    services.approve(rev_b, by=people["approver"], password=DEMO_PASSWORD, effective_on=lab_today())
    (task,) = [t for t in services.open_tasks_for(people["tech"])]
    with pytest.raises(services.WorkflowError, match="only acknowledge your own"):
        services.acknowledge(task, by=people["reviewer"], password=DEMO_PASSWORD)
    signature = services.acknowledge(task, by=people["tech"], password=DEMO_PASSWORD)
    assert signature.meaning == "read and understood" and signature.binds(rev_b.file_sha256)
    assert task.acknowledged_at is not None and services.open_tasks_for(people["tech"]) == []
    with pytest.raises(services.WorkflowError, match="already acknowledged"):
        services.acknowledge(task, by=people["tech"], password=DEMO_PASSWORD)


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("QP-8.3-01", True),
        ("TM-AS6171/2", True),
        ("qp-7.2-03", True),
        ("no spaces", False),
        ("X", False),
        ("", False),
    ],
)
def test_document_number_scheme(people, number, ok):
    if ok:
        assert services.validate_number(number) == number.upper()
    else:
        with pytest.raises(services.WorkflowError, match="is not a document number"):
            services.validate_number(number)


def test_duplicate_number_and_unknown_clause_refused(people):
    effective_document(people["qm"], number="QP-8.3-01")
    with pytest.raises(services.WorkflowError, match="already registered"):
        services.create_document(
            number="qp-8.3-01",
            title="Again",
            doc_type="procedure",
            owner=people["qm"],
            review_interval_months=12,
            by=people["qm"],
        )
    with pytest.raises(services.WorkflowError, match="Unknown ISO/IEC 17025:2017 clause"):
        services.create_document(
            number="QP-9",
            title="X",
            doc_type="procedure",
            owner=people["qm"],
            review_interval_months=12,
            clauses=["9.9.9"],
            by=people["qm"],
        )


def test_labels_follow_the_scheme():
    assert [services._label_at(i, "letters") for i in (0, 1, 25, 26, 27)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
    ]
    assert [services._label_at(i, "numbers") for i in (0, 9)] == ["1", "10"]
