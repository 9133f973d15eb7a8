"""manage.py restore_drill [FILE]: prove a backup restores, without touching the live data.

Restores the archive (default: the newest in BACKUP_DIR) into a scratch database, compares every
table's row count and every file's checksum with the manifest, prints the figures, drops the
scratch database. Exit status 1 when anything differs.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tracker.ops.backup import BackupError
from tracker.ops.restore import backup_verify


class Command(BaseCommand):
    help = "Restore a backup into a scratch database and compare it with its manifest (live data untouched)."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, nargs="?")

    def handle(self, *args, archive: Path | None, **options):
        if archive is None:
            found = sorted(Path(settings.BACKUP_DIR).glob("tracker-*.tar.gz"), key=lambda p: p.stat().st_mtime)
            if not found:
                raise CommandError(f"no backup in {settings.BACKUP_DIR}")
            archive = found[-1]
        if not archive.is_file():
            raise CommandError(f"{archive} does not exist")
        started = time.monotonic()
        try:
            with backup_verify(archive=archive) as verified:
                manifest = verified.manifest
                rows = sum(verified.scratch_counts.values())
        except BackupError as exc:
            raise CommandError(f"drill failed for {archive}: {exc}") from exc
        self.stdout.write(
            f"drill ok: {archive} ({manifest.created_at}) restored into a scratch database: "
            f"{len(manifest.counts)} tables, {rows} rows, {manifest.media_files} files match the manifest "
            f"({time.monotonic() - started:.1f} s)"
        )
