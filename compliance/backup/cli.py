"""`flask --app compliance backup OUT` and `flask --app compliance restore IN [--check]`."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from compliance.backup.archive import BackupError, check_archive, create_backup, restore_backup


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@with_appcontext
def backup_command(out: str, force: bool) -> None:
    """Write every table, the stored files and the audit anchor to the archive OUT.

    The archive is sealed with a key derived from the audit key: restore it into an instance
    that has the same AUDIT_HMAC_KEY (or the same instance/audit_hmac_key file).
    """
    try:
        summary = create_backup(out, overwrite=force)
    except BackupError as error:
        click.echo(f"backup refused: {error}", err=True)
        sys.exit(1)
    click.echo(f"backup written: {summary.line()}")


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--check", is_flag=True, help="Check the archive completely; write nothing.")
@with_appcontext
def restore_command(archive: str, check: bool) -> None:
    """Restore ARCHIVE into this instance's empty, freshly migrated database.

    Every member's SHA-256, the manifest's seal and the archived audit chain are checked
    before anything is written; the rows go in in one transaction, all or nothing.
    """
    try:
        summary = check_archive(archive) if check else restore_backup(archive)
    except BackupError as error:
        click.echo(f"restore refused: {error}", err=True)
        sys.exit(1)
    if check:
        click.echo(f"archive intact: {summary.line()}")
        return
    click.echo(f"restored: {summary.line()}")
    if summary.kept:
        click.echo(f"left as migrated (equal to the archive): {', '.join(summary.kept)}")
    click.echo(f"audit verify: {summary.verify_message}")
    if summary.verify_message and summary.verify_message.startswith("BROKEN"):
        sys.exit(1)
