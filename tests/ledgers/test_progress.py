"""One progress rule: a ledger row changes only the tasks it counts towards, never lowers what a person set."""

from __future__ import annotations

import pytest

from tests.factories import TemplateFactory, make_ledger_row
from tracker.ledgers import services
from tracker.work import services as work_services
from tracker.work.instantiation import tasks_generate
from tracker.work.models import Task


@pytest.fixture
def study_tasks(city):
    """Unit A's reading-class task (one session needed) and central-study-group task (two needed)."""
    reading = TemplateFactory(
        campaign=city.campaign,
        measure=city.study,
        code="reading-class",
        ledger="study",
        ledger_filter={"kind": "reading_class"},
        target_count=1,
        due_offset_days=100,
    )
    group = TemplateFactory(
        campaign=city.campaign,
        measure=city.study,
        code="central-group-2",
        ledger="study",
        ledger_filter={"kind": "central_group"},
        target_count=2,
        due_offset_days=100,
    )
    tasks_generate(campaign=city.campaign)
    return Task.objects.get(unit=city.unit_a, template=reading), Task.objects.get(unit=city.unit_a, template=group)


def test_an_unrelated_session_leaves_a_task_a_person_set_alone(city, study_tasks):
    reading, _group = study_tasks
    work_services.entry_add(task=reading, by=city.staff_a, text="读书班已办，纪要见附件", percent=100)
    reading.refresh_from_db()
    before = (reading.progress, reading.version, reading.history.count())
    assert before[0] == 100
    make_ledger_row("study", unit=city.unit_a, by=city.staff_a, kind="central_group")
    reading.refresh_from_db()
    assert (reading.progress, reading.version, reading.history.count()) == before


def test_a_session_never_lowers_what_a_person_set_on_its_own_task(city, study_tasks):
    _reading, group = study_tasks
    work_services.entry_add(task=group, by=city.staff_a, text="已开展两次集中学习", percent=90)
    make_ledger_row("study", unit=city.unit_a, by=city.staff_a, kind="central_group")
    group.refresh_from_db()
    assert (group.progress, group.entry_count) == (90, 2)  # 1 of 2 sessions is 50: the person's 90 stands
    make_ledger_row("study", unit=city.unit_a, by=city.staff_a, kind="central_group")
    group.refresh_from_db()
    assert group.progress == 100  # both sessions recorded


def test_a_row_does_not_fill_a_task_beyond_the_rows_recorded(city, study_tasks):
    _reading, group = study_tasks
    first = make_ledger_row("study", unit=city.unit_a, by=city.staff_a, kind="central_group")
    make_ledger_row("study", unit=city.unit_a, by=city.staff_a, kind="central_group")
    services.ledger_row_delete(row=first, by=city.staff_a, expected_version=1)
    group.refresh_from_db()
    entry = work_services.entry_add(task=group, by=city.staff_a, text="补充说明")
    work_services.entry_delete(entry=entry, by=city.staff_a)
    group.refresh_from_db()
    # One of the two sessions is in the ledger: 50 %, not the 100 % the second row's entry once said.
    assert group.progress == 50
