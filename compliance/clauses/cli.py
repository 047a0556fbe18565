"""`flask --app compliance clauses load`: bring the clause catalogues into the database."""

import click
from flask.cli import AppGroup

from compliance.clauses.catalogue import load_catalogues
from compliance.extensions import db

clauses_cli = AppGroup("clauses", help="The clause catalogues (ISO/IEC 17025:2017, ANAB).")


@clauses_cli.command("load")
def load_command():
    """Insert new clauses and refresh changed ones (safe to run again)."""
    created, updated = load_catalogues()
    db.session.commit()
    click.echo(f"clauses: {created} created, {updated} updated")
