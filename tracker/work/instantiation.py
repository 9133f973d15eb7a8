"""Generate each unit's tasks from the templates that apply to its category (分类指导).

Due dates follow each unit's own window (its batch's, or its own override; by default the
campaign's): `TaskTemplate.periods(window)` is the one place that computes them, and
`tasks_follow_windows` moves the open tasks of units whose window changed.

Idempotent: the unique constraint (campaign, unit, template, period) and a lookup of what
exists make a second run add nothing, and existing tasks are never touched. Called when a
campaign is seeded, a unit is created, a template is added, or by `manage.py generate_tasks`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from tracker.campaigns.models import Campaign, Participation, Period, TaskTemplate, Window
from tracker.campaigns.selectors import has_participation_list, unit_windows
from tracker.campaigns.services import participation_window_set
from tracker.core.bulk import analyze_after_bulk
from tracker.core.types import User
from tracker.orgs.models import Unit
from tracker.work.models import OPEN_STATUSES, Task
from tracker.work.signals import tasks_inserted

UNIT_BATCH = 500


@dataclass(frozen=True)
class Reach:
    """Which units a template applies to: its categories (empty: all) inside its owner's subtree."""

    category_ids: frozenset[int]
    owner_path: str = ""

    def applies(self, category_id: int | None, path: str) -> bool:
        if category_id is None or not path.startswith(self.owner_path):
            return False
        return not self.category_ids or category_id in self.category_ids


def reach_of(template: TaskTemplate) -> Reach:
    return Reach(
        category_ids=frozenset(c.pk for c in template.categories.all()),
        owner_path=template.owner_unit.path if template.owner_unit_id and template.owner_unit else "",
    )


def _unit_rows(campaign: Campaign, units: Iterable[Unit] | None = None) -> list[tuple[int, int, str]]:
    """(id, category id, path) of the units taking part: a campaign in batches is run by the units
    in its batches, one without batches by every participating unit."""
    unit_qs = Unit.objects.filter(participates=True, category__isnull=False)
    if units is not None:
        unit_qs = unit_qs.filter(pk__in=[u.pk for u in units])
    if has_participation_list(campaign=campaign):
        unit_qs = unit_qs.filter(participations__campaign=campaign, participations__batch__isnull=False)
    return list(unit_qs.order_by("id").values_list("id", "category_id", "path"))


def participating_units(campaign: Campaign) -> list[tuple[int, int, str]]:
    """(id, category id, path) of the units that take part in the campaign."""
    return _unit_rows(campaign)


def wanted_tasks(
    *,
    template: TaskTemplate,
    reach: Reach,
    units: Iterable[tuple[int, int, str]],
    windows: Mapping[int, Window] | None = None,
) -> dict[tuple[int, int], Period]:
    """(unit id, period index) → period of every task the template asks for; `template` may be unsaved.

    Periods follow each unit's own window (`windows`; read here when not given). The template
    editor's preview diffs this against the tasks that exist; the generator below creates the
    missing ones with the same rule.
    """
    reached = [unit_id for unit_id, category_id, path in units if reach.applies(category_id, path)]
    campaign = template.campaign
    if windows is None:
        windows = unit_windows(campaign=campaign, unit_ids=reached)
    default = Window(campaign.starts_on, campaign.ends_on)
    cache: dict[Window, list[Period]] = {}
    wanted: dict[tuple[int, int], Period] = {}
    for unit_id in reached:
        window = windows.get(unit_id, default)
        if window not in cache:
            cache[window] = template.periods(window)
        for period in cache[window]:
            wanted[(unit_id, period.index)] = period
    return wanted


def tasks_generate(
    *,
    campaign: Campaign | None = None,
    units: Iterable[Unit] | None = None,
    templates: Iterable[TaskTemplate] | None = None,
) -> int:
    """Create the missing template tasks; returns how many were created."""
    campaigns = [campaign] if campaign else list(Campaign.objects.filter(is_active=True))
    created = 0
    for camp in campaigns:
        created += _generate_for_campaign(camp, units, templates)
    return created


class _Plan:
    """The active templates of a campaign and their periods, computed once per distinct window."""

    def __init__(self, campaign: Campaign, templates: Iterable[TaskTemplate] | None):
        qs = campaign.templates.filter(is_active=True).select_related("campaign").prefetch_related("categories")
        if templates is not None:
            qs = qs.filter(pk__in=[t.pk for t in templates])
        self.templates = [(template, reach_of(template)) for template in qs.select_related("owner_unit")]
        self.default = Window(campaign.starts_on, campaign.ends_on)
        self._periods: dict[tuple[int, Window], list[Period]] = {}

    def periods(self, template: TaskTemplate, window: Window) -> list[Period]:
        key = (template.pk, window)
        if key not in self._periods:
            self._periods[key] = template.periods(window)
        return self._periods[key]


def _campaign_units(
    campaign: Campaign, units: Iterable[Unit] | None
) -> tuple[list[tuple[int, int, str]], dict[int, Window]]:
    """The units taking part (see `_unit_rows`), and the windows of those that have their own."""
    unit_rows = _unit_rows(campaign, units)
    return unit_rows, unit_windows(campaign=campaign, unit_ids=[u for u, _c, _p in unit_rows])


def _generate_for_campaign(campaign, units, templates) -> int:
    if campaign.is_closed:
        return 0
    plan = _Plan(campaign, templates)
    if not plan.templates:
        return 0
    activity_start = max(timezone.localdate(), campaign.starts_on)
    unit_ids, windows = _campaign_units(campaign, units)
    created = 0
    for offset in range(0, len(unit_ids), UNIT_BATCH):
        batch = unit_ids[offset : offset + UNIT_BATCH]
        # Only the planned templates' tasks: a new template over a city does not re-read every task.
        planned = [template.pk for template, _reach in plan.templates]
        existing = set(
            Task.objects.filter(
                campaign=campaign, unit_id__in=[u for u, _c, _p in batch], template_id__in=planned
            ).values_list("unit_id", "template_id", "period_index")
        )
        new_rows = [
            (unit_id, template.pk, template.measure_id, period.index, period.starts_on, period.ends_on, period.due_on)
            for unit_id, category_id, path in batch
            for template, reach in plan.templates
            if reach.applies(category_id, path)
            for period in plan.periods(template, windows.get(unit_id, plan.default))
            if (unit_id, template.pk, period.index) not in existing
        ]
        if not new_rows:
            continue
        with transaction.atomic():
            # A concurrent run may have inserted the same rows meanwhile: conflicts are skipped.
            insert = _insert_sql if connection.vendor == "postgresql" else _insert_orm
            inserted = insert(campaign, new_rows, activity_start, existing)
            # bulk inserts send no post_save: tell the receivers (the roll-ups) which units got tasks.
            tasks_inserted.send(sender=Task, campaign_id=campaign.pk, unit_ids={unit_id for _pk, unit_id in inserted})
        created += len(inserted)
    analyze_after_bulk([Task], created)  # a new city's tasks: the lists plan from the new size
    return created


Row = tuple[int, int, int, int, date | None, date | None, date]  # unit, template, measure, period…, due


def _insert_orm(campaign: Campaign, rows: list[Row], activity_start: date, existing: set) -> list[tuple[int, int]]:
    """Any database: Task objects through bulk_create, then their history ("+", generated)."""
    fields = ("unit_id", "template_id", "measure_id", "period_index", "period_starts_on", "period_ends_on", "due_on")
    tasks = [
        Task(campaign=campaign, last_activity_on=activity_start, **dict(zip(fields, row, strict=True))) for row in rows
    ]
    Task.objects.bulk_create(tasks, batch_size=2000, ignore_conflicts=True)
    # Re-read what was inserted (not every database returns ids with ignore_conflicts).
    unit_ids = {row[0] for row in rows}
    inserted = [
        task
        for task in Task.objects.filter(campaign=campaign, unit_id__in=unit_ids, template__isnull=False)
        if (task.unit_id, task.template_id, task.period_index) not in existing
    ]
    Task.history.bulk_history_create(inserted, batch_size=2000, default_change_reason="generated")
    return [(task.pk, task.unit_id) for task in inserted]


def _insert_sql(campaign: Campaign, rows: list[Row], activity_start: date, existing: set) -> list[tuple[int, int]]:
    """PostgreSQL: two statements per batch, whatever its size. The rows travel as arrays (unnest),
    and their history is copied from the inserted rows by the server; building 100,000 Task objects
    and as many historical ones took most of a 2,000-unit import's time."""
    quote = connection.ops.quote_name
    defaults = {  # choices' enum members as their stored value
        str(f.column): getattr(f.get_default(), "value", f.get_default())
        for f in Task._meta.concrete_fields
        if f.column not in EXPLICIT and not f.null
    }
    columns = [
        *VARYING,
        "campaign_id",
        "created_at",
        "updated_at",
        "last_activity_on",
        "title",
        "description",
        *defaults,
    ]
    now = timezone.now()
    constants = [campaign.pk, now, now, activity_start, "", "", *defaults.values()]
    arrays = [list(column) for column in zip(*rows, strict=True)]
    sql = (
        f"INSERT INTO {quote(Task._meta.db_table)} ({', '.join(map(quote, columns))}) "
        f"SELECT r.*, {', '.join(['%s'] * len(constants))} "
        f"FROM unnest({', '.join(f'%s::{kind}[]' for kind in ARRAY_TYPES)}) AS r "
        "ON CONFLICT DO NOTHING RETURNING id, unit_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*constants, *arrays])  # the SELECT list's constants come first in the text
        inserted = [(pk, unit_id) for pk, unit_id in cursor.fetchall()]
        history = Task.history.model
        copied = [str(f.column) for f in history._meta.concrete_fields if not f.name.startswith("history_")]
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} "
            f"({', '.join(map(quote, [*copied, 'history_date', 'history_change_reason', 'history_type']))}) "
            f"SELECT {', '.join(map(quote, copied))}, %s, %s, %s FROM {quote(Task._meta.db_table)} WHERE id = ANY(%s)",
            [now, "generated", "+", [pk for pk, _unit in inserted]],
        )
    return inserted


VARYING = ("unit_id", "template_id", "measure_id", "period_index", "period_starts_on", "period_ends_on", "due_on")
ARRAY_TYPES = ("bigint", "bigint", "bigint", "int", "date", "date", "date")
# Set by the statement itself; every other NOT NULL column takes its model default (status, progress,
# kind, version…), nullable ones stay NULL: a field added to Task later needs no change here.
EXPLICIT = {*VARYING, "id", "campaign_id", "created_at", "updated_at", "last_activity_on", "title", "description"}


def tasks_follow_windows(*, campaign: Campaign, unit_ids: Iterable[int]) -> int:
    """Move the due dates of the units' open template tasks to their windows; returns how many moved.

    Submitted and done tasks are left as they are (what a unit did is never rewritten); periods a
    new, longer window adds are generated.
    """
    if campaign.is_closed:
        return 0
    plan = _Plan(campaign, None)
    by_pk = {template.pk: template for template, _ in plan.templates}
    ids = list(unit_ids)
    windows = unit_windows(campaign=campaign, unit_ids=ids)
    moved: list[Task] = []
    with transaction.atomic():
        tasks = Task.objects.select_for_update().filter(
            campaign=campaign, unit_id__in=ids, template_id__in=list(by_pk), status__in=OPEN_STATUSES
        )
        for task in tasks:
            template = by_pk[task.template_id] if task.template_id is not None else None
            if template is None:
                continue
            periods = plan.periods(template, windows.get(task.unit_id, plan.default))
            period = next((p for p in periods if p.index == task.period_index), None)
            if period is None or (task.due_on, task.period_starts_on, task.period_ends_on) == (
                period.due_on,
                period.starts_on,
                period.ends_on,
            ):
                continue
            task.due_on, task.period_starts_on, task.period_ends_on = period.due_on, period.starts_on, period.ends_on
            task.version += 1
            moved.append(task)
        Task.objects.bulk_update(moved, ["due_on", "period_starts_on", "period_ends_on", "version"], batch_size=2000)
        Task.history.bulk_history_create(moved, batch_size=2000, default_change_reason="window")
        if moved:
            tasks_inserted.send(sender=Task, campaign_id=campaign.pk, unit_ids={task.unit_id for task in moved})
    _generate_for_campaign(campaign, [Unit(pk=pk) for pk in ids], None)
    return len(moved)


def unit_window_set(
    *, campaign: Campaign, unit: Unit, starts_on: date | None, ends_on: date | None, by: User | None
) -> int:
    """Give the unit its own window in the campaign and move its open tasks' due dates with it.

    Returns how many tasks moved. All or nothing: a bad window changes neither row nor task.
    """
    with transaction.atomic():
        participation, _created = Participation.objects.get_or_create(campaign=campaign, unit=unit)
        participation_window_set(participation=participation, starts_on=starts_on, ends_on=ends_on, by=by)
        return tasks_follow_windows(campaign=campaign, unit_ids=[unit.pk])
