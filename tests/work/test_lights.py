import re
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import login
from tests.factories import TaskFactory
from tracker.work import services
from tracker.work.lights import LightRule
from tracker.work.models import Task

TODAY = date(2026, 11, 18)  # a Wednesday


@pytest.fixture
def rule(city):
    return LightRule.for_campaign(city.campaign, today=TODAY)


def light_of(task, rule):
    return Task.objects.with_light(rule).get(pk=task.pk).light


@pytest.mark.parametrize(
    "status,due,activity,expected",
    [
        ("todo", TODAY - timedelta(days=1), TODAY, "red"),
        ("in_progress", TODAY - timedelta(days=30), TODAY, "red"),
        ("returned", TODAY - timedelta(days=1), TODAY, "red"),
        ("done", TODAY - timedelta(days=30), TODAY - timedelta(days=60), "green"),
        ("submitted", TODAY - timedelta(days=3), TODAY - timedelta(days=60), "green"),
        ("todo", TODAY, TODAY, "yellow"),  # due today
        ("in_progress", date(2026, 11, 23), TODAY, "yellow"),  # 3 working days ahead
        ("in_progress", date(2026, 11, 24), TODAY, "green"),
        ("in_progress", TODAY + timedelta(days=30), TODAY - timedelta(days=15), "yellow"),  # stale
        ("in_progress", TODAY + timedelta(days=30), TODAY - timedelta(days=14), "green"),
        # Not started and nothing asked of it yet: not yet due, neither yellow nor green.
        ("todo", date(2026, 11, 24), TODAY, "neutral"),
        ("todo", TODAY + timedelta(days=30), TODAY - timedelta(days=14), "neutral"),
        # Untouched for long but its time has not come: still not yet due (only a started task goes stale).
        ("todo", TODAY + timedelta(days=30), TODAY - timedelta(days=60), "neutral"),
        ("returned", TODAY + timedelta(days=30), TODAY, "green"),
    ],
)
def test_light_rule(city, rule, status, due, activity, expected):
    task = TaskFactory(campaign=city.campaign, unit=city.unit_a, status=status, due_on=due, last_activity_on=activity)
    assert light_of(task, rule) == expected


def test_red_turns_back_when_done(city, rule):
    task = TaskFactory(campaign=city.campaign, unit=city.unit_a, due_on=TODAY - timedelta(days=2))
    assert light_of(task, rule) == "red"
    services.entry_add(task=task, by=city.staff_a, text="已完成")
    task.refresh_from_db()
    task = services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    task = services.task_accept(task=task, by=city.office_city, expected_version=task.version)
    assert light_of(task, rule) == "green"
    # Closing the task is on its record: the newest history row is the accept, by the office.
    latest = task.history.latest()
    assert (latest.status, latest.history_user) == ("done", city.office_city)


def test_q_branches_agree_with_the_case_expression(city, rule):
    for due in (TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=40)):
        for status in ("todo", "done"):
            TaskFactory(campaign=city.campaign, unit=city.unit_a, status=status, due_on=due)
    annotated = dict(Task.objects.with_light(rule).values_list("pk", "light"))
    red = set(Task.objects.filter(rule.red_q()).values_list("pk", flat=True))
    yellow = set(Task.objects.filter(rule.yellow_q()).values_list("pk", flat=True))
    neutral = set(Task.objects.filter(rule.neutral_q()).values_list("pk", flat=True))
    assert red == {pk for pk, light in annotated.items() if light == "red"}
    assert yellow == {pk for pk, light in annotated.items() if light == "yellow"}
    assert neutral == {pk for pk, light in annotated.items() if light == "neutral"} != set()


def test_no_entry_counts_from_when_the_task_became_active(city):
    """A task idle since it was created months ago is not stale before its period (or the campaign) began."""
    rule = LightRule.for_campaign(city.campaign, today=TODAY)
    long_ago = TODAY - timedelta(days=90)
    in_period = TaskFactory(
        campaign=city.campaign,
        unit=city.unit_a,
        status="in_progress",
        due_on=TODAY + timedelta(days=30),
        last_activity_on=long_ago,
        period_starts_on=TODAY - timedelta(days=5),
    )
    assert light_of(in_period, rule) == "green"
    Task.objects.filter(pk=in_period.pk).update(period_starts_on=TODAY - timedelta(days=15))
    assert light_of(in_period, rule) == "yellow"  # active for 15 days without an entry

    # The campaign itself began 10 days ago: nothing in it can have gone 14 days without an entry.
    city.campaign.starts_on = TODAY - timedelta(days=10)
    young = LightRule.for_campaign(city.campaign, today=TODAY)
    assert young.stale_q() is None
    assert light_of(in_period, young) == "green"
    untouched = TaskFactory(
        campaign=city.campaign, unit=city.unit_a, due_on=TODAY + timedelta(days=30), last_activity_on=long_ago
    )
    assert light_of(untouched, young) == "neutral"


def test_review_cutoff_counts_working_days_back_over_a_weekend(city):
    rule = LightRule.for_campaign(city.campaign, today=date(2026, 11, 23))  # a Monday
    assert city.campaign.yellow_due_workdays == 3
    assert timezone.localtime(rule.review_before) == timezone.make_aware(datetime(2026, 11, 18))  # the Wednesday


def test_completion_percent_rounds_down_so_100_means_all_done():
    from tracker.work.lights import completion_percent

    assert [completion_percent(d, 3) for d in range(4)] == [0, 33, 66, 100]
    assert completion_percent(199, 200) == 99 and completion_percent(0, 0) == 0


@pytest.mark.parametrize(
    "statuses_and_dues,expected",
    [
        ([], "green"),  # nothing in the group is late
        ([("done", -5), ("todo", 30)], "green"),
        ([("todo", 0), ("todo", 30)], "yellow"),  # one due today
        ([("todo", -1), ("todo", 0), ("done", 3)], "red"),  # a third of the tasks are red
        ([("todo", -1)] + [("todo", 30)] * 9, "red"),  # 10 %: the campaign's default threshold
        ([("todo", -1)] + [("todo", 30)] * 10, "yellow"),  # one late task in eleven: a warning
        ([("todo", 30)] * 10 + [("todo", 0)], "yellow"),
        ([("todo", 30)] * 3, "green"),  # tasks not yet due do not make a group yellow
    ],
)
def test_group_light_rolls_up_in_sql_and_aggregate(city, rule, statuses_and_dues, expected):
    from django.db.models import Q

    from tracker.orgs.models import Unit

    for status, due in statuses_and_dues:
        TaskFactory(campaign=city.campaign, unit=city.west, status=status, due_on=TODAY + timedelta(days=due))
    # The same rule as an annotation per unit and as an aggregate over a task queryset.
    unit = Unit.objects.annotate(**rule.tally("tasks__", Q(tasks__campaign=city.campaign))).get(pk=city.west.pk)
    row = Task.objects.filter(unit=city.west).aggregate(**rule.tally())
    assert unit.task_light == row["task_light"] == expected
    assert rule.group_light(row["task_red"], row["task_yellow"], row["task_total"]) == expected  # in Python
    # The unit page counts the tasks it read, in Python: the same numbers as the aggregate.
    from tracker.work.selectors import TaskCounts, task_counts

    tasks = Task.objects.filter(unit=city.west).with_light(rule)
    assert TaskCounts.of_tasks(list(tasks), rule) == task_counts(tasks=tasks, rule=rule)
    assert unit.task_total == row["task_total"] == len(statuses_and_dues)
    assert unit.task_percent == row["task_percent"]


def legend_of(html: str) -> str:
    match = re.search(r'<details class="light-legend.*?</details>', html, re.S)
    assert match, "no light legend on the page"
    return match.group(0)


def test_every_page_with_lights_explains_them_from_the_campaigns_thresholds(client, city):
    campaign = city.campaign
    campaign.yellow_due_workdays, campaign.stale_days, campaign.group_red_percent = 4, 21, 25
    campaign.save()
    task = city.task_a()
    login(client, city.office_city)
    pages = {
        reverse("dashboards:overview"): True,
        reverse("dashboards:matrix"): True,
        reverse("home:unit_list"): True,
        reverse("work:unit_detail", args=[city.unit_a.pk]): True,
        reverse("work:task_detail", args=[task.pk]): False,
        reverse("work:review_queue"): False,
        reverse("home"): False,
    }
    for url, groups in pages.items():
        html = client.get(url).content.decode()
        legend = legend_of(html)
        for light in ("red", "yellow", "neutral", "green"):
            assert f"light-{light}" in legend, url
        assert "4" in legend and "21" in legend, url
        assert ("25%" in legend) is groups, url
    overview = client.get(reverse("dashboards:overview")).content.decode()
    assert "any of its tasks is overdue" not in overview and "任一任务逾期" not in overview


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    red=st.integers(0, 60),
    yellow=st.integers(0, 60),
    rest=st.integers(0, 400),
    threshold=st.integers(0, 100),
)
def test_group_light_in_python_is_the_sql_rule(city, red, yellow, rest, threshold):
    """Pages that sum roll-up rows work the light out in Python: for any counts and threshold it
    is the light the SQL CASE gives, and the completion the SQL division gives."""
    from django.db.models import IntegerField, Value

    from tracker.orgs.models import Unit
    from tracker.work.lights import Light, percent_expression
    from tracker.work.selectors import TaskCounts

    rule = replace(LightRule.for_campaign(city.campaign, today=TODAY), group_red_percent=threshold)
    total = red + yellow + rest
    done = rest // 2

    def literal(n: int) -> Value:
        return Value(n, output_field=IntegerField())

    light, percent = (
        Unit.objects.filter(pk=city.west.pk)
        .annotate(
            light=rule.rollup_expression(literal(red), literal(yellow), literal(total)),
            percent=percent_expression(literal(done), literal(total)),
        )
        .values_list("light", "percent")
        .get()
    )
    counters = {"total": total, "done": done, "submitted": 0, "red": red, "yellow": yellow, "neutral": None}
    counts = TaskCounts.from_counters(counters, rule)
    assert rule.group_light(red, yellow, total) == light == counts.light
    assert counts.percent_done == percent and counts.neutral == 0
    assert counts.green == total - red - yellow
    assert light in (Light.RED, Light.YELLOW, Light.GREEN)
