"""The synthetic dataset is data the app itself could have produced: consistent, complete, reusable."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from django.db.models import Count, Max

from tracker.bench.floor import floor_numbers
from tracker.bench.generator import dataset_find, dataset_generate, dataset_rows
from tracker.orgs.models import GuidanceGroup, Role, RoleAssignment, Unit, UnitLevel
from tracker.orgs.paths import unit_path
from tracker.work.instantiation import tasks_generate
from tracker.work.lights import LightRule
from tracker.work.models import Entry, EventKind, Task, TaskEvent, TaskStatus
from tracker.work.selectors import task_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny():
    return dataset_generate(scale="tiny", seed=7, progress=False)


def test_tree_has_the_scale_and_consistent_paths(tiny):
    units = list(Unit.objects.filter(path__startswith=tiny.root.path).select_related("parent"))
    assert len(units) == 20
    for unit in units:
        parent_path = unit.parent.path if unit.parent else "/"
        assert unit.path == unit_path(parent_path=parent_path, pk=unit.pk)
        assert unit.depth == (unit.parent.depth + 1 if unit.parent else 0)
        assert unit.participates == (unit.category_id is not None)
    levels = Counter(u.level for u in units)
    assert levels[UnitLevel.CITY] == 1 and levels[UnitLevel.DISTRICT] == 2 and levels[UnitLevel.SUBUNIT] > 0


def test_template_tasks_are_exactly_what_instantiation_gives(tiny):
    # Instantiation finds nothing missing: same templates, categories and periods per unit.
    assert tasks_generate(campaign=tiny.campaign) == 0
    assert Task.objects.filter(unit__path__startswith=tiny.root.path, template__isnull=True).exists()


def test_denormalised_task_fields_agree_with_entries_and_events(tiny):
    tasks = Task.objects.filter(unit__path__startswith=tiny.root.path)
    entries = defaultdict(list)
    for entry in Entry.objects.filter(task__in=tasks).order_by("id"):
        entries[entry.task_id].append(entry)
    events = defaultdict(list)
    submitted_at = {}
    for event in TaskEvent.objects.filter(task__in=tasks).order_by("id"):
        events[event.task_id].append(event.kind)
        if event.kind == EventKind.SUBMITTED:
            submitted_at[event.task_id] = event.created_at
    statuses = Counter()
    for task in tasks:
        mine = entries[task.pk]
        statuses[task.status] += 1
        assert task.entry_count == len(mine)
        assert (task.status == TaskStatus.TODO) == (not mine)
        if mine:
            assert task.last_activity_on == max(max(e.occurred_on for e in mine), tiny.campaign.starts_on)
            assert all(tiny.campaign.starts_on <= e.occurred_on <= tiny.campaign.ends_on for e in mine)
            percents = [e.percent for e in mine if e.percent is not None]
            expected = 100 if task.status == TaskStatus.DONE else (percents[-1] if percents else 0)
            assert task.progress == expected
        kinds = events[task.pk]
        assert task.submitted_at == submitted_at.get(task.pk)
        assert task.version == 1 + sum(1 for k in kinds if k != EventKind.CREATED)
        if task.status == TaskStatus.DONE:
            assert kinds[-2:] == [EventKind.SUBMITTED, EventKind.ACCEPTED]
        elif task.status == TaskStatus.SUBMITTED:
            assert kinds[-1] == EventKind.SUBMITTED
        elif task.status == TaskStatus.RETURNED:
            assert kinds[-1] == EventKind.RETURNED
    assert {TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.DONE} <= set(statuses)


def test_every_task_and_entry_has_history_ending_in_its_current_state(tiny):
    tasks = Task.objects.filter(unit__path__startswith=tiny.root.path)
    units = Unit.objects.filter(path__startswith=tiny.root.path)
    history = Task.history.model.objects.filter(unit_id__in=units.values("id"))
    created = set(history.filter(history_type="+").values_list("id", flat=True))
    assert created == set(tasks.values_list("id", flat=True))
    latest = {}
    for row in history.order_by("history_date", "history_id"):
        latest[row.id] = row
    for task in tasks:
        row = latest[task.pk]
        assert (row.status, row.progress, row.entry_count, row.version, row.owner_id, row.last_activity_on) == (
            task.status,
            task.progress,
            task.entry_count,
            task.version,
            task.owner_id,
            task.last_activity_on,
        )
    entries = Entry.objects.filter(task__in=tasks)
    entry_history = Entry.history.model.objects.filter(task_id__in=tasks.values("id"))
    assert entry_history.filter(history_type="+").count() == entries.count() > 0
    assert not entry_history.values("id").annotate(n=Count("history_id")).filter(n__gt=1).exists()


def test_people_roles_and_guidance_groups_cover_the_tree(tiny):
    units = Unit.objects.filter(path__startswith=tiny.root.path)
    for unit in units.filter(participates=True):
        roles = set(RoleAssignment.objects.filter(unit=unit).values_list("role", flat=True))
        assert {Role.STAFF, Role.UNIT_LEADER} <= roles
        assert GuidanceGroup.objects.filter(units=unit).count() == 1
    for office_unit in units.filter(level__in=[UnitLevel.CITY, UnitLevel.DISTRICT]):
        assert RoleAssignment.objects.filter(unit=office_unit, role=Role.OFFICE).exists()
    assert RoleAssignment.objects.filter(role=Role.GUIDE, guidance_group__units__in=units).exists()
    # Entries are written by the unit's own people.
    authors = Entry.objects.filter(task__unit__path__startswith=tiny.root.path).values_list("author_id", "task__unit")
    staff = set(RoleAssignment.objects.filter(unit__in=units).values_list("user_id", "unit"))
    assert set(authors) <= staff


def test_a_second_run_reuses_the_dataset_and_regenerate_rebuilds_it_identically(tiny):
    again = dataset_generate(scale="tiny", seed=7, progress=False)
    assert not again.generated and again.root.pk == tiny.root.pk
    before = dataset_rows(tiny)
    rebuilt = dataset_generate(scale="tiny", seed=7, regenerate=True, progress=False)
    assert rebuilt.generated
    assert dataset_rows(rebuilt) == before  # the old rows are gone, the new ones are the same data
    assert Unit.objects.filter(code__startswith=rebuilt.prefix).count() == 20
    assert dataset_find(scale="tiny", seed=7).root.pk == rebuilt.root.pk


def test_the_floor_statement_counts_what_the_light_rule_counts(tiny):
    rule = LightRule.for_campaign(tiny.campaign)
    city = tiny.city()
    floor = floor_numbers(scope=city, campaign=tiny.campaign, rule=rule)
    tasks = Task.objects.filter(unit__path__startswith=city.path, campaign=tiny.campaign)
    orm = task_counts(tasks=tasks, rule=rule)
    assert (floor.total, floor.done, floor.red, floor.yellow, floor.neutral, floor.green) == (
        orm.total,
        orm.done,
        orm.red,
        orm.yellow,
        orm.neutral,
        orm.green,
    )
    per_measure = dict(tasks.values_list("measure_id").annotate(n=Count("id")))
    assert {m: v["total"] for m, v in floor.by_measure.items()} == per_measure
    assert floor.red > 0 and floor.yellow > 0 and floor.green > 0
    assert tasks.aggregate(Max("due_on"))["due_on__max"] <= tiny.campaign.ends_on


def test_generated_city_passes_check_progress(tiny):
    """The tasks agree with their entries and events. The generated ledger rows are rows only: the
    entries a ledger row would add to the tasks it counts towards (一表通) are not generated, so
    check_progress names them as missing, and nothing else."""
    from tracker.ledgers.progress import LedgerEntryDifference, progress_differences

    differences = progress_differences(campaign=tiny.campaign)
    assert differences and {(type(d), d.problem) for d in differences} == {(LedgerEntryDifference, "missing")}
