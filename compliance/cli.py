"""Registers every domain's `flask --app compliance ...` command group."""

from flask import Flask


def register_cli(app: Flask) -> None:
    import compliance.equipment.imports  # noqa: F401  (registers the equipment import kinds)
    import compliance.personnel.imports  # noqa: F401  (registers the personnel import kinds)
    from compliance.audit.cli import audit_cli
    from compliance.clauses.cli import clauses_cli
    from compliance.demo.cli import demo_cli
    from compliance.documents.cli import documents_cli
    from compliance.gaps.cli import gaps_command
    from compliance.imports.cli import import_cli
    from compliance.users.cli import users_cli

    for group in (users_cli, audit_cli, demo_cli, documents_cli, import_cli, clauses_cli):
        app.cli.add_command(group)
    app.cli.add_command(gaps_command)

    from compliance.reminders.cli import remind_command

    app.cli.add_command(remind_command)

    from compliance.backup.cli import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
