"""manage.py backup [--output FILE]: database and evidence files in one .tar.gz (see tracker.ops.backup)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the evidence files into one archive."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="archive path (default: BACKUP_DIR/tracker-<time>.tar.gz)")

    def handle(self, *args, output: Path | None, **options):
        output = output or Path(settings.BACKUP_DIR) / f"tracker-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"
        try:
            manifest = backup_create(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest.counts.values())
        self.stdout.write(f"{output}: {manifest.vendor}, {rows} rows, {manifest.media_files} files")
