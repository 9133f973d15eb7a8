from datetime import date, timedelta

import pytest

from tests.factories import TaskFactory
from tracker.core.workdays import add_workdays, is_workday
from tracker.work.lights import LightRule
from tracker.work.models import Task

TODAY = date(2026, 11, 18)  # a Wednesday


def test_official_calendar_with_make_up_days():
    assert not is_workday(date(2025, 10, 1))  # National Day
    assert is_workday(date(2025, 9, 28))  # a Sunday worked in exchange (调休)
    assert not is_workday(date(2026, 11, 21))  # Saturday


def test_add_workdays_skips_weekends():
    assert add_workdays(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Friday → Monday
    assert add_workdays(TODAY, 3) == date(2026, 11, 23)


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
    ],
)
def test_light_rule(city, rule, status, due, activity, expected):
    task = TaskFactory(campaign=city.campaign, unit=city.unit_a, status=status, due_on=due, last_activity_on=activity)
    assert light_of(task, rule) == expected


def test_red_turns_back_when_done(city, rule):
    task = TaskFactory(campaign=city.campaign, unit=city.unit_a, due_on=TODAY - timedelta(days=2))
    assert light_of(task, rule) == "red"
    Task.objects.filter(pk=task.pk).update(status="done")
    assert light_of(task, rule) == "green"
    assert task.history.count() >= 1


def test_q_branches_agree_with_the_case_expression(city, rule):
    for due in (TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=40)):
        for status in ("todo", "done"):
            TaskFactory(campaign=city.campaign, unit=city.unit_a, status=status, due_on=due)
    annotated = dict(Task.objects.with_light(rule).values_list("pk", "light"))
    red = set(Task.objects.filter(rule.red_q()).values_list("pk", flat=True))
    yellow = set(Task.objects.filter(rule.yellow_q()).values_list("pk", flat=True))
    assert red == {pk for pk, light in annotated.items() if light == "red"}
    assert yellow == {pk for pk, light in annotated.items() if light == "yellow"}


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
    assert unit.task_total == row["task_total"] == len(statuses_and_dues)
    assert unit.task_percent == row["task_percent"]
