"""The demo lab loads into an empty database and its quality manager lands on a dashboard."""

from sqlalchemy import func, select

from compliance.audit.services import verify
from compliance.demo.lab import DEMO_PASSWORD, PEOPLE
from compliance.extensions import db
from compliance.users.models import User


def test_demo_load_then_qm_sees_dashboard(app, client, auth):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == len(PEOPLE)
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
