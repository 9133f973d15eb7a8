"""manage.py restore FILE: replace the database and the evidence files with a backup's (checked first)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tracker.ops.backup import BackupError
from tracker.ops.restore import backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup`, replacing the current data and files."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args, archive: Path, interactive: bool, **options):
        if not archive.is_file():
            raise CommandError(f"{archive} does not exist")
        if interactive:
            name = connection.settings_dict["NAME"]
            answer = input(f"This replaces every row of database {name} and every evidence file. Type 'yes': ")
            if answer.strip() != "yes":
                raise CommandError("restore cancelled")
        try:
            manifest = backup_restore(archive=archive)
        except BackupError as exc:
            raise CommandError(f"{exc}; nothing was changed") from exc
        rows = sum(manifest.counts.values())
        self.stdout.write(f"restored {archive} ({manifest.created_at}): {rows} rows, {manifest.media_files} files")
