"""`flask --app compliance users create`: the contract labs script against."""

import pytest
from sqlalchemy import select

from compliance.extensions import db
from compliance.users.models import User


def _run(app, *args, stdin=None):
    return app.test_cli_runner().invoke(args=["users", *args], input=stdin)


def test_create_with_two_roles_from_stdin(app):
    result = _run(
        app,
        "create",
        "--email",
        "Tech@Lab.test",
        "--name",
        "Tess Tech",
        "--role",
        "staff",
        "--role",
        "auditor",
        "--password-stdin",
        stdin="Probe-station-2291\n",
    )
    assert result.exit_code == 1  # auditors need a window: refused, clearly
    assert "access window" in result.output
    ok = _run(
        app,
        "create",
        "--email",
        "Tech@Lab.test",
        "--name",
        "Tess Tech",
        "--role",
        "staff",
        "--role",
        "quality_manager",
        "--password-stdin",
        stdin="Probe-station-2291\n",
    )
    assert ok.exit_code == 0, ok.output
    user = db.session.scalar(select(User).where(User.email == "tech@lab.test"))
    assert user.roles == {"staff", "quality_manager"}


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--role", "wizard"], "Probe-station-2291\n", "Unknown role 'wizard'"),
        (["--role", "staff"], "password123456\n", "too common"),
        (["--role", "staff"], "short\n", "at least 12 characters"),
    ],
)
def test_create_refuses_bad_input_with_exit_1(app, args, stdin, message):
    result = _run(
        app,
        "create",
        "--email",
        "x@lab.test",
        "--name",
        "X Person",
        *args,
        "--password-stdin",
        stdin=stdin,
    )
    assert result.exit_code == 1 and message in result.output
    assert db.session.scalar(select(User).where(User.email == "x@lab.test")) is None


def test_duplicate_email_exit_1(app, make_user):
    existing = make_user("staff")
    result = _run(
        app,
        "create-admin",
        "--email",
        existing.email,
        "--name",
        "Dup",
        "--password-stdin",
        stdin="Probe-station-2291\n",
    )
    assert result.exit_code == 1 and "already exists" in result.output


def test_create_admin_prompts_for_password(app):
    result = _run(
        app,
        "create-admin",
        "--email",
        "boss@lab.test",
        "--name",
        "Bo Ss",
        stdin="Probe-station-2291\nProbe-station-2291\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "boss@lab.test"))
    assert user.roles == {"admin"}
