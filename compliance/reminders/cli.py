"""`flask --app compliance remind [--as-of DATE] [--dry-run]`: send today's digests, once.

Run it from cron as often as you like (e.g. hourly): each digest goes out once per period.
"""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

from compliance.reminders.services import run_reminders


def _as_of(ctx, param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date like 2026-03-31, got {value!r}") from None


@click.command("remind")
@click.option("--as-of", callback=_as_of, help="Compose the digests as of this date (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Print the digests; send and record nothing.")
@with_appcontext
def remind_command(as_of, dry_run):
    """E-mail each person a digest of what they must do (and the quality manager the lab's
    findings). Failed sends are retried by the next run; they never stop this one."""
    result = run_reminders(as_of, dry_run=dry_run)
    if dry_run:
        for outgoing in result.outgoing:
            click.echo(f"=== To: {outgoing.name} <{outgoing.email}> [{outgoing.period}]")
            click.echo(f"Subject: {outgoing.subject}\n")
            click.echo(outgoing.text)
    for email in result.sent:
        click.echo(f"sent       {email}")
    for email, error in result.failed:
        click.echo(f"FAILED     {email}: {error} (retried next run)", err=True)
    click.echo(result.summary())
