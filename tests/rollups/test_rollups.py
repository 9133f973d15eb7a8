"""Roll-ups stay equal to a full recount through every write path, in a fixed number of queries."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import grow_city
from tests.factories import TaskFactory, make_unit, make_user
from tracker.orgs.models import Role
from tracker.orgs.scope import scope_for
from tracker.orgs.services import role_grant
from tracker.rollups import recount
from tracker.rollups.check import rollups_check
from tracker.rollups.models import DayTally, DirtyUnit, MeasureTally, RollupState, UnitTally
from tracker.rollups.selectors import span_q
from tracker.rollups.services import rollups_invalidate, rollups_refresh
from tracker.rollups.tasks import refresh_rollups
from tracker.work import services
from tracker.work.instantiation import tasks_generate
from tracker.work.lights import LightRule
from tracker.work.models import Task
from tracker.work.selectors import task_counts


def refresh(city, today=None):
    rule = LightRule.for_campaign(city.campaign, today)
    rollups_refresh(campaign=city.campaign, rule=rule)
    return rule


def assert_exact(city, rule):
    differences = [d for d in rollups_check(campaign=city.campaign, rule=rule) if d.missing or d.extra]
    assert differences == []


def subtree(city, unit) -> UnitTally:
    return UnitTally.objects.get(campaign=city.campaign, unit=unit, subtree=True)


def test_every_write_path_keeps_the_rollups_equal_to_a_recount(city):
    rule = refresh(city)
    assert_exact(city, rule)
    assert subtree(city, city.city).total == Task.objects.count()
    today = timezone.localdate()
    task = city.task_a()
    # Entries: add (todo → in progress, a new day), delete, restore.
    entry = services.entry_add(task=task, by=city.staff_a, text="读书班", occurred_on=today - timedelta(days=3))
    rule = refresh(city)
    assert_exact(city, rule)
    assert (
        DayTally.objects.get(campaign=city.campaign, unit=city.city, subtree=True, day=entry.occurred_on).entries == 1
    )
    services.entry_delete(entry=entry, by=city.staff_a)
    refresh(city)
    assert_exact(city, rule)
    assert not DayTally.objects.filter(unit=city.unit_a, subtree=False, day=entry.occurred_on).exists()
    services.entry_restore(entry=entry, by=city.staff_a)
    # Review: submit, return, submit again, accept.
    task.refresh_from_db()
    task = services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    task = services.task_return(task=task, by=city.office_city, reason="证据不全", expected_version=task.version)
    services.entry_add(task=task, by=city.staff_a, text="补充", occurred_on=today)
    task.refresh_from_db()
    task = services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    refresh(city)
    assert_exact(city, rule)
    services.task_accept(task=task, by=city.office_city, expected_version=task.version)
    # A self-chosen task, a factory-made task, a new unit with generated tasks, a deleted task.
    services.task_create_self_chosen(
        unit=city.unit_b, by=city.staff_b, campaign=city.campaign, measure=city.study, title="自选", due_on=today
    )
    TaskFactory(campaign=city.campaign, unit=city.unit_b, measure=city.org, status="done")
    newcomer = make_unit("UnitC", parent=city.west, category=city.unit_a.category)
    tasks_generate(campaign=city.campaign, units=[newcomer])
    Task.objects.filter(unit=city.unit_b).order_by("id").first().delete()
    refresh(city)
    assert_exact(city, rule)
    live = task_counts(tasks=Task.objects.filter(campaign=city.campaign), rule=rule)
    root = subtree(city, city.city)
    assert (root.total, root.done, root.submitted, root.red, root.yellow, root.neutral) == (
        live.total,
        live.done,
        live.submitted,
        live.red,
        live.yellow,
        live.neutral,
    )
    assert root.units_red + root.units_yellow + root.units_green == 3  # units with tasks: A, B, C
    assert not DirtyUnit.objects.exists()


def test_a_new_day_recounts_the_lights(city):
    rule = refresh(city)
    later = timezone.localdate() + timedelta(days=200)  # every open task is overdue by then
    rule_later = refresh(city, today=later)
    assert RollupState.objects.get(campaign=city.campaign).rule_key.startswith(str(later))
    assert_exact(city, rule_later)
    root = subtree(city, city.city)
    assert root.red == Task.objects.exclude(status__in=["done", "submitted"]).count() > 0
    refresh(city)
    assert_exact(city, rule)


def test_tasks_not_yet_due_are_counted_as_neutral_and_leave_the_unit_green(city):
    """Untouched tasks far from their due date are "not yet due"; a unit of only those is green, not yellow."""
    Task.objects.filter(campaign=city.campaign).delete()
    far = timezone.localdate() + timedelta(days=40)
    for unit in (city.unit_a, city.unit_b):
        TaskFactory.create_batch(3, campaign=city.campaign, unit=unit, measure=city.study, due_on=far)
    TaskFactory(campaign=city.campaign, unit=city.unit_b, measure=city.org, status="in_progress", due_on=far)
    rule = refresh(city)
    assert_exact(city, rule)
    root = subtree(city, city.city)
    assert (root.total, root.red, root.yellow, root.neutral) == (7, 0, 0, 6)
    assert (root.units_red, root.units_yellow, root.units_green) == (0, 0, 2)
    cell = MeasureTally.objects.get(unit=city.unit_a, subtree=False, measure=city.study)
    assert (cell.total, cell.neutral, cell.yellow) == (3, 3, 0)


def test_tallies_counted_under_an_older_light_rule_are_rebuilt(city):
    rule = refresh(city)
    state = RollupState.objects.get(campaign=city.campaign)
    RollupState.objects.filter(pk=state.pk).update(rule_key=state.rule_key.rsplit("|", 1)[0])
    UnitTally.objects.filter(campaign=city.campaign).update(neutral=0)
    refresh(city)
    assert_exact(city, rule)


def test_a_threshold_edit_recounts_the_lights(city):
    refresh(city)
    city.campaign.group_red_percent = 100
    city.campaign.save()
    rule = refresh(city)
    assert RollupState.objects.get(campaign=city.campaign).rule_key.split("|")[3] == "100"
    assert_exact(city, rule)


def test_refresh_costs_one_query_when_nothing_changed_and_the_same_for_1_or_20_changed_units(city):
    grow_city(city, 30)
    refresh(city)
    with CaptureQueriesContext(connection) as idle:
        refresh(city)
    assert len(idle) == 1
    costs = []
    for changed in (1, 20):
        first_todo = {}
        for task in Task.objects.filter(status="todo").order_by("unit_id", "id"):
            first_todo.setdefault(task.unit_id, task)
        for task in list(first_todo.values())[:changed]:
            Task.objects.filter(pk=task.pk).update(status="in_progress")
            task.status = "in_progress"
            task.save()
        with CaptureQueriesContext(connection) as folding:
            rule = refresh(city)
        costs.append(len(folding))
        assert_exact(city, rule)
    assert costs[0] == costs[1]


def test_check_rollups_reports_a_difference_and_a_rebuild_mends_it(city, capsys):
    refresh(city)
    call_command("check_rollups")
    assert "roll-ups equal a full recount" in capsys.readouterr().out
    UnitTally.objects.filter(unit=city.unit_a, subtree=False).update(red=99)
    MeasureTally.objects.filter(unit=city.city, subtree=True).update(total=0, done=0, red=0, yellow=0, submitted=0)
    with pytest.raises(CommandError, match="differ"):
        call_command("check_rollups", "--no-refresh")
    out = capsys.readouterr().out
    assert "rollups_unittally        own      1 missing, 1 extra" in out
    assert "rollups_measuretally     subtree" in out
    rollups_invalidate(campaign=city.campaign)
    call_command("check_rollups")
    assert "roll-ups equal a full recount" in capsys.readouterr().out


def test_scope_rows_count_each_unit_once(city):
    """An office user who is also staff of a unit inside their subtree: that unit is not counted twice."""
    rule = refresh(city)
    both = make_user(Role.OFFICE, unit=city.east, username="office_and_staff")
    role_grant(user=both, role=Role.STAFF, unit=city.unit_b)  # outside east: counted on its own
    role_grant(user=both, role=Role.STAFF, unit=city.unit_a)  # inside east: already in east's subtree row
    scope = scope_for(type(both).objects.get(pk=both.pk))
    total = UnitTally.objects.filter(span_q(scope), campaign=city.campaign).values_list("total", flat=True)
    expected = Task.objects.filter(unit__in=[city.unit_a, city.unit_b]).count()
    assert sum(total) == expected
    assert_exact(city, rule)


def test_the_minute_job_refreshes(city):
    TaskFactory(campaign=city.campaign, unit=city.unit_a, measure=city.study)
    result = refresh_rollups.apply().get()
    assert result["campaign"] == city.campaign.pk
    assert not DirtyUnit.objects.exists()
    assert_exact(city, LightRule.for_campaign(city.campaign))


def test_a_change_noted_while_a_refresh_runs_is_folded_in_by_the_next(city, monkeypatch):
    """The refresh deletes exactly the marks it read: a writer's mark that arrives meanwhile stays."""
    rule = refresh(city)
    task = city.task_b()
    TaskFactory(campaign=city.campaign, unit=city.unit_a, measure=city.study)  # marks unit A
    original = recount.insert_own

    def concurrent_writer(model, **kwargs):
        if model is UnitTally:  # mid-refresh, another transaction changes unit B and notes it
            Task.objects.filter(pk=task.pk).update(status="done")
            DirtyUnit.objects.create(campaign_id=city.campaign.pk, unit_id=city.unit_b.pk)
        return original(model, **kwargs)

    monkeypatch.setattr(recount, "insert_own", concurrent_writer)
    refresh(city)
    monkeypatch.setattr(recount, "insert_own", original)
    assert list(DirtyUnit.objects.values_list("unit_id", flat=True)) == [city.unit_b.pk]
    refresh(city)
    assert not DirtyUnit.objects.exists()
    assert_exact(city, rule)


def test_stale_units_and_waiting_reviews_are_counted_as_the_lists_show_them(city):
    """The overview's counts come from the roll-ups; its lists from tasks and units: they agree."""
    from tracker.dashboards import selectors as dashboards

    task = city.task_a()
    services.entry_add(task=task, by=city.staff_a, text="x", occurred_on=timezone.localdate() - timedelta(days=1))
    task.refresh_from_db()
    services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    Task.objects.filter(pk=task.pk).update(submitted_at=timezone.now() - timedelta(days=10))
    DirtyUnit.objects.create(campaign_id=city.campaign.pk, unit_id=city.unit_a.pk)  # the update bypassed signals
    rule = refresh(city)
    for user in (city.office_city, city.office_east, city.guide, city.leader_a, city.leadership):
        _, _, waiting, stale = dashboards.scope_tally(user=user, campaign=city.campaign, rule=rule)
        assert waiting == dashboards.overdue_reviews(user=user, campaign=city.campaign, rule=rule).count()
        assert stale == dashboards.stale_units(user=user, campaign=city.campaign, rule=rule).count()
    _, _, waiting, stale = dashboards.scope_tally(user=city.office_city, campaign=city.campaign, rule=rule)
    assert (waiting, stale) == (1, 1)  # unit A's submission; unit B never logged anything


@pytest.mark.django_db(transaction=True)
def test_a_reader_does_not_queue_behind_a_refresh_that_is_folding_changes(city):
    """With only marks pending and another refresh holding the lock, a reader returns at once."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks")
    refresh(city)
    TaskFactory(campaign=city.campaign, unit=city.unit_a, measure=city.study)
    locked, release = threading.Event(), threading.Event()

    def other_refresh():
        with transaction.atomic():
            RollupState.objects.select_for_update().get(campaign=city.campaign)
            locked.set()
            release.wait(30)
        connections.close_all()

    other = threading.Thread(target=other_refresh)
    other.start()
    assert locked.wait(30)
    try:
        refresh(city)  # had it waited, it would have folded the mark after the other one let go
        assert DirtyUnit.objects.filter(unit_id=city.unit_a.pk).exists()
    finally:
        release.set()
        other.join()
    refresh(city)
    assert not DirtyUnit.objects.exists()
