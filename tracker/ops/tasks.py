"""The nightly backup (beat, 02:30 Asia/Shanghai), keeping the newest BACKUP_KEEP archives."""

from __future__ import annotations

from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from tracker.ops.backup import backup_create, backups_prune

LOCK = "tracker:nightly-backup"


@shared_task(soft_time_limit=3 * 3600, time_limit=3 * 3600 + 60, ignore_result=True)
def backup_nightly() -> dict:
    # Two beats (a failover gone wrong) must not write two archives of one night at once.
    if not cache.add(LOCK, timezone.now().isoformat(), timeout=3 * 3600):
        return {"skipped": "another backup is running"}
    try:
        folder = Path(settings.BACKUP_DIR)
        output = folder / f"tracker-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"
        manifest = backup_create(output=output)
        pruned = backups_prune(folder=folder, keep=settings.BACKUP_KEEP)
        return {"archive": str(output), "rows": sum(manifest.counts.values()), "pruned": len(pruned)}
    finally:
        cache.delete(LOCK)
