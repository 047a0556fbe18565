"""Readiness dashboard, clause pages, acceptance, and the log of what auditors opened."""

import datetime as dt

from sqlalchemy import select

from compliance.audit.models import AuditEntry, PageView
from compliance.dates import lab_today
from compliance.extensions import db
from compliance.gaps.engine import evaluate
from compliance.gaps.models import FindingAcceptance, GapSnapshot
from tests.factories import effective_document


def test_readiness_dashboard_groups_and_links_to_the_fix(client, auth, make_user):
    qm = make_user("quality_manager")
    document, _ = effective_document(
        qm, number="QP-OLD-1", effective_days_ago=800, review_interval_months=24, clauses=["8.3"]
    )
    auth.login(qm.email)
    page = client.get("/readiness")
    assert page.status_code == 200
    assert "Clause 8.3" in page.text and "DOC-REVIEW-OVERDUE" in page.text
    assert f'href="/documents/{document.id}"' in page.text  # one click to the fixing record
    assert "Readiness by chapter" in page.text
    later = client.get(f"/readiness?as_of={(lab_today() + dt.timedelta(days=400)).isoformat()}")
    assert later.status_code == 200
    bad = client.get("/readiness?as_of=yesterday")
    assert bad.status_code == 200 and "is not a date" in bad.text


def test_planned_assessment_date_is_saved_audited_and_used(client, auth, make_user):
    qm = make_user("quality_manager")
    auth.login(qm.email)
    day = lab_today() + dt.timedelta(days=45)
    response = auth.post(
        "/readiness/assessment-date",
        {"assessment_on": day.isoformat()},
        form_page="/readiness",
        follow_redirects=True,
    )
    assert f"Findings as of <strong>{day}</strong>" in response.text
    assert (
        db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "lab.assessment_date")
        ).changes["assessment_on"][1]
        == day.isoformat()
    )


def test_accept_finding_through_the_page(client, auth, make_user):
    qm = make_user("quality_manager")
    auth.login(qm.email)
    response = auth.post(
        "/findings/accept",
        {
            "ident": "CLAUSE-NO-EVIDENCE:clause:7.3",
            "rule": "CLAUSE-NO-EVIDENCE",
            "reason": "No sampling in our scope",
        },
        form_page="/readiness",
        follow_redirects=True,
    )
    assert "accepted as not applicable" in response.text
    assert "accepted: No sampling in our scope" in response.text
    assert db.session.scalar(select(FindingAcceptance)).accepted_by_id == qm.id
    refused = auth.post(
        "/findings/accept",
        {"ident": "X", "rule": "CLAUSE-NO-EVIDENCE", "reason": ""},
        form_page="/readiness",
        follow_redirects=True,
    )
    assert "Say why the finding does not apply." in refused.text


def test_clause_page_lists_evidence_and_manual_links(client, auth, make_user):
    qm = make_user("quality_manager")
    effective_document(qm, number="QP-8.3-01", clauses=["8.3.2"])
    auth.login(qm.email)
    page = client.get("/clauses/8.3")
    assert page.status_code == 200 and "QP-8.3-01 Rev A" in page.text
    linked = auth.post(
        "/clauses/7.3/links",
        {
            "record_type": "statement",
            "record_key": "SOP-0",
            "note": "Sampling is outside our scope",
        },
        form_page="/clauses/7.3",
        follow_redirects=True,
    )
    assert "Evidence linked." in linked.text and "Sampling is outside our scope" in linked.text
    matrix = client.get("/clauses/")
    assert matrix.status_code == 200 and "8.3" in matrix.text


def test_auditor_page_views_are_logged_and_visible_to_the_qm(client, auth, make_user):
    qm = make_user("quality_manager")
    auditor = make_user("auditor", name="Ada Assessor")
    auth.login(auditor.email)
    assert client.get("/clauses/6.4").status_code == 200
    assert client.get("/documents/").status_code == 200
    paths = [
        v.path for v in db.session.scalars(select(PageView).where(PageView.user_id == auditor.id))
    ]
    assert "/clauses/6.4" in paths and "/documents/" in paths
    # The auditor can change nothing.
    assert (
        auth.post(
            "/clauses/6.4/links",
            {"record_type": "x", "record_key": "y", "note": "z"},
            form_page="/clauses/6.4",
        ).status_code
        == 403
    )
    assert client.get("/readiness").status_code == 403
    auth.logout()
    auth.login(qm.email)
    log = client.get("/access-log/")
    assert "Ada Assessor" in log.text and "/clauses/6.4" in log.text
    assert db.session.scalar(select(PageView).where(PageView.user_id == qm.id)) is None


def test_readiness_keeps_one_snapshot_a_day_and_reports_changes_since_last_week(
    app, client, auth, make_user
):
    qm = make_user("quality_manager")
    auth.login(qm.email)
    today = lab_today()
    # A week ago the lab had one finding that is gone today.
    db.session.add(
        GapSnapshot(
            taken_on=today - dt.timedelta(days=8),
            findings={"OLD-RULE:clause:9.9": ["blocker", "OLD-RULE", "Fixed since"]},
        )
    )
    db.session.flush()
    assessment = today + dt.timedelta(days=60)
    auth.post(
        "/readiness/assessment-date",
        {"assessment_on": assessment.isoformat()},
        form_page="/readiness",
    )

    page = client.get("/readiness")
    db.session.expire_all()
    assert f"Compared with the findings recorded on {today - dt.timedelta(days=8)}" in page.text
    assert "1 resolved" in page.text and "Fixed since" in page.text
    kept = db.session.get(GapSnapshot, today)
    with app.test_request_context():
        now = {f.ident for f in evaluate(today).open}
    assert set(kept.findings) == now and now  # today's findings, not the assessment date's

    # Later views the same day, as of the assessment date, leave today's snapshot as it was.
    kept.findings = {"MARKER": ["info", "X", "marker"]}
    db.session.flush()
    assert client.get("/readiness").status_code == 200
    db.session.expire_all()  # the request wrote through its own session
    assert db.session.get(GapSnapshot, today).findings == {"MARKER": ["info", "X", "marker"]}
    # A view as of today refreshes it from the evaluation in hand.
    assert client.get(f"/readiness?as_of={today.isoformat()}").status_code == 200
    db.session.expire_all()
    assert set(db.session.get(GapSnapshot, today).findings) == now
