"""The overview's areas come a page at a time: thousands of units directly under a city cost what twelve do."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import grow_city, login, rollups_current, waiting_for_review
from tracker.dashboards.selectors import AREA_PAGE_SIZE, area_page
from tracker.orgs.models import Unit
from tracker.orgs.paths import unit_path
from tracker.rollups.services import rollups_invalidate
from tracker.work.lights import LightRule

OVERVIEW = reverse("dashboards:overview")
# session, user, scope, campaign, roll-ups, tally, measures, areas (the page and, by a window over
# the same rows, how many), trend, stale, waiting (each read when the tally counts any: here both),
# rectifications (2), scope names
OFFICE_OVERVIEW_QUERIES = 14
# Past the last page the window finds no row: a count, then the last page.
PAST_THE_END_QUERIES = OFFICE_OVERVIEW_QUERIES + 2


def hang_under_city(city, units: int) -> list[Unit]:
    """`units` new units with tasks, directly under the city (areas of their own)."""
    new = grow_city(city, units)
    for unit in new:
        unit.parent = city.city
        unit.path = unit_path(parent_path=city.city.path, pk=unit.pk)
        unit.depth = city.city.depth + 1
    Unit.objects.bulk_update(new, ["parent", "path", "depth"])
    rollups_invalidate(campaign=city.campaign)
    rollups_current(city)
    return new


def test_areas_are_paged_and_every_area_is_on_exactly_one_page(city):
    hang_under_city(city, AREA_PAGE_SIZE + 5)
    rule = LightRule.for_campaign(city.campaign)
    first = area_page(user=city.office_city, campaign=city.campaign, rule=rule, number=1)
    second = area_page(user=city.office_city, campaign=city.campaign, rule=rule, number=2)
    beyond = area_page(user=city.office_city, campaign=city.campaign, rule=rule, number=99)
    # East, West and the new units directly under the city.
    assert first.count == AREA_PAGE_SIZE + 7 and first.num_pages == 2
    assert len(first.areas) == AREA_PAGE_SIZE and len(second.areas) == 7
    assert beyond.number == 2 and [a.unit for a in beyond.areas] == [a.unit for a in second.areas]
    names = [a.unit.name for a in first.areas + second.areas]
    assert len(set(names)) == len(names) and {"East", "West"} <= set(names)
    paths = [a.unit.path for a in first.areas + second.areas]
    assert paths == sorted(paths)


def test_overview_shows_one_page_of_areas_with_a_pager(client, city):
    hang_under_city(city, AREA_PAGE_SIZE + 5)
    login(client, city.office_city)
    html = client.get(OVERVIEW).content.decode()
    assert html.count('href="/dashboard/matrix/?under=') == AREA_PAGE_SIZE
    assert "第 1 / 2 页" in html and 'href="?page=2"' in html and "37 个区域" in html
    html = client.get(OVERVIEW, {"page": "2"}).content.decode()
    assert html.count('href="/dashboard/matrix/?under=') == 7 and 'href="?page=1"' in html
    assert client.get(OVERVIEW, {"page": "x"}).status_code == 200  # a bad page number is the first page


@pytest.mark.parametrize("units", [5, 120])
def test_overview_query_count_does_not_grow_with_areas(client, city, django_assert_num_queries, units):
    hang_under_city(city, units)
    waiting_for_review(city)  # the waiting list has a row: read (an empty one costs no query)
    rollups_current(city)
    login(client, city.office_city)
    with django_assert_num_queries(OFFICE_OVERVIEW_QUERIES):
        assert client.get(OVERVIEW, {"page": "1"}).status_code == 200
    with django_assert_num_queries(OFFICE_OVERVIEW_QUERIES):
        assert client.get(OVERVIEW, {"page": "2" if units > AREA_PAGE_SIZE else "1"}).status_code == 200
    with django_assert_num_queries(PAST_THE_END_QUERIES):
        assert client.get(OVERVIEW, {"page": "999"}).status_code == 200
