"""What /healthz checks: the database, Redis (when configured) and the Celery heartbeat.

Only states go out, never a message: a driver's error text can carry host names or URLs.
The HTTP status is 503 only when the database is down, since without it nothing works. Redis
and Celery are shared by every web process, so failing them in the status would make a load
balancer drop every instance at once and turn "reminders are late" into "the site is down";
they show as "degraded" in the body for monitoring instead.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection

log = logging.getLogger("tracker.ops")

OK, ERROR, NOT_CONFIGURED, STALE, MISSING = "ok", "error", "not configured", "stale", "missing"


@dataclass(frozen=True)
class Health:
    database: str
    redis: str
    celery: str
    celery_age_seconds: int | None

    @property
    def status(self) -> str:
        if self.database != OK:
            return "down"
        if self.redis == ERROR or self.celery != OK:
            return "degraded"
        return OK

    def as_json(self) -> dict:
        return {
            "status": self.status,
            "database": self.database,
            "redis": self.redis,
            "celery": {"heartbeat": self.celery, "age_seconds": self.celery_age_seconds},
        }


def check_database() -> str:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("select 1")
            cursor.fetchone()
    except Exception:
        log.exception("health: database check failed")
        return ERROR
    return OK


def check_redis() -> str:
    if not settings.REDIS_URL:
        return NOT_CONFIGURED
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except redis.RedisError:
        log.exception("health: redis check failed")
        return ERROR
    return OK


def heartbeat_age(value, now: float) -> int | None:
    """Seconds since the heartbeat, whether it was stored as epoch seconds, a datetime or ISO text."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            try:
                value = float(value)
            except ValueError:
                return None
    if isinstance(value, datetime):
        value = value.timestamp()
    if isinstance(value, int | float):
        return max(0, int(now - value))
    return None


def check_celery() -> tuple[str, int | None]:
    try:
        value = cache.get(settings.CELERY_HEARTBEAT_KEY)
    except Exception:
        log.exception("health: cache read failed")
        return MISSING, None
    age = heartbeat_age(value, time.time()) if value is not None else None
    if age is None:
        return MISSING, None
    return (OK if age <= settings.CELERY_HEARTBEAT_MAX_AGE else STALE), age


def health_check() -> Health:
    celery, age = check_celery()
    return Health(database=check_database(), redis=check_redis(), celery=celery, celery_age_seconds=age)
