"""Under CI (REQUIRE_SERVICES=1) the suite must really run on PostgreSQL and reach Redis."""

import os

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import require_service

pytestmark = pytest.mark.services


@pytest.mark.django_db
def test_database_is_postgresql_when_required():
    require_service("PostgreSQL", connection.vendor == "postgresql", f"DATABASE_URL gives {connection.vendor}")
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        assert cursor.fetchone()[0].startswith("PostgreSQL")


def test_redis_answers():
    url = settings.REDIS_URL
    require_service("Redis", bool(url), "REDIS_URL is not set")
    import redis

    try:
        pong = redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        require_service("Redis", False, str(exc))
    assert pong is True


def test_require_services_flag_is_honoured():
    if os.environ.get("REQUIRE_SERVICES") != "1":
        pytest.skip("only meaningful under REQUIRE_SERVICES=1")
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
