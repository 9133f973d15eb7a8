"""The template editor's change: preview (effect), apply all-or-nothing, archive, local templates, 409."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tests.factories import make_unit, make_user
from tracker.campaigns.models import TaskTemplate
from tracker.core.concurrency import StaleVersion
from tracker.editor import services
from tracker.editor.access import access_template
from tracker.editor.models import ChangeKind, ChangeStatus
from tracker.editor.selectors import FIELDS, change_effect
from tracker.orgs.models import Role
from tracker.work import services as work_services
from tracker.work.instantiation import tasks_generate
from tracker.work.models import Task, TaskStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def school_unit(city):
    from tracker.orgs.models import UnitCategory

    unit = make_unit("SchoolC", parent=city.east, category=UnitCategory.objects.get(code="school"))
    tasks_generate(campaign=city.campaign)
    return unit


def data_of(template: TaskTemplate, **changes) -> dict:
    data = {name: getattr(template, name) for name in FIELDS}
    data["measure"] = template.measure_id
    data["categories"] = sorted(template.categories.values_list("pk", flat=True))
    return {**data, **changes}


def propose(city, template, by=None, kind=ChangeKind.EDIT, **changes):
    return services.change_propose(
        by=by or city.office_city,
        campaign=city.campaign,
        kind=kind,
        template=template,
        data=data_of(template, **changes) if kind != ChangeKind.RETIRE else {},
        reason="市委通知调整",
        base_version=template.version,
    )


def apply(change, by):
    services.change_confirm(change=change, by=by)
    return services.change_run(change_id=change.pk)


def test_moving_the_due_rule_moves_open_tasks_and_keeps_submitted_and_done_ones(city):
    reading = TaskTemplate.objects.get(code="reading")
    task_a = Task.objects.get(template=reading, unit=city.unit_a)
    task_b = Task.objects.get(template=reading, unit=city.unit_b)
    Task.objects.filter(pk=task_b.pk).update(status=TaskStatus.DONE)
    change = propose(city, reading, due_offset_days=20)

    effect = change_effect(change=change)
    assert list(effect.move) == [task_a.pk]
    assert effect.untouched == [task_b.pk]
    assert effect.add == [] and effect.archive == [] and effect.remove == []

    done = apply(change, city.office_city)
    assert done.status == ChangeStatus.DONE
    assert done.result["moved"] == 1 and done.result["untouched"] == 1
    task_a.refresh_from_db()
    assert task_a.due_on == city.campaign.starts_on + timedelta(days=20)
    assert Task.objects.get(pk=task_b.pk).due_on == task_b.due_on
    record = task_a.history.first()
    assert record.history_change_reason == "市委通知调整" and record.history_user == city.office_city
    reading.refresh_from_db()
    assert reading.version == 2 and reading.due_offset_days == 20
    assert reading.history.first().history_user == city.office_city


def test_a_removed_category_archives_worked_tasks_and_removes_untouched_ones(city, school_unit):
    reading = TaskTemplate.objects.get(code="reading")
    worked = Task.objects.get(template=reading, unit=city.unit_a)
    work_services.entry_add(task=worked, by=city.staff_a, text="开了第一次读书班")
    untouched = Task.objects.get(template=reading, unit=city.unit_b)
    change = propose(city, reading, categories=[school_unit.category_id])

    effect = change_effect(change=change)
    assert effect.archive == [worked.pk] and effect.remove == [untouched.pk]
    assert effect.category_work == 1  # explained before applying

    apply(change, city.office_city)
    worked.refresh_from_db()
    assert worked.archived_at is not None and worked.entry_count == 1
    assert not Task.objects.filter(pk=untouched.pk).exists()
    assert Task.objects.filter(template=reading, unit=school_unit, archived_at__isnull=True).count() == 1
    with pytest.raises(ValidationError):
        work_services.entry_add(task=worked, by=city.staff_a, text="再记一条")


def test_retiring_keeps_what_units_did(city):
    plan = TaskTemplate.objects.get(code="plan")
    worked = Task.objects.get(template=plan, unit=city.unit_a)
    work_services.entry_add(task=worked, by=city.staff_a, text="方案已起草")
    done = apply(propose(city, plan, kind=ChangeKind.RETIRE), city.office_city)
    assert done.result == {**done.result, "archived": 1, "removed": 1}
    plan.refresh_from_db()
    assert not plan.is_active
    assert Task.objects.filter(template=plan).count() == 1
    assert Task.objects.get(pk=worked.pk).entries.count() == 1


def test_a_stale_change_is_refused_and_a_second_confirm_is_a_no_op(city):
    reading = TaskTemplate.objects.get(code="reading")
    first = propose(city, reading, due_offset_days=40)
    second = propose(city, reading, due_offset_days=50)
    apply(first, city.office_city)
    with pytest.raises(StaleVersion):
        services.change_confirm(change=second, by=city.office_city)
    assert services.change_confirm(change=first, by=city.office_city).status == ChangeStatus.DONE


def test_apply_is_all_or_nothing_and_can_be_retried(city, monkeypatch):
    reading = TaskTemplate.objects.get(code="reading")
    before = dict(Task.objects.filter(template=reading).values_list("pk", "due_on"))
    change = propose(city, reading, due_offset_days=10)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "tasks_generate", broken)
    with pytest.raises(RuntimeError):
        apply(change, city.office_city)
    change.refresh_from_db()
    assert change.status == ChangeStatus.FAILED and change.error
    assert dict(Task.objects.filter(template=reading).values_list("pk", "due_on")) == before
    reading.refresh_from_db()
    assert reading.version == 1 and reading.due_offset_days == 90

    monkeypatch.undo()
    assert apply(change, city.office_city).status == ChangeStatus.DONE
    assert set(Task.objects.filter(template=reading).values_list("due_on", flat=True)) == {
        city.campaign.starts_on + timedelta(days=10)
    }


def test_a_district_office_adds_a_template_for_its_own_subtree_only(city):
    reading = TaskTemplate.objects.get(code="reading")
    data = data_of(reading, title_zh="东区特色：红色教育基地参观", owner_unit=city.east.pk, categories=[])
    change = services.change_propose(
        by=city.office_east, campaign=city.campaign, kind=ChangeKind.CREATE, data=data, reason="东区自定"
    )
    assert change_effect(change=change).counts["added"] == 1
    apply(change, city.office_east)
    change.refresh_from_db()
    local = change.template
    assert local.owner_unit == city.east
    assert list(Task.objects.filter(template=local).values_list("unit", flat=True)) == [city.unit_a.pk]

    office_west = make_user(Role.OFFICE, unit=city.west, username="office_west")
    with pytest.raises(Http404):
        access_template(office_west, local.pk)
    assert access_template(city.office_city, local.pk) == local
    # The city's templates are read-only to the district; the district may not add city-wide ones.
    with pytest.raises(PermissionDenied):
        access_template(city.office_east, reading.pk, change=True)
    with pytest.raises(PermissionDenied):
        services.change_propose(
            by=city.office_east, campaign=city.campaign, kind=ChangeKind.CREATE, data={**data, "owner_unit": None}
        )
    with pytest.raises(PermissionDenied):
        services.change_propose(
            by=city.office_east,
            campaign=city.campaign,
            kind=ChangeKind.CREATE,
            data={**data, "owner_unit": city.west.pk},
        )


def test_bad_input_is_explained_in_the_preview(city):
    from tests.factories import make_ledger_row

    reading = TaskTemplate.objects.get(code="reading")
    TaskTemplate.objects.filter(pk=reading.pk).update(ledger="study", target_count=3)
    reading.refresh_from_db()
    for _ in range(2):
        make_ledger_row("study", unit=city.unit_a, by=city.staff_a)
    assert Task.objects.get(template=reading, unit=city.unit_a).entries.exclude(ledger="").count() == 2
    effect = change_effect(change=propose(city, reading, target_count=1, due_anchor="start", due_offset_days=-5))
    assert effect.over_target == 1
    assert effect.due_before_start
    assert not change_effect(change=propose(city, reading, target_count=2)).over_target


def test_a_lower_target_recounts_the_progress_of_open_tasks(city):
    from tests.factories import make_ledger_row

    reading = TaskTemplate.objects.get(code="reading")
    TaskTemplate.objects.filter(pk=reading.pk).update(ledger="study", target_count=4)
    reading.refresh_from_db()
    make_ledger_row("study", unit=city.unit_a, by=city.staff_a)
    task = Task.objects.get(template=reading, unit=city.unit_a)
    assert task.progress == 25
    apply(propose(city, reading, target_count=1), city.office_city)
    task.refresh_from_db()
    assert task.progress == 100
    assert task.history.first().history_change_reason == "市委通知调整"
