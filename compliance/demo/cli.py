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


@demo_cli.command("generate")
@click.option(
    "--scale",
    type=float,
    default=1.0,
    show_default=True,
    help="Sites of 50 people, 250 items, 75 documents and 8 methods (fractions allowed).",
)
@click.option("--seed", type=int, default=17025, show_default=True, help="Random seed.")
def generate_command(scale, seed):
    """Generate a synthetic lab network with years of history into an empty database."""
    import time

    from compliance.demo.generate import GenerateError, generate

    started = time.monotonic()
    bar = None

    def on_total(total):
        nonlocal bar
        click.echo(f"built {total:,} rows in {time.monotonic() - started:.1f} s; writing")
        bar = click.progressbar(length=total, label="inserting", file=sys.stderr)
        bar.__enter__()

    def on_phase(name):
        click.echo(f"{time.monotonic() - started:6.1f} s  building {name}", err=True)

    try:
        result = generate(
            scale,
            seed,
            progress=lambda n: bar.update(n),
            on_total=on_total,
            on_phase=on_phase,
        )
    except GenerateError as error:
        db.session.rollback()
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(f"generated scale {scale:g} (seed {seed}) in {time.monotonic() - started:.1f} s:")
    for table, count in sorted(result.counts.items()):
        click.echo(f"  {table:32} {count:>10,}")
    click.echo(f"logins (password {result.password!r}):")
    for who, (name, email) in result.logins.items():
        click.echo(f"  {who:18} {name} <{email}>")
