"""`vecml-local backup DEST` and `vecml-local restore SRC` (registered by cli.py; logic in services/backup.py)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["add_backup_commands"]


def add_backup_commands(
    commands: Any, common: Callable[[argparse.ArgumentParser], None], settings_of: Callable[[argparse.Namespace], Any]
) -> None:
    def run_backup(args: argparse.Namespace) -> int:
        from .services.backup import BackupError, backup

        settings = settings_of(args)
        try:
            report = backup(settings.data_dir, settings.resolved_database_url(), Path(args.dest))
        except BackupError as error:
            print(f"backup failed: {error}", file=sys.stderr)
            return 1
        print(f"backup written to {args.dest}: {report.files} files, {report.bytes} bytes, database {report.database}")
        return 0

    def run_restore(args: argparse.Namespace) -> int:
        from .services.backup import BackupError, restore

        settings = settings_of(args)
        try:
            report = restore(Path(args.source), settings.data_dir)
        except BackupError as error:
            print(f"restore failed: {error}", file=sys.stderr)
            return 1
        print(f"restored into {settings.data_dir}: {report.files} files, database {report.database}")
        return 0

    backup = commands.add_parser("backup", help="copy a (running) server's data to a new directory")
    backup.add_argument("dest", help="a new or empty directory")
    common(backup)
    backup.set_defaults(handler=run_backup)
    restore = commands.add_parser("restore", help="restore a backup into a new or empty data dir")
    restore.add_argument("source", help="a directory written by vecml-local backup")
    common(restore)
    restore.set_defaults(handler=run_restore)
