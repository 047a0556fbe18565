"""`flask --app compliance gaps [--as-of DATE] [--format text|json] [--fail-on LEVEL]`.

A contract labs run from cron: the JSON shape and the exit codes do not change.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from compliance.extensions import db
from compliance.gaps.engine import evaluate, snapshot

FAIL_LEVELS = {"blocker": ("blocker",), "warning": ("blocker", "warning")}


def _as_of(ctx, param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date like 2026-03-31, got {value!r}") from None


@click.command("gaps")
@click.option("--as-of", callback=_as_of, help="Evaluate as of this date (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--fail-on",
    type=click.Choice(["blocker", "warning"]),
    help="Exit 1 if any open finding is at least this severe.",
)
@with_appcontext
def gaps_command(as_of, fmt, fail_on):
    """List every gap an assessor would find, as of a date."""
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        evaluation = evaluate(as_of)
        snapshot(evaluation)
    db.session.commit()
    if fmt == "json":
        click.echo(json.dumps(evaluation.as_json(), indent=2))
    else:
        for f in evaluation.findings:
            due = f" (due {f.due_on})" if f.due_on else ""
            state = " [accepted]" if f.accepted else ""
            click.echo(
                f"{f.severity.value.upper():8} {f.rule:20} {f.clause:8} "
                f"{f.subject_type} {f.subject_key}{due}{state}: {f.message}"
            )
        summary = evaluation.summary()
        click.echo(
            f"as of {evaluation.as_of}: {summary['blocker']} blocker, "
            f"{summary['warning']} warning, {summary['info']} info"
        )
    if fail_on and any(evaluation.summary()[level] for level in FAIL_LEVELS[fail_on]):
        sys.exit(1)
