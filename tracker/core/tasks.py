"""Operational jobs that belong to no domain."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "tracker:celery-heartbeat"


@shared_task(ignore_result=True)
def heartbeat() -> str:
    """Beat runs this every minute; /healthz reads the key to tell whether worker and beat are alive."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now
