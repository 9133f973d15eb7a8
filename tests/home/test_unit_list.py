"""The unit list reads each unit's roll-up row: the same numbers as counting its tasks, at the cost of one page."""

from __future__ import annotations

import pytest
from django.db.models import Q
from django.urls import reverse

from tests.conftest import grow_city, login, rollups_current
from tracker.home.selectors import units_with_tallies
from tracker.orgs.models import Unit
from tracker.work import services
from tracker.work.lights import LightRule

UNITS = reverse("home:unit_list")
# session, user, scope, campaign, roll-up freshness check, count, page (with parents and categories)
UNIT_LIST_QUERIES = 7
UNIT_LIST_HTMX_QUERIES = 7


def test_tallies_agree_with_counting_the_tasks(city):
    grow_city(city, 30)
    task = city.task_a()
    services.entry_add(task=task, by=city.staff_a, text="新进展", percent=100)  # a change not yet folded in
    rule = LightRule.for_campaign(city.campaign)
    rollups_current(city)
    read = {u.pk: u for u in units_with_tallies(user=city.office_city, campaign=city.campaign, rule=rule)}
    live = Unit.objects.for_user(city.office_city).annotate(**rule.tally("tasks__", Q(tasks__campaign=city.campaign)))
    assert len(read) == live.count() > 30
    keys = ("task_total", "task_done", "task_submitted", "task_red", "task_yellow", "task_percent", "task_light")
    for unit in live:
        assert {k: getattr(read[unit.pk], k) for k in keys} == {k: getattr(unit, k) for k in keys}, unit.name


def test_the_list_folds_in_what_changed_since_the_last_refresh(client, city):
    login(client, city.office_city)
    client.get(UNITS)
    task = city.task_a()
    services.entry_add(task=task, by=city.staff_a, text="完成", percent=100)
    task.refresh_from_db()
    services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    task.refresh_from_db()
    services.task_accept(task=task, by=city.office_city, expected_version=task.version)
    html = client.get(UNITS, {"q": "UnitA"}).content.decode()
    assert "1/" in html.split(">UnitA</a>")[1].split("</tr>")[0]


@pytest.mark.parametrize("units", [5, 150])
def test_unit_list_query_count_does_not_grow(client, city, django_assert_num_queries, units):
    grow_city(city, units)
    rollups_current(city)
    login(client, city.office_city)
    with django_assert_num_queries(UNIT_LIST_QUERIES):
        assert client.get(UNITS, {"page": "2"}).status_code == 200
    with django_assert_num_queries(UNIT_LIST_HTMX_QUERIES):
        assert client.get(UNITS, {"q": "Bulk"}, HTTP_HX_REQUEST="true").status_code == 200
