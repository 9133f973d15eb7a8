"""Batches, who takes part, per-unit windows and their due dates (issue 15 items 1 and 2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import CampaignFactory, TemplateFactory
from tracker.campaigns.models import Participation, Recurrence, Window
from tracker.campaigns.services import (
    CampaignClosed,
    batch_create,
    campaign_clone,
    campaign_close,
    participation_set,
    units_matching,
)
from tracker.work import services as work_services
from tracker.work.instantiation import tasks_generate, unit_window_set
from tracker.work.models import Task, TaskStatus


def _reading(city):
    return Task.objects.get(unit=city.unit_a, template__code="reading")


def test_a_units_own_window_moves_its_open_tasks_and_only_those(city):
    campaign = city.campaign
    before_b = Task.objects.get(unit=city.unit_b, template__code="reading").due_on
    plan = Task.objects.get(unit=city.unit_a, template__code="plan")
    plan = work_services.entry_add(task=plan, by=city.staff_a, text="方案已制定").task
    plan = work_services.task_submit(task=plan, by=city.staff_a, expected_version=plan.version)
    start = campaign.starts_on + timedelta(days=20)
    moved = unit_window_set(campaign=campaign, unit=city.unit_a, starts_on=start, ends_on=None, by=city.office_east)
    reading = _reading(city)
    # "90 days after the start" is after the unit's own start, clamped into its window.
    assert reading.due_on == min(start + timedelta(days=90), campaign.ends_on)
    assert moved == 1
    plan.refresh_from_db()
    assert plan.status == TaskStatus.SUBMITTED and plan.due_on == campaign.starts_on  # submitted: untouched
    assert Task.objects.get(unit=city.unit_b, template__code="reading").due_on == before_b  # another unit
    assert reading.history.first().history_change_reason == "window"
    # Back to the campaign's window: the due date returns.
    unit_window_set(campaign=campaign, unit=city.unit_a, starts_on=None, ends_on=None, by=city.office_east)
    assert _reading(city).due_on == campaign.starts_on + timedelta(days=90)


@translation.override("en")
def test_a_window_outside_the_campaign_is_refused_and_changes_nothing(city):
    due = _reading(city).due_on
    with pytest.raises(ValidationError, match="inside the campaign"):
        unit_window_set(
            campaign=city.campaign,
            unit=city.unit_a,
            starts_on=city.campaign.starts_on - timedelta(days=1),
            ends_on=None,
            by=city.office_east,
        )
    with pytest.raises(ValidationError, match="ends before it starts"):
        unit_window_set(
            campaign=city.campaign,
            unit=city.unit_a,
            starts_on=city.campaign.ends_on,
            ends_on=city.campaign.starts_on,
            by=city.office_east,
        )
    assert _reading(city).due_on == due
    assert not Participation.objects.exists()


def test_a_campaign_in_batches_is_run_by_its_batch_units_in_the_batch_window(city):
    other = CampaignFactory(code="next", starts_on=city.campaign.starts_on, ends_on=city.campaign.ends_on)
    TemplateFactory(campaign=other, measure=city.study, code="reading", due_offset_days=10)
    batch = batch_create(
        campaign=other,
        code="second",
        name_zh="第二批",
        starts_on=other.starts_on + timedelta(days=30),
        ends_on=other.ends_on,
    )
    assert participation_set(campaign=other, unit_ids=[city.unit_a.pk], batch=batch) == 1
    tasks_generate(campaign=other)
    tasks = Task.objects.filter(campaign=other)
    assert [t.unit_id for t in tasks] == [city.unit_a.pk]  # unit B is in no batch
    assert tasks.get().due_on == batch.starts_on + timedelta(days=10)


def test_a_unit_is_in_at_most_one_batch_of_a_campaign(city):
    campaign = city.campaign
    first = batch_create(
        campaign=campaign, code="a", name_zh="第一批", starts_on=campaign.starts_on, ends_on=campaign.ends_on
    )
    second = batch_create(
        campaign=campaign, code="b", name_zh="第二批", starts_on=campaign.starts_on, ends_on=campaign.ends_on
    )
    participation_set(campaign=campaign, unit_ids=[city.unit_a.pk], batch=first)
    participation_set(campaign=campaign, unit_ids=[city.unit_a.pk], batch=second)  # moves, not a second row
    assert list(Participation.objects.values_list("unit_id", "batch_id")) == [(city.unit_a.pk, second.pk)]
    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.create(campaign=campaign, unit=city.unit_a, batch=first)


def test_a_batch_runs_inside_its_campaign(city):
    with pytest.raises(ValidationError):
        batch_create(
            campaign=city.campaign,
            code="late",
            name_zh="晚批",
            starts_on=city.campaign.starts_on,
            ends_on=city.campaign.ends_on + timedelta(days=1),
        )


def test_units_are_chosen_by_category_area_or_list(city):
    assert set(units_matching(categories=[city.unit_a.category])) == {city.unit_a.pk, city.unit_b.pk}
    assert units_matching(area=city.east) == [city.unit_a.pk]
    assert units_matching(unit_ids=[city.unit_b.pk]) == [city.unit_b.pk]


def test_clone_copies_the_required_actions_and_a_closed_campaign_refuses_writes(city):
    city.campaign.self_chosen_soft_cap = 4
    city.campaign.save()
    city.campaign.templates.filter(code="plan").update(owner_unit=city.east, weight=3)
    clone = campaign_clone(
        source=city.campaign,
        code="next-year",
        name_zh="下一年主题教育",
        starts_on=city.campaign.ends_on,
        ends_on=city.campaign.ends_on + timedelta(days=100),
        by=city.office_city,
    )
    assert sorted(clone.templates.values_list("code", flat=True)) == sorted(
        city.campaign.templates.values_list("code", flat=True)
    )
    school_only = clone.templates.get(code="school-only")
    assert [c.code for c in school_only.categories.all()] == ["school"]
    plan = clone.templates.get(code="plan")
    assert (plan.owner_unit, plan.weight, clone.self_chosen_soft_cap) == (city.east, 3, 4)
    closed = campaign_close(campaign=clone, by=city.office_city)
    assert closed.is_closed and not closed.is_active
    with pytest.raises(CampaignClosed):
        batch_create(campaign=closed, code="x", name_zh="x", starts_on=closed.starts_on, ends_on=closed.ends_on)
    assert tasks_generate(campaign=closed) == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.integers(0, 200),
    length=st.integers(0, 200),
    offset=st.integers(-60, 150),
    monthly=st.booleans(),
    anchor=st.sampled_from(["start", "end"]),
)
def test_due_dates_never_leave_the_window(city, start, length, offset, monthly, anchor):
    """Invariant: whatever the window and the rule, every period's due date lies inside the window."""
    template = city.campaign.templates.get(code="reading")
    template.due_anchor, template.due_offset_days = anchor, offset
    template.recurrence = Recurrence.MONTHLY if monthly else Recurrence.NONE
    window = Window(
        city.campaign.starts_on + timedelta(days=start), city.campaign.starts_on + timedelta(days=start + length)
    )
    periods = template.periods(window)
    assert periods
    for period in periods:
        assert window.starts_on <= period.due_on <= window.ends_on
    if monthly:
        assert periods[0].starts_on == window.starts_on and periods[-1].ends_on == window.ends_on
