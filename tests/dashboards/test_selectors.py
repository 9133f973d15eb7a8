"""Dashboard roll-ups: computed in SQL by the one light rule, scoped, ranked with ties."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.factories import TaskFactory, make_unit
from tracker.campaigns.models import Measure
from tracker.dashboards import selectors as dashboard_selectors
from tracker.dashboards.selectors import UnitFilters
from tracker.orgs.models import GuidanceGroup
from tracker.rollups.services import rollups_refresh
from tracker.work import services
from tracker.work.instantiation import tasks_generate
from tracker.work.lights import LightRule
from tracker.work.models import EventKind, Task, TaskEvent


class FreshSelectors:
    """The dashboard selectors, each read preceded by `rollups_refresh`, as the views and the briefing do."""

    READERS = {"unit_rollups", "ranking", "units_by_light", "measure_rollups", "area_rollups", "trend", "stale_units"}

    def __getattr__(self, name):
        target = getattr(dashboard_selectors, name)
        if name not in self.READERS:
            return target

        def read(*, campaign, rule, **kwargs):
            rollups_refresh(campaign=campaign, rule=rule)
            return target(campaign=campaign, rule=rule, **kwargs)

        return read


selectors = FreshSelectors()


@pytest.fixture
def rule(city):
    return LightRule.for_campaign(city.campaign)


def python_rollup(tasks):
    """The roll-up recomputed row by row in Python from each task's light: the reference."""
    lights = Counter(task.light for task in tasks)
    done = sum(1 for task in tasks if task.status == "done")
    light = "red" if lights["red"] else "yellow" if lights["yellow"] else "green"
    return {
        "total": len(tasks),
        "done": done,
        "red": lights["red"],
        "yellow": lights["yellow"],
        "percent": 100 * done // len(tasks) if tasks else 0,
        "light": light,
    }


def mixed_city(city):
    """Both units with tasks in every state, over both measures."""
    today = timezone.localdate()
    specs = [
        ("done", -5, 0),
        ("done", 10, 0),
        ("submitted", -3, 0),
        ("in_progress", 1, 0),  # due soon: yellow
        ("in_progress", 40, 30),  # stale: yellow
        ("todo", -1, 0),  # overdue: red
        ("returned", 20, 0),
    ]
    for unit in (city.unit_a, city.unit_b):
        for i, (status, due, quiet) in enumerate(specs):
            if unit == city.unit_b and i % 3 == 0:
                continue
            TaskFactory(
                campaign=city.campaign,
                unit=unit,
                measure=city.study if i % 2 else city.org,
                status=status,
                due_on=today + timedelta(days=due),
                last_activity_on=today - timedelta(days=quiet),
            )


def test_unit_and_cell_rollups_agree_with_the_task_lights(city, rule):
    mixed_city(city)
    measures = list(Measure.objects.all())
    units = selectors.unit_rollups(user=city.office_city, campaign=city.campaign, rule=rule, measures=measures)
    assert {u.pk for u in units} == {city.unit_a.pk, city.unit_b.pk}
    for unit in units:
        tasks = list(Task.objects.filter(unit=unit).with_light(rule))
        expected = python_rollup(tasks)
        got = {k: getattr(unit, f"task_{k}") for k in expected}
        assert got == expected
        for cell in selectors.unit_cells(unit, measures):
            ref = python_rollup([t for t in tasks if t.measure_id == cell.measure.pk])
            counts = cell.counts
            assert (counts.total, counts.done, counts.red, counts.yellow, counts.percent_done, counts.light) == (
                ref["total"],
                ref["done"],
                ref["red"],
                ref["yellow"],
                ref["percent"],
                ref["light"],
            )


def test_measure_and_area_rollups_agree_with_the_task_lights(city, rule):
    mixed_city(city)
    tasks = list(Task.objects.with_light(rule))
    for measure in selectors.measure_rollups(user=city.office_city, campaign=city.campaign, rule=rule):
        ref = python_rollup([t for t in tasks if t.measure_id == measure.pk])
        assert (measure.task_total, measure.task_percent, measure.task_light) == (
            ref["total"],
            ref["percent"],
            ref["light"],
        )
    areas = selectors.area_rollups(user=city.office_city, campaign=city.campaign, rule=rule)
    assert [a.unit for a in areas] == [city.east, city.west]  # the city's children, as subtrees
    for area in areas:
        ref = python_rollup([t for t in tasks if t.unit.path.startswith(area.unit.path)])
        assert (area.counts.total, area.counts.red, area.counts.light) == (ref["total"], ref["red"], ref["light"])
    # One level down for a district office: its units; none for a guide.
    assert [a.unit for a in selectors.area_rollups(user=city.office_east, campaign=city.campaign, rule=rule)] == [
        city.unit_a
    ]
    assert selectors.area_rollups(user=city.guide, campaign=city.campaign, rule=rule) == []


def test_rollups_stay_in_scope(city, rule):
    mixed_city(city)
    for user, expected in [
        (city.guide, {city.unit_a.pk}),
        (city.office_east, {city.unit_a.pk}),
        (city.leader_a, {city.unit_a.pk}),
        (city.leadership, {city.unit_a.pk, city.unit_b.pk}),
    ]:
        units = selectors.unit_rollups(user=user, campaign=city.campaign, rule=rule)
        assert {u.pk for u in units} == expected, user
        total = sum(m.task_total for m in selectors.measure_rollups(user=user, campaign=city.campaign, rule=rule))
        assert total == Task.objects.filter(unit_id__in=expected).count()
    # A subtree filter naming a unit out of scope matches nothing instead of leaking it.
    outside = UnitFilters(under=city.west.pk)
    assert not selectors.unit_rollups(user=city.office_east, campaign=city.campaign, rule=rule, filters=outside)


def test_ranking_shares_places_on_ties(city, rule):
    """Standard competition ranking: 1, 2, 2, 4 — equal completion, equal rank."""
    units = [city.unit_a, city.unit_b] + [
        make_unit(f"R{i}", parent=city.west, category=city.unit_a.category) for i in range(2)
    ]
    tasks_generate(campaign=city.campaign)
    for unit, done in zip(units, [2, 1, 1, 0], strict=True):
        for i in range(2):
            TaskFactory(campaign=city.campaign, unit=unit, measure=city.study, status="done" if i < done else "todo")
    # The generated template tasks (2 per unit, not done) are in the denominators too: 4 tasks each.
    ranked = list(selectors.ranking(user=city.office_city, campaign=city.campaign, rule=rule))
    assert [(u.name, u.task_percent, u.rank) for u in ranked] == [
        ("UnitA", 50, 1),
        ("UnitB", 25, 2),
        ("R0", 25, 2),
        ("R1", 0, 4),
    ]
    # Ranks are among the filtered units: within West, UnitB and R0 share first place.
    west = selectors.ranking(
        user=city.office_city, campaign=city.campaign, rule=rule, filters=UnitFilters(under=city.west.pk)
    )
    assert [(u.name, u.rank) for u in west] == [("UnitB", 1), ("R0", 1), ("R1", 3)]


def test_page_ranks_equal_the_window_on_every_page_and_sort(city, rule):
    """The matrix ranks a page in Python (`rank_page`) instead of a window over every unit: the same
    ranks for any sort, any page and any filter, ties included."""
    units = [city.unit_a, city.unit_b] + [
        make_unit(f"R{i}", parent=city.west, category=city.unit_a.category) for i in range(5)
    ]
    tasks_generate(campaign=city.campaign)
    for unit, done in zip(units, [2, 1, 1, 0, 2, 1, 0], strict=True):
        for i in range(2):
            TaskFactory(campaign=city.campaign, unit=unit, measure=city.study, status="done" if i < done else "todo")
    rollups_refresh(campaign=city.campaign, rule=rule)
    measures = list(Measure.objects.all())
    for filters in (UnitFilters(), UnitFilters(under=city.west.pk), UnitFilters(light="red")):
        window = {
            u.pk: u.rank
            for u in dashboard_selectors.unit_rollups(
                user=city.office_city, campaign=city.campaign, rule=rule, filters=filters
            )
        }
        for key in ["rank", "unit", "percent", "light", "m-study"]:
            for sort in (key, f"-{key}"):
                sorted_by = replace(filters, sort=sort)
                rows = list(
                    dashboard_selectors.unit_rollups(
                        user=city.office_city,
                        campaign=city.campaign,
                        rule=rule,
                        filters=sorted_by,
                        measures=measures,
                        ranked=False,
                    )
                )
                assert {u.pk for u in rows} == set(window), (filters, sort)
                for start in range(0, len(rows), 3):  # pages of three
                    page = rows[start : start + 3]
                    dashboard_selectors.rank_page(
                        page, user=city.office_city, campaign=city.campaign, rule=rule, filters=sorted_by
                    )
                    assert [u.rank for u in page] == [window[u.pk] for u in page], (filters, sort, start)
        if filters == UnitFilters():
            by_rank = list(
                dashboard_selectors.unit_rollups(
                    user=city.office_city, campaign=city.campaign, rule=rule, filters=filters, ranked=False
                )
            )
            # Best first; ties in tree order.
            assert [u.task_percent for u in by_rank] == sorted((u.task_percent for u in by_rank), reverse=True)


def test_sort_by_any_column_and_filters(city, rule):
    mixed_city(city)
    measures = list(Measure.objects.all())

    def names(**filters):
        units = selectors.unit_rollups(
            user=city.office_city, campaign=city.campaign, rule=rule, filters=UnitFilters(**filters), measures=measures
        )
        return [u.name for u in units]

    assert names(sort="unit") == ["UnitA", "UnitB"]
    assert names(sort="-unit") == ["UnitB", "UnitA"]
    for key in ["rank", "total", "done", "percent", "red", "yellow", "light", "category", "m-study", "m-organisation"]:
        for sort in (key, f"-{key}"):
            assert sorted(names(sort=sort)) == ["UnitA", "UnitB"], sort
    assert names(light="red") == ["UnitA", "UnitB"]
    assert names(light="green") == []
    assert names(category="organ") == ["UnitA", "UnitB"]
    assert names(category="school") == []
    assert names(under=city.east.pk) == ["UnitA"]


def test_unknown_filter_values_fall_back_to_defaults():
    filters = UnitFilters.from_query({"sort": "'; drop table", "light": "blue", "under": "x1"})
    assert filters == UnitFilters()
    assert UnitFilters.from_query({"sort": "-m-study", "light": "red", "under": "7"}).query() == {
        "sort": "-m-study",
        "light": "red",
        "under": "7",
    }
    assert UnitFilters(sort="-percent").sort_link("percent") == {"sort": "percent"}
    assert UnitFilters().sort_link("percent") == {"sort": "-percent"}  # best first on a first click
    assert UnitFilters().sort_link("rank") == {"sort": "-rank"}  # rank is the default: reverse it


def test_units_by_light_counts_units(city, rule):
    mixed_city(city)
    counts = selectors.units_by_light(user=city.office_city, campaign=city.campaign, rule=rule)
    assert counts == {"red": 2, "yellow": 0, "green": 0}
    guide_counts = selectors.units_by_light(user=city.guide, campaign=city.campaign, rule=rule)
    assert sum(guide_counts.values()) == 1


def test_trend_counts_real_dates(city):
    """Entries on the day they report, acceptances on the day of review; quiet days carry over."""
    start = city.campaign.starts_on
    task = city.task_a()
    other = city.task_b()
    day3, day5 = start + timedelta(days=3), start + timedelta(days=5)
    with time_machine.travel(timezone.make_aware(datetime.combine(day3, time(10))), tick=False):
        services.entry_add(task=task, by=city.staff_a, text="学习", occurred_on=start + timedelta(days=1))
        task = services.entry_add(task=task, by=city.staff_a, text="学习", occurred_on=day3).task
        task = services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    with time_machine.travel(timezone.make_aware(datetime.combine(day5, time(23, 30))), tick=False):
        services.task_accept(task=task, by=city.office_city, expected_version=task.version)
    with time_machine.travel(timezone.make_aware(datetime.combine(day5, time(9))), tick=False):
        services.entry_add(task=other, by=city.staff_b, text="x", occurred_on=day5)
    rule = LightRule.for_campaign(city.campaign, today=start + timedelta(days=7))
    total = Task.objects.count()
    points = selectors.trend(user=city.office_city, campaign=city.campaign, rule=rule, total=total)
    assert [p.day for p in points] == [start + timedelta(days=i) for i in range(8)]
    by_day = {p.day: p for p in points}
    assert by_day[start + timedelta(days=1)].entries == 1
    assert by_day[day3].entries == 1 and by_day[day3].submitted == 1
    # Accepted at 23:30 Beijing time counts on that local day, not the UTC one.
    assert [p.done for p in points] == [0, 0, 0, 0, 0, 1, 1, 1]
    assert by_day[day5].accepted == 1 and by_day[day5].entries == 1
    assert points[-1].percent == 100 * 1 // total
    # The guide (unit A only) does not see unit B's entry.
    guide_points = selectors.trend(user=city.guide, campaign=city.campaign, rule=rule, total=2)
    assert {p.day: p.entries for p in guide_points}[day5] == 0


def test_stale_units_have_open_tasks_and_no_recent_entry(city):
    rule = LightRule.for_campaign(city.campaign)
    # Nothing logged since the campaign started 60 days ago: both units are quiet.
    stale = selectors.stale_units(user=city.office_city, campaign=city.campaign, rule=rule)
    assert [(u.name, u.last_entry_on) for u in stale] == [("UnitA", None), ("UnitB", None)]
    services.entry_add(task=city.task_a(), by=city.staff_a, text="x")
    old = timezone.localdate() - timedelta(days=city.campaign.stale_days + 1)
    services.entry_add(task=city.task_b(), by=city.staff_b, text="x", occurred_on=old)
    stale = list(selectors.stale_units(user=city.office_city, campaign=city.campaign, rule=rule))
    assert [(u.name, u.last_entry_on) for u in stale] == [("UnitB", old)]
    assert stale[0].open_tasks == 2
    assert not selectors.stale_units(user=city.guide, campaign=city.campaign, rule=rule).exists()


def test_overdue_reviews_wait_longer_than_the_review_window(city):
    task = city.task_a()
    task = services.entry_add(task=task, by=city.staff_a, text="x").task
    services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    rule = LightRule.for_campaign(city.campaign)
    assert not selectors.overdue_reviews(user=city.office_city, campaign=city.campaign, rule=rule).exists()
    long_ago = timezone.now() - timedelta(days=10)
    TaskEvent.objects.filter(task=task, kind=EventKind.SUBMITTED).update(created_at=long_ago)
    Task.objects.filter(pk=task.pk).update(submitted_at=long_ago)
    for user in (city.office_city, city.leadership, city.guide):  # leadership reads the backlog too
        waiting = list(selectors.overdue_reviews(user=user, campaign=city.campaign, rule=rule))
        assert [t.pk for t in waiting] == [task.pk], user
    assert not selectors.overdue_reviews(user=city.staff_b, campaign=city.campaign, rule=rule).exists()


def test_overdue_reviews_found_through_the_units_equal_the_walk(city):
    """With few waiting (the roll-ups say how many) the list is looked up through the units that
    have any: the same tasks in the same order as the walk of every waiting submission, archived
    tasks out of both as they are out of the count."""
    from tests.conftest import rollups_current, waiting_for_review
    from tracker.rollups.services import rollups_mark

    waiting = [waiting_for_review(city, days=days) for days in (9, 12, 12, 30)]
    other = TaskFactory(campaign=city.campaign, unit=city.unit_b, measure=city.study, owner=city.staff_b)
    other = services.entry_add(task=other, by=city.staff_b, text="x").task
    other = services.task_submit(task=other, by=city.staff_b, expected_version=other.version)
    Task.objects.filter(pk=other.pk).update(submitted_at=timezone.now() - timedelta(days=20))
    Task.objects.filter(pk=waiting[0].pk).update(archived_at=timezone.now())
    rollups_mark(campaign_id=city.campaign.pk, unit_ids=[city.unit_a.pk, city.unit_b.pk])
    rollups_current(city)
    rule = LightRule.for_campaign(city.campaign)
    expected = sorted(
        [*waiting[1:], Task.objects.get(pk=other.pk)], key=lambda t: (Task.objects.get(pk=t.pk).submitted_at, t.pk)
    )
    for user in (city.office_city, city.office_east, city.leadership, city.guide, city.leader_a, city.staff_b):
        count = dashboard_selectors.scope_tally(user=user, campaign=city.campaign, rule=rule)[2]
        walk = list(dashboard_selectors.overdue_reviews(user=user, campaign=city.campaign, rule=rule))
        few = list(dashboard_selectors.overdue_reviews(user=user, campaign=city.campaign, rule=rule, expected=count))
        assert [t.pk for t in few] == [t.pk for t in walk], user
        assert len(walk) == count, user  # the count the overview shows is the list's length
    office = list(dashboard_selectors.overdue_reviews(user=city.office_city, campaign=city.campaign, rule=rule))
    assert [t.pk for t in office] == [t.pk for t in expected]


def test_review_cutoff_counts_working_days(city):
    rule = LightRule.for_campaign(city.campaign, today=date(2026, 11, 23))  # a Monday
    assert selectors.review_cutoff(rule, city.campaign).date() == date(2026, 11, 18)  # Wed: 3 working days


def test_scope_names_say_what_the_dashboard_covers(city):
    assert selectors.scope_names(user=city.office_east) == ["East"]
    assert selectors.scope_names(user=city.guide) == ["Group 1"]
    GuidanceGroup.objects.create(name="Group 2")
    assert selectors.scope_names(user=city.leader_a) == ["UnitA"]


def test_areas_for_a_superuser_and_for_an_office_of_two_subtrees(city, rule):
    from tests.factories import make_user
    from tracker.orgs.models import Role
    from tracker.orgs.services import role_grant

    mixed_city(city)
    root = make_user(is_superuser=True, is_staff=True)
    areas = selectors.area_rollups(user=root, campaign=city.campaign, rule=rule)
    assert [a.unit for a in areas] == [city.city] and areas[0].counts.total == Task.objects.count()
    # An office holding two districts: each district's children are its areas.
    two = make_user(Role.OFFICE, unit=city.east)
    role_grant(user=two, role=Role.OFFICE, unit=city.west)
    areas = selectors.area_rollups(user=two, campaign=city.campaign, rule=rule)
    assert [a.unit for a in areas] == [city.unit_a, city.unit_b]
    assert [a.counts.total for a in areas] == [Task.objects.filter(unit=u).count() for u in (city.unit_a, city.unit_b)]


def test_matrix_count_from_rollups_equals_the_rows(city, rule):
    """The pager's count is read from the scope's roll-up rows when nothing narrows the matrix."""
    mixed_city(city)
    make_unit("Empty", parent=city.west, category=city.unit_a.category)  # no tasks: not a row
    rollups_refresh(campaign=city.campaign, rule=rule)
    for user in (city.office_city, city.office_east, city.guide, city.leader_a, city.leadership):
        rows = dashboard_selectors.unit_rollups(user=user, campaign=city.campaign, rule=rule, ranked=False)
        count = dashboard_selectors.matrix_count(user=user, campaign=city.campaign, rule=rule, filters=UnitFilters())
        assert count == rows.count(), user
    narrowed = UnitFilters(light="red")
    assert (
        dashboard_selectors.matrix_count(user=city.office_city, campaign=city.campaign, rule=rule, filters=narrowed)
        is None
    )


def test_area_filter_offers_two_levels_below_the_scope_and_the_chosen_area(city):
    town = make_unit("Town", parent=city.unit_a, category=city.unit_a.category)
    village = make_unit("Village", parent=town, category=city.unit_a.category)
    make_unit("Hamlet", parent=village, category=city.unit_a.category)

    def names(user, selected=None):
        return [a.name for a in dashboard_selectors.area_options(user=user, selected=selected)]

    # The city office (depth 0): the city, its districts and unit A (depth 2); not the town below.
    assert names(city.office_city) == ["City", "East", "UnitA", "West"]
    assert names(city.office_city, selected=village.pk) == ["City", "East", "UnitA", "Village", "West"]
    # A district office sees two levels below its own top.
    assert names(city.office_east) == ["East", "UnitA", "Town"]
    # An area out of scope is never offered, chosen or not.
    assert "West" not in names(city.office_east, selected=city.west.pk)
