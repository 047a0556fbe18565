"""`flask --app compliance documents ...`: import an existing library, activate due revisions."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from compliance.dates import lab_today
from compliance.documents.imports import import_manifest
from compliance.documents.services import make_due_revisions_effective
from compliance.extensions import db
from compliance.imports.cli import date_format_option, finish

documents_cli = AppGroup("documents", help="Document control.")


@documents_cli.command("import")
@click.argument("manifest", type=click.Path(dir_okay=False))
@date_format_option
@click.option("--dry-run", is_flag=True, help="Check every row and say what would change.")
def import_command(manifest: str, date_format: str | None, dry_run: bool) -> None:
    """Import .docx files listed in MANIFEST (.csv or .xlsx) as effective revisions.

    Columns: number,title,type,revision,effective_on,review_interval_months,file,clauses,
    approved_by. All rows or none: any error is printed as FILE:ROW: column: message.
    """
    try:
        result = import_manifest(manifest, date_format=date_format, apply=not dry_run)
    except Exception:
        db.session.rollback()
        raise
    finish(result, dry_run=dry_run)


@documents_cli.command("activate")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Date to activate up to (YYYY-MM-DD, not after today; default today).",
)
def activate_command(as_of) -> None:
    """Make approved revisions whose effective date has come effective (run daily from cron)."""
    today = lab_today()
    day = as_of.date() if as_of is not None else today
    if day > today:
        raise click.BadParameter(
            f"{day.isoformat()} is after today ({today.isoformat()}); a revision cannot take "
            "effect early",
            param_hint="--as-of",
        )
    revisions = make_due_revisions_effective(day)
    db.session.commit()
    for revision in revisions:
        click.echo(f"{revision.display} effective from {revision.effective_on.isoformat()}")
    if not revisions:
        click.echo(f"No approved revision was due on or before {day.isoformat()}.")
