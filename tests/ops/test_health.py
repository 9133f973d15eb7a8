"""/healthz: database, Redis and the Celery heartbeat, without secrets; 503 only when the database is down."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.urls import reverse

from tracker.ops.health import heartbeat_age


@pytest.fixture
def heartbeat():
    yield lambda value: cache.set(settings.CELERY_HEARTBEAT_KEY, value, 3600)
    cache.delete(settings.CELERY_HEARTBEAT_KEY)


def test_healthy(client, db, heartbeat):
    heartbeat(time.time() - 30)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["database"] == "ok"
    assert body["redis"] == ("ok" if settings.REDIS_URL else "not configured")
    assert body["celery"]["heartbeat"] == "ok" and 29 <= body["celery"]["age_seconds"] <= 60
    assert body["status"] == "ok"


def test_stale_or_missing_heartbeat_degrades_but_stays_200(client, db, heartbeat):
    heartbeat(time.time() - 6 * 60)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["celery"]["heartbeat"] == "stale" and response.json()["status"] == "degraded"
    cache.delete(settings.CELERY_HEARTBEAT_KEY)
    assert client.get(reverse("healthz")).json()["celery"] == {"heartbeat": "missing", "age_seconds": None}


@pytest.mark.parametrize(
    "value",
    [
        1_700_000_000,
        1_699_999_999.5,
        "1700000000",
        datetime.fromtimestamp(1_700_000_000, UTC),
        "2023-11-14T22:13:20+00:00",
    ],
)
def test_heartbeat_formats(value):
    assert heartbeat_age(value, 1_700_000_060) == 60


def test_no_secrets_in_the_answer(client, db):
    text = client.get(reverse("healthz")).content.decode()
    db_settings = connection.settings_dict
    for secret in (
        settings.SECRET_KEY,
        settings.REDIS_URL,
        db_settings["NAME"],
        db_settings.get("PASSWORD"),
        "postgres",
    ):
        if secret:
            assert secret not in text


def test_database_down_is_503(client, db):
    """A real connection failure: the default connection swapped for one to a closed port / missing folder."""
    original = connections[DEFAULT_DB_ALIAS]
    broken = dict(original.settings_dict)
    if original.vendor == "postgresql":
        broken.update(HOST="127.0.0.1", PORT="1")
    else:
        broken["NAME"] = "/nonexistent-dir/for-healthz/db.sqlite3"
    connections[DEFAULT_DB_ALIAS] = original.__class__(broken, DEFAULT_DB_ALIAS)
    try:
        response = client.get(reverse("healthz"))
    finally:
        connections[DEFAULT_DB_ALIAS].close()
        connections[DEFAULT_DB_ALIAS] = original
    assert response.status_code == 503
    assert response.json()["database"] == "error" and response.json()["status"] == "down"
