"""Generate each unit's tasks from the templates that apply to its category (分类指导).

Idempotent: the unique constraint (campaign, unit, template, period) and a lookup of what
exists make a second run add nothing, and existing tasks are never touched. Called when a
campaign is seeded, a unit is created, a template is added, or by `manage.py generate_tasks`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tracker.campaigns.models import Campaign, Period, TaskTemplate
from tracker.orgs.models import Unit
from tracker.work.models import Task
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


def participating_units(campaign: Campaign) -> list[tuple[int, int, str]]:
    """(id, category id, path) of the units that take part in the campaign."""
    return list(
        Unit.objects.filter(participates=True, category__isnull=False)
        .order_by("id")
        .values_list("id", "category_id", "path")
    )


def wanted_tasks(
    *, template: TaskTemplate, reach: Reach, units: Iterable[tuple[int, int, str]]
) -> dict[tuple[int, int], Period]:
    """(unit id, period index) → period of every task the template asks for; `template` may be unsaved.

    The template editor's preview diffs this against the tasks that exist; the generator below
    creates the missing ones with the same rule.
    """
    periods = template.periods()
    return {
        (unit_id, period.index): period
        for unit_id, category_id, path in units
        if reach.applies(category_id, path)
        for period in periods
    }


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
    for template in template_qs.select_related("owner_unit"):
        reach = Reach(
            category_ids=frozenset(c.pk for c in template.categories.all()),
            owner_path=template.owner_unit.path if template.owner_unit else "",
        )
        plan.append((template, reach, template.periods()))
    if not plan:
        return 0
    unit_qs = Unit.objects.filter(participates=True, category__isnull=False)
    if units is not None:
        unit_qs = unit_qs.filter(pk__in=[u.pk for u in units])
    activity_start = max(timezone.localdate(), campaign.starts_on)
    unit_ids = list(unit_qs.values_list("id", "category_id", "path"))
    created = 0
    for offset in range(0, len(unit_ids), UNIT_BATCH):
        batch = unit_ids[offset : offset + UNIT_BATCH]
        # Only the planned templates' tasks: a new template over a city does not re-read every task.
        planned = [template.pk for template, _reach, _periods in plan]
        existing = set(
            Task.objects.filter(
                campaign=campaign, unit_id__in=[u for u, _c, _p in batch], template_id__in=planned
            ).values_list("unit_id", "template_id", "period_index")
        )
        new_tasks = [
            Task(
                campaign=campaign,
                unit_id=unit_id,
                template=template,
                measure_id=template.measure_id,
                period_index=period.index,
                period_starts_on=period.starts_on,
                period_ends_on=period.ends_on,
                due_on=period.due_on,
                last_activity_on=activity_start,
            )
            for unit_id, category_id, path in batch
            for template, reach, periods in plan
            if reach.applies(category_id, path)
            for period in periods
            if (unit_id, template.pk, period.index) not in existing
        ]
        if not new_tasks:
            continue
        with transaction.atomic():
            # ignore_conflicts: a concurrent run may have inserted the same rows meanwhile.
            Task.objects.bulk_create(new_tasks, batch_size=2000, ignore_conflicts=True)
            # Re-read what was inserted (not every database returns ids from bulk_create
            # with ignore_conflicts) so each generated task starts its history with a "+".
            inserted = [
                task
                for task in Task.objects.filter(
                    campaign=campaign, unit_id__in=[u for u, _c, _p in batch], template_id__in=planned
                )
                if (task.unit_id, task.template_id, task.period_index) not in existing
            ]
            Task.history.bulk_history_create(inserted, batch_size=2000, default_change_reason="generated")
            # bulk_create sends no post_save: tell the receivers (the roll-ups) which units got tasks.
            tasks_inserted.send(sender=Task, campaign_id=campaign.pk, unit_ids={task.unit_id for task in inserted})
        created += len(inserted)
    return created
