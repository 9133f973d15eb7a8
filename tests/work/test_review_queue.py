"""The review queue: ordered and labelled by when each task was submitted, filtered, searched, scoped, pinned."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.timesince import timesince

from tests.conftest import login
from tests.factories import TaskFactory, make_unit
from tracker.work import services
from tracker.work.models import Task

QUEUE = reverse("work:review_queue")
HX = {"HTTP_HX_REQUEST": "true"}


def submit(task: Task, by, at: datetime) -> Task:
    services.entry_add(task=task, by=by, text="完成")
    task.refresh_from_db()
    services.task_submit(task=task, by=by, expected_version=task.version)
    Task.objects.filter(pk=task.pk).update(submitted_at=at)
    return Task.objects.get(pk=task.pk)


def titles(html: str, tasks: list[Task]) -> list[int]:
    """The given tasks in the order the page lists them."""
    found = [(html.find(reverse("work:task_detail", args=[t.pk]) + "?queue="), t.pk) for t in tasks]
    return [pk for position, pk in sorted(found) if position >= 0]


@pytest.fixture
def queue(city):
    """Unit A's reading class submitted nine days ago, unit B's plan two hours ago; A's row was touched last."""
    now = timezone.now()
    a = submit(city.task_a(), city.staff_a, now - timedelta(days=9))
    plan_b = Task.objects.get(unit=city.unit_b, template__code="plan")  # another title and measure than A's
    b = submit(plan_b, city.staff_b, now - timedelta(hours=2))
    Task.objects.filter(pk=a.pk).update(updated_at=now)  # a later edit must not reorder the queue
    return a, b


def test_ordered_and_labelled_by_the_real_submission_time(client, city, queue):
    a, b = queue
    login(client, city.office_city)
    html = client.get(QUEUE).content.decode()
    assert titles(html, [a, b]) == [a.pk, b.pk]
    local = timezone.localtime(a.submitted_at)
    assert f'datetime="{local.isoformat()}"' in html
    with translation.override("zh-hans"):
        waited = timesince(a.submitted_at)
    assert f"已等待{waited}" in html.split(f'datetime="{local.isoformat()}"')[1].split("</div>")[0]  # "1 周，2 日"


@pytest.mark.parametrize(
    "params,expected",
    [
        ({}, "ab"),
        ({"unit": "UNIT_B"}, "b"),
        ({"measure": "MEASURE_A"}, "a"),
        ({"area": "EAST"}, "a"),
        ({"area": "CITY"}, "ab"),
        ({"waiting": "5"}, "a"),
        ({"waiting": "1"}, "a"),
        ({"q": "UnitB"}, "b"),
        ({"q": "TITLE_A"}, "a"),
        ({"q": "no such thing"}, ""),
        ({"unit": "x", "waiting": "x", "area": "-1"}, "ab"),  # nonsense is ignored, not a 500
    ],
)
def test_filters_and_search_narrow_the_queue(client, city, queue, params, expected):
    a, b = queue
    names = {
        "UNIT_B": str(city.unit_b.pk),
        "MEASURE_A": a.measure.code,
        "EAST": str(city.east.pk),
        "CITY": str(city.city.pk),
        "TITLE_A": a.display_title[:3],
    }
    login(client, city.office_city)
    query = {key: names.get(value, value) for key, value in params.items()}
    for headers in ({}, HX):
        response = client.get(QUEUE, query, **headers)
        assert response.status_code == 200
        html = response.content.decode()
        wanted = [t.pk for t, name in ((a, "a"), (b, "b")) if name in expected]
        assert titles(html, [a, b]) == wanted, (query, headers)
    assert html.strip().startswith('<div id="queue">')  # htmx gets the list only


def test_control_characters_in_the_filters_are_a_400_not_a_500(client, city, queue):
    login(client, city.office_city)
    for headers in ({}, HX):
        response = client.get(QUEUE, {"q": "\x00", "unit": "\x00"}, **headers)
        assert response.status_code == 400
        assert "请求有误" in response.content.decode()


def test_filter_form_and_pager_keep_real_links(client, city, queue):
    login(client, city.office_city)
    html = client.get(QUEUE, {"area": city.east.pk}).content.decode()
    assert f'action="{QUEUE}"' in html and f'hx-get="{QUEUE}"' in html and 'hx-push-url="true"' in html
    assert f'<option value="{city.east.pk}" selected>' in html
    assert f'<option value="{city.unit_b.pk}">UnitB</option>' in html  # units with something waiting


def test_an_area_outside_the_scope_matches_nothing(client, city, queue):
    login(client, city.office_east)
    html = client.get(QUEUE).content.decode()
    assert "UnitA" in html and "UnitB" not in html
    html = client.get(QUEUE, {"area": city.west.pk}).content.decode()
    assert 'class="task-row"' not in html
    html = client.get(QUEUE, {"unit": city.unit_b.pk}).content.decode()
    assert 'class="task-row"' not in html


# session, user, scope, campaign, count, page of tasks; the full page adds the units with something
# waiting (at most REVIEW_UNIT_CHOICES + 1), the areas and the measures.
QUEUE_FRAGMENT_QUERIES = 6
QUEUE_PAGE_QUERIES = 9


def grow_queue(city, units: int, per_unit: int) -> None:
    now = timezone.now()
    for i in range(units):
        unit = make_unit(f"Q{units}-{i}", parent=city.west, category=city.unit_a.category)
        for j in range(per_unit):
            TaskFactory(
                campaign=city.campaign,
                unit=unit,
                measure=city.org,
                status="submitted",
                submitted_at=now - timedelta(days=j + 3),
            )


@pytest.mark.parametrize(
    "params", [{}, {"q": "Q", "waiting": "1", "area": "CITY", "measure": "organisation"}, {"unit": "UNIT_B"}]
)
def test_query_counts_are_pinned_and_do_not_grow(client, city, queue, django_assert_num_queries, params):
    login(client, city.office_city)
    ids = {"CITY": str(city.city.pk), "UNIT_B": str(city.unit_b.pk)}
    query = {key: ids.get(value, value) for key, value in params.items()}
    for units, per_unit in ((1, 1), (20, 10)):
        grow_queue(city, units, per_unit)
        with django_assert_num_queries(QUEUE_PAGE_QUERIES):
            assert client.get(QUEUE, query).status_code == 200
        with django_assert_num_queries(QUEUE_FRAGMENT_QUERIES):
            assert client.get(QUEUE, query, **HX).status_code == 200


def test_past_a_page_of_units_the_unit_is_found_by_search_and_a_linked_unit_can_be_cleared(
    client, city, queue, monkeypatch
):
    """A city office has a thousand units with something waiting: no drop-down of them all. The
    search box finds a unit by name; a unit chosen by a link narrows the queue and shows how to
    widen it again, keeping the other filters."""
    from tracker.work import selectors

    login(client, city.office_city)
    html = client.get(QUEUE).content.decode()
    assert '<select name="unit">' in html and f'<option value="{city.unit_b.pk}">UnitB</option>' in html

    monkeypatch.setattr(selectors, "REVIEW_UNIT_CHOICES", 1)  # two units wait: more than a page
    html = client.get(QUEUE).content.decode()
    assert '<select name="unit">' not in html and 'id="unit-search-hint"' in html
    assert html.count('class="task-row"') == 2
    assert "UnitB" in client.get(QUEUE, {"q": "UnitB"}, **HX).content.decode()  # found by name

    html = client.get(QUEUE, {"unit": city.unit_b.pk, "measure": queue[1].measure.code}).content.decode()
    assert html.count('class="task-row"') == 1 and reverse("work:task_detail", args=[queue[1].pk]) in html
    assert f'<input type="hidden" name="unit" value="{city.unit_b.pk}">' in html and "<strong>UnitB</strong>" in html
    assert f'href="{QUEUE}?measure={queue[1].measure.code}"' in html  # clears the unit, keeps the measure

    # A unit outside the scope is not named, and narrows to nothing (as before).
    login(client, city.office_east)
    html = client.get(QUEUE, {"unit": city.unit_b.pk}).content.decode()
    assert "<strong>UnitB</strong>" not in html and 'class="task-row"' not in html
