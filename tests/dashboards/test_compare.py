"""The comparison page: two campaigns or batches side by side, in the user's scope, with pinned queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import grow_city, login
from tests.factories import CampaignFactory, TemplateFactory
from tracker.campaigns.services import batch_create, campaign_close, participation_set
from tracker.work import services as work_services
from tracker.work.instantiation import tasks_generate
from tracker.work.models import Task

COMPARE = reverse("dashboards:compare")
# session, user, role assignments (scope), side options (campaigns + batches), one query per
# side, the measures, and the current campaign (the default sides, the page's header).
COMPARE_QUERIES = {"office_city": 9, "leader_a": 9}
DEFAULT_QUERIES = {"office_city": 9, "leader_a": 9}


def _second(city):
    """A closed first batch with one required action for every organ unit, one of it done on time."""
    past = CampaignFactory(
        code="first",
        name_zh="第一批",
        starts_on=city.campaign.starts_on - timedelta(days=200),
        ends_on=city.campaign.starts_on - timedelta(days=20),
    )
    TemplateFactory(campaign=past, measure=city.study, code="reading", due_offset_days=30)
    batch = batch_create(campaign=past, code="a", name_zh="甲批", starts_on=past.starts_on, ends_on=past.ends_on)
    participation_set(campaign=past, unit_ids=[city.unit_a.pk, city.unit_b.pk], batch=batch)
    tasks_generate(campaign=past)
    task = Task.objects.get(campaign=past, unit=city.unit_a)
    task = work_services.entry_add(task=task, by=city.staff_a, text="完成").task
    task = work_services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    task = work_services.task_accept(task=task, by=city.office_city, expected_version=task.version)
    # Accepted on the due day, Beijing time: the replacement is made on the local time, or a
    # run after 16:00 UTC would land the acceptance on the next Beijing day.
    accepted = timezone.localtime(task.events.get(kind="accepted").created_at)
    task.events.filter(kind="accepted").update(
        created_at=accepted.replace(year=task.due_on.year, month=task.due_on.month, day=task.due_on.day)
    )
    return campaign_close(campaign=past, by=city.office_city, on=past.ends_on), batch


def test_two_campaigns_side_by_side(client, city):
    past, batch = _second(city)
    login(client, city.office_city)
    response = client.get(COMPARE, {"a": f"c{city.campaign.pk}", "b": f"c{past.pk}"})
    assert response.status_code == 200
    result = response.context["result"]
    assert [side.campaign for side in result.sides] == [city.campaign, past]
    study = dict(result.rows())[city.study]
    assert (study[1].total, study[1].done, study[1].due, study[1].on_time) == (2, 1, 2, 1)
    assert study[1].percent == 50 and study[1].on_time_percent == 50
    assert study[1].red == 1  # unit B never did it: red as on the day the batch closed
    body = response.content.decode()
    assert "第一批" in body and 'id="comparison"' in body
    # A batch is a side too; the office of another district sees none of these units.
    response = client.get(COMPARE, {"a": f"b{batch.pk}", "b": f"c{past.pk}"})
    assert response.context["result"].totals[0].total == 2
    login(client, city.office_east)
    totals = client.get(COMPARE, {"a": f"b{batch.pk}", "b": f"c{past.pk}"}).context["result"].totals
    assert [t.total for t in totals] == [1, 1]


def test_unknown_sides_are_a_message_not_a_500(client, city):
    login(client, city.office_city)
    response = client.get(COMPARE, {"a": "c999999", "b": "zzz"})
    assert response.status_code == 200 and response.context["unknown"]


@pytest.mark.parametrize("user", ["office_city", "leader_a"])
def test_compare_query_count_does_not_grow(client, city, django_assert_num_queries, user):
    past, _batch = _second(city)
    login(client, getattr(city, user))
    params = {"a": f"c{city.campaign.pk}", "b": f"c{past.pk}"}
    with django_assert_num_queries(COMPARE_QUERIES[user]):
        assert client.get(COMPARE, params).status_code == 200
    with django_assert_num_queries(DEFAULT_QUERIES[user]):
        assert client.get(COMPARE).status_code == 200
    grow_city(city, 200)
    with django_assert_num_queries(COMPARE_QUERIES[user]):
        assert client.get(COMPARE, params).status_code == 200
    with django_assert_num_queries(DEFAULT_QUERIES[user]):
        assert client.get(COMPARE).status_code == 200
