"""What the weekly digest says, computed in the database for many recipients at once.

Counts, completion and ranking use the same roll-up (`LightRule.tally`) and stale-unit rule
(`stale_units_among`) as the dashboards, so the mail and the screen agree. Scope comes from the
access rule's own `Scope` (a leader sees their unit, an office its subtree), never from a second
filter written here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F, FilteredRelation, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from tracker.campaigns.models import Campaign, TaskTemplate
from tracker.core import workdays
from tracker.dashboards.selectors import stale_units_among
from tracker.orgs.models import Unit
from tracker.orgs.scope import Scope
from tracker.rollups.models import UnitTally
from tracker.rollups.selectors import row_tally, tally_sums
from tracker.work.lights import LightRule
from tracker.work.models import Task
from tracker.work.selectors import TaskCounts

LIST_LIMIT = 20
# What a mail line shows of a task (its title, unit, due date, link) and of its template.
MAIL_TASK_FIELDS = ("due_on", "title", "period_starts_on", "template_id", "unit_id")
MAIL_TEMPLATE_FIELDS = ("title_zh", "title_en", "recurrence")


def mail_templates(ids: Iterable[int] | None = None) -> dict[int, TaskTemplate]:
    """The templates (all, or those of `ids`) with the fields a mail line shows."""
    templates = TaskTemplate.objects.only(*MAIL_TEMPLATE_FIELDS)
    return templates.in_bulk() if ids is None else templates.in_bulk(set(ids))


def tasks_relate(tasks: Iterable[Task], *, templates: Mapping[int, TaskTemplate], units: Mapping[int, Unit]) -> None:
    """Give tasks loaded with MAIL_TASK_FIELDS their template and unit from objects already at hand,
    instead of two more model objects per task (a province's sweep lists millions of lines)."""
    template_field, unit_field = Task._meta.get_field("template"), Task._meta.get_field("unit")
    for task in tasks:
        template_field.set_cached_value(task, templates.get(task.template_id) if task.template_id else None)
        unit_field.set_cached_value(task, units[task.unit_id])


RANK_LIMIT = 5


@dataclass
class UnitDigest:
    unit: Unit
    counts: TaskCounts
    red_tasks: list[Task] = field(default_factory=list)


@dataclass
class OfficeDigest:
    unit: Unit
    counts: TaskCounts
    red_tasks: list[Task]
    top_units: list[Unit]
    bottom_units: list[Unit]
    stale_units: list[Any]  # Unit rows annotated with last_entry_on (stale_units_among)
    stale_count: int
    # Years of the campaign whose holidays nobody has entered: guessed as Monday–Friday until the office does.
    unknown_years: list[int]


def _red_tasks(tasks: QuerySet[Task], rule: LightRule) -> QuerySet[Task]:
    return tasks.filter(rule.red_q()).select_related("template", "unit").order_by("due_on", "unit__path", "pk")


def unit_digests(*, campaign: Campaign, rule: LightRule, unit_ids: list[int]) -> dict[int, UnitDigest]:
    """Each unit's counts (its roll-up row) and its oldest red tasks, for all the given units in two queries."""
    scope = Scope(read_unit_ids=frozenset(unit_ids))
    # Each unit's own roll-up row, as its page and the dashboards read it (refreshed by the caller).
    own = Q(unit_tallies__campaign=campaign, unit_tallies__subtree=False)
    counted = (
        Unit.objects.filter(scope.unit_q())
        .only("name", "path")
        .annotate(own=FilteredRelation("unit_tallies", condition=own))
        .annotate(**row_tally(rule, "own__"))
    )
    digests = {unit.pk: UnitDigest(unit=unit, counts=TaskCounts.from_row(unit)) for unit in counted}
    # A province's leaders' digests list a quarter of a million red tasks: the mail line's fields only.
    red = list(
        Task.objects.filter(scope.unit_q("unit__"), rule.red_q(), campaign=campaign)
        .only(*MAIL_TASK_FIELDS)
        .annotate(rank=Window(RowNumber(), partition_by=[F("unit_id")], order_by=[F("due_on"), F("pk")]))
        .filter(rank__lte=LIST_LIMIT)
        .order_by("unit_id", "due_on", "pk")
    )
    templates = mail_templates(task.template_id for task in red if task.template_id)
    tasks_relate(red, templates=templates, units={pk: digest.unit for pk, digest in digests.items()})
    for task in red:
        digests[task.unit_id].red_tasks.append(task)
    return digests


def office_digests(*, campaign: Campaign, rule: LightRule, units: list[Unit]) -> dict[int, OfficeDigest]:
    """`office_digest` of many offices' units, their red lists found together (see `_red_lists`)."""
    red = _red_lists(campaign=campaign, rule=rule, units=units)
    return {unit.pk: office_digest(campaign=campaign, rule=rule, unit=unit, red_tasks=red[unit.pk]) for unit in units}


def office_digest(
    *, campaign: Campaign, rule: LightRule, unit: Unit, red_tasks: list[Task] | None = None
) -> OfficeDigest:
    """The office's view of its subtree: counts, red list, ranking and stale units.

    Counts and ranking are read from the roll-ups as the office's dashboard reads them (the
    subtree row; each unit's own row), so a province office's digest costs what a district's
    does instead of counting millions of tasks; the caller brings the roll-ups up to date first.
    """
    scope = Scope(read_paths=(unit.path,))
    if red_tasks is None:
        red_tasks = _red_lists(campaign=campaign, rule=rule, units=[unit])[unit.pk]
    counted = UnitTally.objects.filter(campaign=campaign, unit=unit, subtree=True).aggregate(**tally_sums(rule))
    own = Q(unit_tallies__campaign=campaign, unit_tallies__subtree=False)
    units: QuerySet[Any] = (
        Unit.objects.filter(scope.unit_q(), participates=True)
        .annotate(own=FilteredRelation("unit_tallies", condition=own))
        .filter(own__total__gt=0)
        .annotate(**row_tally(rule, "own__"))
        .select_related("parent")
    )
    # Ranked and called stale exactly as the dashboards do (floored percent; last entry date).
    stale = stale_units_among(Unit.objects.filter(scope.unit_q(), participates=True), campaign=campaign)
    return OfficeDigest(
        unit=unit,
        counts=TaskCounts.from_row(counted),
        red_tasks=red_tasks,
        top_units=list(units.order_by("-task_percent", "path")[:RANK_LIMIT]),
        bottom_units=list(units.order_by("task_percent", "path")[:RANK_LIMIT]),
        stale_units=list(stale[:LIST_LIMIT]),
        stale_count=stale.count(),
        unknown_years=workdays.unknown_years(campaign.starts_on, campaign.ends_on),
    )


def _red_lists(*, campaign: Campaign, rule: LightRule, units: list[Unit]) -> dict[int, list[Task]]:
    """The LIST_LIMIT oldest red tasks of each unit's subtree (due date, tree order).

    On PostgreSQL one statement for every office of a batch: each red task is counted under each
    of its ancestors among `units` (its path lists them) and ranked there. A query per office
    read every task of the campaign (no index leads from a subtree to its oldest red tasks):
    seconds each at province scale, times 180 offices.
    """
    found: dict[int, list[Task]] = {unit.pk: [] for unit in units}
    if not units:
        return found
    red = Task.objects.filter(rule.red_q(), campaign=campaign, unit__participates=True)
    if connection.vendor != "postgresql":
        for unit in units:
            subtree = red.filter(Scope(read_paths=(unit.path,)).unit_q("unit__"))
            found[unit.pk] = list(_red_tasks(subtree, rule)[:LIST_LIMIT])
        return found
    inner, params = red.order_by().values("id", "due_on", "unit__path").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT above, id FROM (
                SELECT a.above, r.id, row_number() OVER (PARTITION BY a.above ORDER BY r.due_on, r.path, r.id) AS n
                FROM ({inner}) AS r (id, due_on, path)
                CROSS JOIN LATERAL unnest(string_to_array(trim(BOTH '/' FROM r.path), '/')::int[]) AS a (above)
                WHERE a.above = ANY(%s)
            ) AS ranked
            WHERE n <= %s
            ORDER BY above, n
            """,
            (*params, [unit.pk for unit in units], LIST_LIMIT),
        )
        rows = cursor.fetchall()
    tasks = Task.objects.select_related("template", "unit").in_bulk([pk for _above, pk in rows])
    for above, pk in rows:
        found[above].append(tasks[pk])
    return found
