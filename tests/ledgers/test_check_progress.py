"""`manage.py check_progress`: a recount of every task from entries, ledger rows and events."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.factories import TemplateFactory, make_ledger_row
from tracker.ledgers.progress import progress_differences
from tracker.work import services as work_services
from tracker.work.instantiation import tasks_generate
from tracker.work.models import Entry, Task


@pytest.fixture
def counted_task(city):
    template = TemplateFactory(
        campaign=city.campaign,
        measure=city.study,
        code="group-sessions",
        ledger="study",
        ledger_filter={"kind": "central_group"},
        target_count=4,
        due_offset_days=100,
    )
    tasks_generate(campaign=city.campaign)
    return Task.objects.get(unit=city.unit_a, template=template)


def test_clean_after_writes_through_the_services(city, counted_task):
    work_services.entry_add(task=city.task_a(), by=city.staff_a, text="完成", percent=40)
    make_ledger_row("study", unit=city.unit_a, by=city.staff_a)
    out = StringIO()
    call_command("check_progress", stdout=out)
    assert "every task equals a recount" in out.getvalue()


def test_reports_each_difference_exits_1_and_fix_repairs_with_a_reason(city, counted_task):
    make_ledger_row("study", unit=city.unit_a, by=city.staff_a)
    plain = work_services.entry_add(task=city.task_a(), by=city.staff_a, text="完成", percent=40).task
    # Writes that bypass the services: a stale counter, and a ledger entry lost behind the task's back.
    Task.objects.filter(pk=plain.pk).update(progress=7, entry_count=9)
    Entry.objects.filter(task=counted_task).update(deleted_at=timezone.now())
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_progress", stdout=out)
    report = out.getvalue()
    assert f"task {plain.pk} (unit {city.unit_a.pk}): progress is 7, expected 40" in report
    assert f"task {plain.pk} (unit {city.unit_a.pk}): entry_count is 9, expected 1" in report
    assert f"→ task {counted_task.pk}: missing entry" in report

    call_command("check_progress", fix=True, stdout=StringIO())
    assert progress_differences(campaign=city.campaign) == []
    plain.refresh_from_db()
    counted_task.refresh_from_db()
    assert (plain.progress, plain.entry_count) == (40, 1)
    assert (counted_task.progress, counted_task.entry_count) == (25, 1)
    assert plain.history.first().history_change_reason == "check_progress --fix"
