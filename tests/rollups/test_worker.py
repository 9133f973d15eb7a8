"""The minute job on a real Celery worker (Redis, PostgreSQL): a committed entry reaches the roll-ups."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.conftest import require_worker_services, wait_for
from tracker.rollups.check import rollups_check
from tracker.rollups.models import DayTally, DirtyUnit, RollupState
from tracker.rollups.tasks import refresh_rollups
from tracker.work import services
from tracker.work.lights import LightRule

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_the_worker_folds_a_committed_entry_into_the_rollups(city, celery_worker_process):
    require_worker_services()
    celery_worker_process()
    entry = services.entry_add(task=city.task_a(), by=city.staff_a, text="学习记录", occurred_on=timezone.localdate())
    assert DirtyUnit.objects.filter(unit_id=city.unit_a.pk).exists()
    refresh_rollups.delay()
    wait_for(lambda: not DirtyUnit.objects.exists(), what="the worker to fold the entry in")
    rule = LightRule.for_campaign(city.campaign)
    assert RollupState.objects.get(campaign=city.campaign).rule_key.startswith(str(rule.today))
    city_day = DayTally.objects.get(campaign=city.campaign, unit=city.city, subtree=True, day=entry.occurred_on)
    assert city_day.entries == 1
    assert [d for d in rollups_check(campaign=city.campaign, rule=rule) if d.missing or d.extra] == []
