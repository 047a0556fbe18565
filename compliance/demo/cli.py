"""`flask --app compliance demo load`: the demo lab, into an empty database."""

import sys

import click
from flask.cli import AppGroup

from compliance.demo.loader import DemoError, load_demo
from compliance.extensions import db

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing (exit 0) when the database has users.")
def load_command(if_empty):
    """Load the demo lab into an empty database."""
    try:
        message = load_demo()
    except DemoError as error:
        db.session.rollback()
        if if_empty:
            click.echo(f"demo lab not loaded: {error}")
            return
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(message)
