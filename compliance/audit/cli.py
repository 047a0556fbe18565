"""`flask --app compliance audit verify`: walk the chain, exit non-zero at the first bad entry."""

import sys

import click
from flask.cli import AppGroup

from compliance.audit.services import verify

audit_cli = AppGroup("audit", help="Audit trail tools.")


@audit_cli.command("verify")
def verify_command():
    """Verify every entry's hash chain and the tail against the anchor."""
    result = verify()
    if result.ok:
        click.echo(result.message)
        return
    click.echo(f"audit trail BROKEN: {result.message}", err=True)
    sys.exit(1)
