"""`flask --app compliance users ...`: create accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from compliance.extensions import db
from compliance.permissions import Role
from compliance.users import services
from compliance.users.passwords import WeakPassword

users_cli = AppGroup("users", help="Manage user accounts.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _create(email: str, name: str, roles: tuple[str, ...], password_stdin: bool) -> None:
    password = _read_password(password_stdin)
    try:
        user = services.create_user(
            email=email, name=name, roles=roles, password=password, reason="created from the CLI"
        )
    except (services.AccountError, WeakPassword) as error:
        db.session.rollback()
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"created {user.email} with roles {', '.join(sorted(r.value for r in user.roles))}")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help="admin, quality_manager, staff or auditor; repeatable.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_command(email, name, roles, password_stdin):
    """Create a user account."""
    _create(email, name, roles, password_stdin)


@users_cli.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_admin_command(email, name, password_stdin):
    """Create an administrator account."""
    _create(email, name, (Role.ADMIN.value,), password_stdin)


@users_cli.command("list")
def list_command():
    """List accounts with their roles and state."""
    from sqlalchemy import select

    from compliance.users.models import User

    for user in db.session.scalars(select(User).order_by(User.email)):
        state = "active" if user.is_active else "deactivated"
        roles = ",".join(sorted(r.value for r in user.roles))
        click.echo(f"{user.email}\t{user.name}\t{roles}\t{state}")
