"""Reads for the unit workflow pages. Each returns scoped querysets or plain data."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from itertools import groupby
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.text import Truncator

from tracker.campaigns.models import Campaign, Measure
from tracker.core.history import HistoryRow, history_rows
from tracker.core.types import User
from tracker.core.workdays import add_workdays
from tracker.orgs.models import Role, Unit
from tracker.orgs.scope import scope_for
from tracker.orgs.selectors import area_options
from tracker.work.lights import Light, LightRule, completion_percent
from tracker.work.models import Entry, EventKind, Task, TaskEvent, TaskStatus


@dataclass(frozen=True)
class TaskFilters:
    status: str = ""
    measure: str = ""
    overdue: bool = False

    @classmethod
    def from_query(cls, params: QueryDict) -> TaskFilters:
        status = params.get("status", "")
        return cls(
            status=status if status in TaskStatus.values else "",
            measure=params.get("measure", "")[:40],
            overdue=params.get("overdue") in {"1", "on", "true"},
        )

    @property
    def active(self) -> bool:
        return bool(self.status or self.measure or self.overdue)


def task_list(*, user: User, campaign: Campaign, rule: LightRule) -> QuerySet[Task]:
    """Tasks the user may see, ready for a list: light annotated, relations joined."""
    return (
        Task.objects.for_user(user)
        .filter(campaign=campaign)
        .with_light(rule)
        .select_related("template", "measure", "owner")
    )


def unit_tasks(*, user: User, unit: Unit, campaign: Campaign, rule: LightRule, filters: TaskFilters) -> QuerySet[Task]:
    tasks = task_list(user=user, campaign=campaign, rule=rule).filter(unit=unit)
    if filters.status:
        tasks = tasks.filter(status=filters.status)
    if filters.measure:
        tasks = tasks.filter(measure__code=filters.measure)
    if filters.overdue:
        tasks = tasks.filter(rule.red_q())
    # The reviewer's latest reason, shown on returned tasks in the list (one subquery, no query per row).
    reasons = TaskEvent.objects.filter(task=OuterRef("pk"), kind=EventKind.RETURNED).order_by("-created_at", "-id")
    tasks = tasks.annotate(return_reason=Subquery(reasons.values("note")[:1]))
    return tasks.order_by("measure__order", "due_on", "id")


@dataclass(frozen=True)
class MeasureGroup:
    measure: Measure
    tasks: list[Task]

    @property
    def done(self) -> int:
        return sum(1 for task in self.tasks if task.status == TaskStatus.DONE)


def group_by_measure(tasks: Iterable[Task]) -> list[MeasureGroup]:
    return [
        MeasureGroup(measure=measure, tasks=list(items)) for measure, items in groupby(tasks, key=lambda t: t.measure)
    ]


@dataclass(frozen=True)
class TaskCounts:
    """A group's tasks by status and light, with its completion and rolled-up light (LightRule.tally)."""

    total: int = 0
    done: int = 0
    submitted: int = 0
    red: int = 0
    yellow: int = 0
    neutral: int = 0
    green: int = 0
    percent_done: int = 0
    light: str = Light.GREEN

    @property
    def light_label(self) -> str:
        return str(Light(self.light).label)

    @classmethod
    def from_row(cls, row: Any, name: str = "task") -> TaskCounts:
        """Read the keys of `LightRule.tally(name=...)` from a dict or an annotated object."""
        get: Callable[[str], Any] = row.get if isinstance(row, dict) else lambda key: getattr(row, key)
        total, red, yellow = get(f"{name}_total"), get(f"{name}_red"), get(f"{name}_yellow")
        neutral = get(f"{name}_neutral")
        return cls(
            total=total,
            done=get(f"{name}_done"),
            submitted=get(f"{name}_submitted"),
            red=red,
            yellow=yellow,
            neutral=neutral,
            green=total - red - yellow - neutral,
            percent_done=get(f"{name}_percent"),
            light=get(f"{name}_light"),
        )

    @classmethod
    def of_tasks(cls, tasks: Iterable[Task], rule: LightRule) -> TaskCounts:
        """`task_counts` of tasks already read with their light (`with_light`), counted in Python."""
        total = done = submitted = red = yellow = neutral = 0
        for task in tasks:
            total += 1
            done += task.status == TaskStatus.DONE
            submitted += task.status == TaskStatus.SUBMITTED
            light = task.light  # type: ignore[attr-defined]  # annotated by with_light
            red += light == Light.RED
            yellow += light == Light.YELLOW
            neutral += light == Light.NEUTRAL
        counters = {"total": total, "done": done, "submitted": submitted, "red": red, "yellow": yellow}
        return cls.from_counters({**counters, "neutral": neutral}, rule)

    @classmethod
    def from_counters(cls, row: Mapping[str, int | None], rule: LightRule) -> TaskCounts:
        """From a roll-up row's counters (`TaskTally.COUNTERS` keys, None read as 0), with the
        completion and the group light worked out here, as `row_tally` would in SQL."""
        total, done, red, yellow, neutral = (
            row["total"] or 0,
            row["done"] or 0,
            row["red"] or 0,
            row["yellow"] or 0,
            row["neutral"] or 0,
        )
        return cls(
            total=total,
            done=done,
            submitted=row["submitted"] or 0,
            red=red,
            yellow=yellow,
            neutral=neutral,
            green=total - red - yellow - neutral,
            percent_done=completion_percent(done, total),
            light=rule.group_light(red, yellow, total),
        )


def task_counts(*, tasks: QuerySet[Task], rule: LightRule) -> TaskCounts:
    """Counts by status and light, completion and the group's light, in one aggregate query."""
    return TaskCounts.from_row(tasks.order_by().aggregate(**rule.tally()))


# The review queue's "waiting longer than" choices, in working days.
REVIEW_WAITING_WORKDAYS = (1, 3, 5, 10)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _int_param(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 12 else None


@dataclass(frozen=True)
class ReviewFilters:
    """What the review queue is narrowed to: a unit, a measure, an area (subtree), a minimum wait, a search."""

    unit: int | None = None
    measure: str = ""
    area: int | None = None
    waiting: int | None = None  # working days since submission, at least
    q: str = ""

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> ReviewFilters:
        waiting = _int_param(params.get("waiting", ""))
        return cls(
            unit=_int_param(params.get("unit", "")),
            measure=_CONTROL.sub("", params.get("measure", ""))[:40],
            area=_int_param(params.get("area", "")),
            waiting=waiting if waiting in REVIEW_WAITING_WORKDAYS else None,
            q=_CONTROL.sub("", params.get("q", "")).strip()[:100],
        )

    @property
    def active(self) -> bool:
        return bool(self.unit or self.measure or self.area or self.waiting or self.q)

    def to_query(self) -> str:
        """The filters as a query string, rebuilt from the parsed values (never echoed as received)."""
        values = {"unit": self.unit, "measure": self.measure, "area": self.area, "waiting": self.waiting, "q": self.q}
        return urlencode({key: value for key, value in values.items() if value})


def _submitted_to(user: User, campaign: Campaign) -> QuerySet[Task]:
    """Submitted tasks of the campaign this user may accept or return."""
    return Task.objects.for_user(user).filter(
        scope_for(user).review_q("unit__"), campaign=campaign, status=TaskStatus.SUBMITTED
    )


def review_queue(
    *, user: User, campaign: Campaign, rule: LightRule, filters: ReviewFilters = ReviewFilters()
) -> QuerySet[Task]:
    """Submitted tasks this user may accept or return, longest waiting first (by when they were submitted).

    Archived tasks (a retired action's) are read-only, so they are not waiting for anyone: the
    queue leaves them out, as the roll-ups' `submitted` counter does.
    """
    tasks = (
        task_list(user=user, campaign=campaign, rule=rule)
        .filter(scope_for(user).review_q("unit__"), status=TaskStatus.SUBMITTED, archived_at__isnull=True)
        .select_related("unit")
    )
    if filters.unit:
        tasks = tasks.filter(unit_id=filters.unit)
    if filters.measure:
        tasks = tasks.filter(measure__code=filters.measure)
    if filters.area:
        # The area is read through the same scope: an area out of scope matches nothing.
        area_path = Unit.objects.for_user(user).filter(pk=filters.area).values("path")
        tasks = tasks.filter(unit__path__startswith=Subquery(area_path))
    if filters.waiting:
        # Submitted before that working day began: as the dashboard counts reviews waiting too long.
        since = add_workdays(rule.today, -filters.waiting)
        tasks = tasks.filter(submitted_at__lt=timezone.make_aware(datetime.combine(since, time.min)))
    if filters.q:
        q = filters.q
        tasks = tasks.filter(
            Q(title__icontains=q)
            | Q(template__title_zh__icontains=q)
            | Q(template__title_en__icontains=q)
            | Q(unit__name__icontains=q)
        )
    # A submission from before submission times were kept has waited longest of all.
    return tasks.order_by(F("submitted_at").asc(nulls_first=True), "id")


def next_in_queue(*, user: User, campaign: Campaign, rule: LightRule, filters: ReviewFilters) -> Task | None:
    """The task that has waited longest in the user's filtered queue, to open after a decision."""
    return review_queue(user=user, campaign=campaign, rule=rule, filters=filters).first()


# A batch decision names at most this many tasks.
MAX_BATCH = 100


def review_batch(*, user: User, versions: Mapping[int, int]) -> list[Task] | None:
    """The tasks of a batch (pk → version the page showed) in the user's scope, or None if one is not."""
    tasks = list(Task.objects.for_user(user).filter(pk__in=versions).select_related("unit", "template").order_by("pk"))
    return tasks if len(tasks) == len(versions) else None


# The unit drop-down lists the units with something waiting while they are this few; past that
# (a city office has a thousand) the search box, which matches unit names, finds a unit, and a unit
# chosen by a link (`?unit=`) is shown as a filter that can be cleared.
REVIEW_UNIT_CHOICES = 50


@dataclass(frozen=True)
class ReviewOptions:
    units: list[Unit]  # units with something waiting for this user, if at most REVIEW_UNIT_CHOICES
    more_units: bool  # more units than that wait: no drop-down
    selected_unit: Unit | None  # the unit the queue is narrowed to, if it is in scope
    areas: list[Unit]  # units in scope with units below them (area_options)


def review_options(*, user: User, campaign: Campaign, filters: ReviewFilters = ReviewFilters()) -> ReviewOptions:
    """The review queue's unit and area choices: a page's worth, never every unit of a city."""
    waiting = _submitted_to(user, campaign).values("unit_id")
    in_scope = Unit.objects.for_user(user).only("pk", "name", "path")
    units = list(in_scope.filter(pk__in=waiting).order_by("path")[: REVIEW_UNIT_CHOICES + 1])
    more = len(units) > REVIEW_UNIT_CHOICES
    selected = None
    if filters.unit:
        selected = next((unit for unit in units if unit.pk == filters.unit), None)
        selected = selected or in_scope.filter(pk=filters.unit).first()
    return ReviewOptions(
        units=[] if more else units,
        more_units=more,
        selected_unit=selected,
        areas=list(area_options(user=user, selected=filters.area)),
    )


def task_timeline(*, task: Task) -> tuple[QuerySet[Entry], QuerySet[TaskEvent]]:
    entries = task.entries.select_related("author").prefetch_related("evidence")
    events = TaskEvent.objects.filter(task=task).select_related("actor")
    return entries, events


def last_return_reason(*, task: Task) -> TaskEvent | None:
    if task.status != TaskStatus.RETURNED:
        return None
    return TaskEvent.objects.filter(task=task, kind="returned").select_related("actor").first()


def unit_people(*, unit: Unit) -> QuerySet[User]:
    """Who can own a task of the unit: its staff and leaders."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            role_assignments__unit=unit,
            role_assignments__role__in=[Role.STAFF, Role.UNIT_LEADER],
        )
        .distinct()
        .order_by("username")
    )


# Counters the entry service keeps on the task; the entry rows themselves say what happened.
TASK_HISTORY_HIDDEN = {"entry_count", "last_activity_on", "last_entry_on"}


def _task_or_entry(record: Any) -> str:
    if record.instance_type is Entry:
        when = date_format(record.occurred_on, "SHORT_DATE_FORMAT")
        return f"{Entry._meta.verbose_name} · {when} · “{Truncator(record.text).chars(40)}”"
    return str(Task._meta.verbose_name)


def task_history(*, task: Task, limit: int = 50) -> list[HistoryRow]:
    """Changes to the task and to its entries (added, deleted, restored), newest first."""
    task_records = task.history.select_related("history_user")
    entry_records = Entry.history.filter(task_id=task.pk).select_related("history_user")
    rows = history_rows([*task_records, *entry_records], subject=_task_or_entry, hidden=TASK_HISTORY_HIDDEN)
    return rows[:limit]


def task_changes_since(*, task: Task, version: int) -> list[HistoryRow]:
    """What others changed after the page showing `version` was loaded (for the 409 notice): the
    task's own fields, and the entries added, deleted or restored meanwhile (an entry that leaves
    the percentage as it was is still a change the user must see)."""
    records = list(task.history.filter(version__gte=version).select_related("history_user"))
    newer = [record for record in records if record.version > version]
    if not newer:
        return []
    seen = [record.history_date for record in records if record.version == version]
    since = max(seen) if seen else min(record.history_date for record in newer)
    entries = Entry.history.filter(task_id=task.pk, history_date__gt=since).select_related("history_user")
    rows = history_rows([*records, *entries], subject=_task_or_entry, hidden=TASK_HISTORY_HIDDEN)
    return [row for row in rows if row.record.instance_type is Entry or row.record.version > version]


def deleted_entries(*, task: Task) -> QuerySet[Entry]:
    return Entry.all_objects.deleted().filter(task=task).select_related("author", "deleted_by")


def self_chosen_load(*, unit: Unit, campaign: Campaign) -> dict[str, int | bool | None]:
    """How many self-chosen tasks the unit has against the campaign's soft cap (S2 l.28)."""
    count = Task.objects.filter(unit=unit, campaign=campaign, template__isnull=True, archived_at__isnull=True).count()
    cap = campaign.self_chosen_soft_cap
    return {"self_chosen_count": count, "self_chosen_cap": cap, "self_chosen_over": cap is not None and count >= cap}
