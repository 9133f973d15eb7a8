"""What the weekly digest says, computed in the database for many recipients at once.

Counts, completion and ranking use the same roll-up (`LightRule.tally`) and stale-unit rule
(`stale_units_among`) as the dashboards, so the mail and the screen agree. Scope comes from the
access rule's own `Scope` (a leader sees their unit, an office its subtree), never from a second
filter written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, FilteredRelation, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from tracker.campaigns.models import Campaign
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


def _counted_units(units: QuerySet[Unit], campaign: Campaign, rule: LightRule) -> QuerySet[Any]:
    # The one roll-up rule (counts, floored percent, light), as on the dashboards and unit pages.
    return units.annotate(**rule.tally("tasks__", Q(tasks__campaign=campaign)))


def _red_tasks(tasks: QuerySet[Task], rule: LightRule) -> QuerySet[Task]:
    return tasks.filter(rule.red_q()).select_related("template", "unit").order_by("due_on", "unit__path", "pk")


def unit_digests(*, campaign: Campaign, rule: LightRule, unit_ids: list[int]) -> dict[int, UnitDigest]:
    """Each unit's counts and its oldest red tasks, for all the given units in two queries."""
    scope = Scope(read_unit_ids=frozenset(unit_ids))
    digests = {
        unit.pk: UnitDigest(
            unit=unit,
            counts=TaskCounts.from_row(unit),
        )
        for unit in _counted_units(Unit.objects.filter(scope.unit_q()), campaign, rule)
    }
    red = (
        _red_tasks(Task.objects.filter(scope.unit_q("unit__"), campaign=campaign), rule)
        .annotate(rank=Window(RowNumber(), partition_by=[F("unit_id")], order_by=[F("due_on"), F("pk")]))
        .filter(rank__lte=LIST_LIMIT)
    )
    for task in red:
        digests[task.unit_id].red_tasks.append(task)
    return digests


def office_digest(*, campaign: Campaign, rule: LightRule, unit: Unit) -> OfficeDigest:
    """The office's view of its subtree: counts, red list, ranking and stale units.

    Counts and ranking are read from the roll-ups as the office's dashboard reads them (the
    subtree row; each unit's own row), so a province office's digest costs what a district's
    does instead of counting millions of tasks; the caller brings the roll-ups up to date first.
    """
    scope = Scope(read_paths=(unit.path,))
    tasks = Task.objects.filter(scope.unit_q("unit__"), campaign=campaign, unit__participates=True)
    counted = UnitTally.objects.filter(campaign=campaign, unit=unit, subtree=True).aggregate(**tally_sums(rule))
    own = Q(unit_tallies__campaign=campaign, unit_tallies__subtree=False)
    units = (
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
        red_tasks=list(_red_tasks(tasks, rule)[:LIST_LIMIT]),
        top_units=list(units.order_by("-task_percent", "path")[:RANK_LIMIT]),
        bottom_units=list(units.order_by("task_percent", "path")[:RANK_LIMIT]),
        stale_units=list(stale[:LIST_LIMIT]),
        stale_count=stale.count(),
        unknown_years=workdays.unknown_years(campaign.starts_on, campaign.ends_on),
    )
