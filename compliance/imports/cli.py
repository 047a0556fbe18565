"""`flask --app compliance import KIND FILE`: one command group, one way of reporting.

Each domain adds its command with `import_command(name, spec_builder)`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from flask.cli import AppGroup

from compliance.extensions import db
from compliance.imports.fields import check_date_format
from compliance.imports.runner import ImportResult

import_cli = AppGroup("import", help="Import records from .csv or .xlsx spreadsheets.")


def _date_format(ctx, param, value: str | None) -> str | None:
    if value is not None:
        try:
            check_date_format(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def date_format_option(function):
    return click.option(
        "--date-format",
        callback=_date_format,
        help="strptime format of text dates, e.g. %d/%m/%Y (default YYYY-MM-DD).",
    )(function)


def finish(result: ImportResult, *, dry_run: bool = False) -> None:
    """Commit or roll back, print `FILE:ROW: column: message` lines or the summary, set the exit."""
    if not result.ok:
        db.session.rollback()
        for line in result.error_lines():
            click.echo(line, err=True)
        click.echo(result.summary_line(), err=True)
        sys.exit(1)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(result.summary_line())


def import_command(name: str, run: Callable[..., ImportResult], help_text: str):
    """Register `flask import NAME FILE [--date-format F] [--dry-run]` calling run(path, ...)."""

    @import_cli.command(name, help=help_text)
    @click.argument("path", type=click.Path(dir_okay=False))
    @date_format_option
    @click.option("--dry-run", is_flag=True, help="Check every row and say what would change.")
    def command(path: str, date_format: str | None, dry_run: bool) -> None:
        try:
            result = run(path, date_format=date_format, apply=not dry_run)
        except Exception:
            db.session.rollback()
            raise
        finish(result, dry_run=dry_run)

    return command
