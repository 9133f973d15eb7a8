"""Wiring: the command, the beat schedule in the database, the heartbeat, the admin pages."""

from __future__ import annotations

import importlib
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from tests.conftest import LADDER_DAY
from tests.factories import UserFactory
from tracker import celery_app
from tracker.core.tasks import HEARTBEAT_KEY, heartbeat
from tracker.reminders.models import Notification

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def test_dry_run_lists_who_would_get_what_and_records_nothing(ladder):
    out = run("--dry-run", "--date", LADDER_DAY.isoformat())
    assert "staff_a <staff_a@example.test>: 1 即将到期, 1 已逾期" in out
    assert "office_city <office_city@example.test>: 1 每周通报, 1 督办" in out
    assert "would queue 5 mails" in out
    assert Notification.objects.count() == 0


def test_the_command_queues_once_and_explains_days_off(ladder):
    assert "queued 5 mails" in run("--date", LADDER_DAY.isoformat())
    assert "queued 0 mails (nothing new)" in run("--date", LADDER_DAY.isoformat())
    assert "not a working day" in run("--date", "2026-10-01")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--date", "25.11.2026")


def test_beat_schedule_is_in_the_database_and_names_real_tasks():
    # A transactional test that ran earlier in this process (any order, e.g. under pytest-xdist)
    # flushed what the data migration wrote: write it again the migration's own (idempotent) way.
    from django.apps import apps

    importlib.import_module("tracker.reminders.migrations.0002_beat_schedule").create_schedule(apps, None)
    celery_app.loader.import_default_modules()
    schedule = {task.name: task for task in PeriodicTask.objects.select_related("crontab", "interval")}
    sweep = schedule["reminders: daily sweep"]
    assert sweep.task == "tracker.reminders.tasks.send_reminders" and sweep.crontab.hour == "8-17"
    assert str(sweep.crontab.timezone) == "Asia/Shanghai" and sweep.crontab.day_of_week == "*"
    for name in ("reminders: relay outbox", "celery heartbeat"):
        assert schedule[name].interval.every == 1 and schedule[name].interval.period == "minutes"
    for task in schedule.values():
        if task.name != "celery.backend_cleanup":
            assert task.task in celery_app.tasks, task.task


def test_heartbeat_stores_the_time_in_the_cache():
    cache.delete(HEARTBEAT_KEY)
    stamp = heartbeat()
    assert cache.get(HEARTBEAT_KEY) == stamp


def test_admin_pages_for_the_calendar_and_reminders(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for name in (
        "admin:core_workdayoverride_changelist",
        "admin:core_workdayoverride_add",
        "admin:reminders_outboxmail_changelist",
        "admin:reminders_notification_changelist",
        "admin:reminders_reminderpreference_changelist",
        "admin:django_celery_beat_periodictask_changelist",
    ):
        assert client.get(reverse(name)).status_code == 200, name
