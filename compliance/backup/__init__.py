"""Backup and restore (clause 8.4 records protection): one sealed archive per backup."""

from compliance.backup.archive import (
    BackupError,
    BackupSummary,
    check_archive,
    create_backup,
    restore_backup,
)

__all__ = ["BackupError", "BackupSummary", "check_archive", "create_backup", "restore_backup"]
