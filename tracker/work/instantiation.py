"""Generate each unit's tasks from the templates that apply to its category (分类指导).

Idempotent: the unique constraint (campaign, unit, template, period) and a lookup of what
exists make a second run add nothing, and existing tasks are never touched. Called when a
campaign is seeded, a unit is created, a template is added, or by `manage.py generate_tasks`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from tracker.campaigns.models import Campaign, TaskTemplate
from tracker.orgs.models import Unit
from tracker.work.models import Task
from tracker.work.signals import tasks_inserted

UNIT_BATCH = 500


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


def _generate_for_campaign(campaign, units, templates) -> int:
    template_qs = campaign.templates.filter(is_active=True).select_related("campaign").prefetch_related("categories")
    if templates is not None:
        template_qs = template_qs.filter(pk__in=[t.pk for t in templates])
    plan = []
    for template in template_qs:
        category_ids = {c.pk for c in template.categories.all()}
        plan.append((template, category_ids, template.periods()))
    if not plan:
        return 0
    unit_qs = Unit.objects.filter(participates=True, category__isnull=False).only("id", "category_id")
    if units is not None:
        unit_qs = unit_qs.filter(pk__in=[u.pk for u in units])
    activity_start = max(timezone.localdate(), campaign.starts_on)
    unit_ids = list(unit_qs.values_list("id", "category_id"))
    created = 0
    for offset in range(0, len(unit_ids), UNIT_BATCH):
        batch = unit_ids[offset : offset + UNIT_BATCH]
        existing = set(
            Task.objects.filter(
                campaign=campaign, unit_id__in=[u for u, _ in batch], template__isnull=False
            ).values_list("unit_id", "template_id", "period_index")
        )
        new_rows = [
            (unit_id, template.pk, template.measure_id, period.index, period.starts_on, period.ends_on, period.due_on)
            for unit_id, category_id in batch
            for template, category_ids, periods in plan
            if not category_ids or category_id in category_ids
            for period in periods
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
    defaults = {str(f.column): f.get_default() for f in Task._meta.concrete_fields if f.name in DEFAULTED}
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
DEFAULTED = ("status", "progress", "entry_count", "is_featured", "version")
