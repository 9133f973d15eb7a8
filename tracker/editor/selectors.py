"""Reads of the template editor: what a change would do to the units' tasks, and what templates cost.

`change_effect` diffs the tasks a change wants (tracker.work.instantiation, the generator's own
rule) against the tasks that exist; the preview shows its counts and the apply service acts on
its lists, so what the office confirmed is what is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

from django.db.models import Count, QuerySet

from tracker.campaigns.models import Campaign, Period, TaskTemplate
from tracker.core.types import AnyUser
from tracker.editor.access import change_checker, editor_templates
from tracker.editor.models import ChangeKind, TemplateChange
from tracker.orgs.models import Unit
from tracker.work.instantiation import Reach, participating_units, wanted_tasks
from tracker.work.models import Entry, Task, TaskStatus

# Template fields a change may set, as the form cleans them (foreign keys as ids).
FIELDS = (
    "title_zh",
    "title_en",
    "description",
    "done_criteria",
    "evidence_expected",
    "due_anchor",
    "due_offset_days",
    "recurrence",
    "weight",
    "target_count",
    "ledger",
    "ledger_filter",
    "source_file",
    "source_line",
    "source_quote",
)
FK_FIELDS = ("measure", "owner_unit")
AVERAGE_MONTH_DAYS = 30.44


@dataclass
class Effect:
    """What applying a change does: lists of task ids per action, and what to explain first."""

    add: list[tuple[int, int]] = field(default_factory=list)  # (unit id, period index) to create
    move: dict[int, date] = field(default_factory=dict)  # open task id → its new due date
    untouched: list[int] = field(default_factory=list)  # submitted or done tasks whose due date stays
    archive: list[int] = field(default_factory=list)  # no longer wanted, with the unit's work: kept, read-only
    remove: list[int] = field(default_factory=list)  # no longer wanted, never worked on
    restore: list[int] = field(default_factory=list)  # archived earlier, wanted again
    over_target: int = 0  # tasks that already count more ledger rows than the new target
    category_work: int = 0  # tasks with work of units whose category is no longer covered
    due_before_start: bool = False  # the due rule lands before the campaign starts (moved to its start)
    units_wanted: int = 0

    @property
    def units_added(self) -> int:
        return len({unit_id for unit_id, _index in self.add})

    @property
    def counts(self) -> dict[str, int]:
        return {
            "units_added": self.units_added,
            "added": len(self.add),
            "moved": len(self.move),
            "untouched": len(self.untouched),
            "archived": len(self.archive),
            "removed": len(self.remove),
            "restored": len(self.restore),
        }

    @property
    def touched_units(self) -> set[int]:
        return {unit_id for unit_id, _index in self.add}

    @property
    def changes_nothing(self) -> bool:
        return not any(self.counts.values())


def wanted_template(change: TemplateChange) -> tuple[TaskTemplate, Reach] | None:
    """The template as the change wants it (unsaved) and the units it reaches; None when retired."""
    if change.kind == ChangeKind.RETIRE:
        return None
    base = change.template
    template = TaskTemplate(campaign=change.campaign) if base is None else TaskTemplate(pk=base.pk)
    if base is not None:
        for name in (*FIELDS, "campaign_id", "measure_id", "owner_unit_id", "code", "order"):
            setattr(template, name, getattr(base, name))
    data: dict[str, Any] = change.data
    for name in FIELDS:
        if name in data:
            setattr(template, name, data[name])
    for name in FK_FIELDS:
        if name in data:
            setattr(template, f"{name}_id", data[name])
    template.campaign = change.campaign
    owner_path = ""
    if template.owner_unit_id:
        owner_path = Unit.objects.values_list("path", flat=True).get(pk=template.owner_unit_id)
    return template, Reach(category_ids=frozenset(data.get("categories", [])), owner_path=owner_path)


def _has_work(status: str, entry_count: int) -> bool:
    return entry_count > 0 or status != TaskStatus.TODO


def change_effect(*, change: TemplateChange) -> Effect:
    """Diff the tasks the change wants against the template's tasks (a handful of queries)."""
    effect = Effect()
    wanted: dict[tuple[int, int], Period] = {}
    units = participating_units(change.campaign)
    wanted_and_reach = wanted_template(change)
    if wanted_and_reach is not None:
        template, reach = wanted_and_reach
        wanted = wanted_tasks(template=template, reach=reach, units=units)
        effect.units_wanted = len({unit_id for unit_id, _index in wanted})
        effect.due_before_start = _due_before_start(template, change.campaign)
    existing: QuerySet[Task] = Task.objects.none()
    if change.template_id is not None:
        existing = Task.objects.filter(template_id=change.template_id)
    category_of = {unit_id: category_id for unit_id, category_id, _path in units}
    reach_now = wanted_and_reach[1] if wanted_and_reach else None
    seen: set[tuple[int, int]] = set()
    for pk, unit_id, index, due_on, status, entry_count, archived_at in existing.values_list(
        "pk", "unit_id", "period_index", "due_on", "status", "entry_count", "archived_at"
    ):
        key = (unit_id, index)
        seen.add(key)
        period = wanted.get(key)
        if period is None:
            if archived_at is not None:
                continue
            if _has_work(status, entry_count):
                effect.archive.append(pk)
                category = category_of.get(unit_id)
                if reach_now is not None and reach_now.category_ids and category not in reach_now.category_ids:
                    effect.category_work += 1
            else:
                effect.remove.append(pk)
            continue
        if archived_at is not None:
            effect.restore.append(pk)
        if period.due_on != due_on:
            if status in (TaskStatus.SUBMITTED, TaskStatus.DONE):
                effect.untouched.append(pk)
            else:
                effect.move[pk] = period.due_on
    effect.add = sorted(key for key in wanted if key not in seen)
    if wanted_and_reach is not None and change.template_id is not None:
        effect.over_target = _over_target(change.template_id, wanted_and_reach[0].target_count)
    return effect


def _due_before_start(template: TaskTemplate, campaign: Campaign) -> bool:
    if template.recurrence != "none":
        return False
    anchor = campaign.starts_on if template.due_anchor == "start" else campaign.ends_on
    return (anchor - campaign.starts_on).days + int(template.due_offset_days) < 0


def _over_target(template_id: int, target: int) -> int:
    """Open tasks whose ledger already holds more rows than the (new) target: they reach 100 %."""
    return (
        Entry.objects.filter(task__template_id=template_id, task__archived_at__isnull=True)
        .exclude(ledger="")
        .values("task")
        .annotate(n=Count("pk"))
        .filter(n__gt=target)
        .count()
    )


# --- burden ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateBurden:
    template: TaskTemplate
    units: int
    per_unit_month: float  # records a unit keeps for it per month
    editable: bool


@dataclass(frozen=True)
class Burden:
    rows: list[TemplateBurden]
    units: int  # participating units
    per_unit_month: float  # the campaign's records per unit per month (templates in view)


def campaign_months(campaign: Campaign) -> float:
    return max(1.0, campaign.total_days / AVERAGE_MONTH_DAYS)


def records_per_month(template: TaskTemplate, months: float) -> float:
    """Records a unit keeps for the template in an average month: its target times its periods."""
    return template.target_count * len(template.periods()) / months


def template_burden(*, user: AnyUser, campaign: Campaign) -> Burden:
    """Every template the user sees with the units it reaches and its records per unit per month.

    Constant queries: the templates with their categories and owners, and the units once.
    """
    units = participating_units(campaign)
    months = campaign_months(campaign)
    may_change = change_checker(user)
    templates = (
        editor_templates(user)
        .filter(campaign=campaign)
        .select_related("measure", "owner_unit", "campaign")
        .prefetch_related("categories")
        .order_by("-is_active", "measure__order", "order", "code")
    )
    rows = []
    total = 0.0
    for template in templates:
        reach = Reach(
            category_ids=frozenset(c.pk for c in template.categories.all()),
            owner_path=template.owner_unit.path if template.owner_unit else "",
        )
        reached = sum(1 for _u, category_id, path in units if reach.applies(category_id, path))
        per_month = records_per_month(template, months) if template.is_active else 0.0
        if template.is_active:
            total += per_month * reached
        rows.append(TemplateBurden(template, reached, per_month, may_change(template)))
    return Burden(rows=rows, units=len(units), per_unit_month=total / len(units) if units else 0.0)


def recent_changes(*, user: AnyUser, template: TaskTemplate | None = None) -> QuerySet[TemplateChange]:
    changes = TemplateChange.objects.filter(campaign__is_active=True).select_related("created_by", "template")
    changes = changes.exclude(status="draft")
    if template is not None:
        changes = changes.filter(template=template)
    return changes


@dataclass(frozen=True)
class CapChange:
    when: Any
    by: Any
    old: int | None
    new: int | None


def soft_cap_history(*, campaign: Campaign, limit: int = 5) -> list[CapChange]:
    """The latest changes of the campaign's soft cap on self-chosen tasks, newest first (one query)."""
    records = list(campaign.history.select_related("history_user").order_by("-history_date", "-history_id")[:100])
    changes = []
    for newer, older in pairwise(records):
        if newer.self_chosen_soft_cap != older.self_chosen_soft_cap:
            changes.append(
                CapChange(
                    newer.history_date, newer.history_user, older.self_chosen_soft_cap, newer.self_chosen_soft_cap
                )
            )
    return changes[:limit]
