"""The demo lab loads into an empty database, its quality manager lands on a dashboard, and the
gap engine finds exactly what the domain loaders planted: nothing spurious (issue 7, item 8)."""

import datetime as dt
import json

import time_machine
from sqlalchemy import func, select

from compliance.audit.services import verify
from compliance.demo.lab import DEMO_PASSWORD, PEOPLE
from compliance.extensions import db
from compliance.users.models import User

ACK_LATE = {
    "aisha.bello",
    "grace.okafor",
    "hannah.becker",
    "jamal.carter",
    "kenji.watanabe",
    "oliver.grant",
    "rachel.stein",
    "tomasz.nowak",
}
# (rule, severity, subject key): each one planted on purpose (see the demo loaders' docstrings).
PLANTED = {
    ("DOC-REVIEW-OVERDUE", "blocker", "QP-6.6-01"),
    ("DOC-REVIEW-OVERDUE", "blocker", "TM-AS6171-8"),
    ("DOC-REVIEW-OVERDUE", "blocker", "QP-8.8-01"),
    ("DOC-REVIEW-OVERDUE", "warning", "QP-8.4-01"),
    ("DOC-REVIEW-OVERDUE", "warning", "TM-AS6171-6"),
    ("PT-DUE", "blocker", "AS6171/6"),
    ("PROVIDER-LAPSED", "blocker", "Northgate Instruments Calibration"),
    ("CA-OVERDUE", "blocker", "NC-2026-002"),
    ("CA-OVERDUE", "warning", "NC-2026-003"),
    ("MR-OVERDUE", "blocker", "management reviews"),
    ("TRN-EXPIRED", "blocker", "E1006"),
    ("TRN-EXPIRED", "blocker", "E1009"),
    ("TRN-EXPIRED", "warning", "E1005"),
    ("AUTH-UNQUALIFIED", "blocker", "E1009"),
    ("CAL-OVERDUE", "blocker", "EQ-CAL-01"),
    ("CAL-NOT-TRACEABLE", "blocker", "EQ-ENV-01"),
    ("CAL-OOT-UNASSESSED", "blocker", "EQ-CT-01"),
    ("CHECK-OVERDUE", "blocker", "EQ-CSAM-01"),
    ("CHECK-OVERDUE", "warning", "EQ-XRF-01"),
    ("CHECK-OVERDUE", "warning", "EQ-BAL-01"),
    *(("IA-OVERDUE", "warning", clause) for clause in ("6.1", "6.3", "7.3", "7.11")),
    # TM-AS6171-5 Rev C: two more readers late; QP-6.2-01 Rev C: the eight above.
    *(
        ("DOC-ACK-OVERDUE", "warning", f"{name}@meridian-lab.example")
        for name in ACK_LATE | {"mei.zhou", "sofia.marin"}
    ),
}


def test_demo_load_then_qm_sees_dashboard_with_only_the_planted_gaps(app, client, auth):
    # A fixed day: the demo's dates are relative to today, month ends included.
    with time_machine.travel(dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC), tick=True):
        runner = app.test_cli_runner()
        result = runner.invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        assert db.session.scalar(select(func.count()).select_from(User)) == len(PEOPLE)

        gaps = runner.invoke(args=["gaps", "--format", "json"])
        findings = json.loads(gaps.output)["findings"]
        found = {(f["rule"], f["severity"], f["subject"]["key"]) for f in findings}
        assert found == PLANTED
        acks = [f for f in findings if f["rule"] == "DOC-ACK-OVERDUE"]
        assert len(acks) == 2 * len(ACK_LATE) + 2

        qm = next(p for p in PEOPLE if p.roles == ("quality_manager",))
        response = auth.login(qm.email, DEMO_PASSWORD, follow_redirects=True)
        assert response.status_code == 200
        assert "Dashboard" in response.text and qm.name in response.text
        assert verify().ok


def test_demo_refuses_a_database_with_users_but_if_empty_exits_0(app, make_user):
    make_user("admin")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["demo", "load"])
    assert refused.exit_code == 1 and "already has users" in refused.output
    skipped = runner.invoke(args=["demo", "load", "--if-empty"])
    assert skipped.exit_code == 0 and "not loaded" in skipped.output
