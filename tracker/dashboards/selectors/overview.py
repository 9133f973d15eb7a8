"""Roll-ups for the leadership dashboards, scoped by the one access rule.

Every function takes the user (whose `Scope` decides what is counted), the campaign and the
campaign's `LightRule`. The counts come from the roll-up tables (`tracker.rollups`): a city or
a province is the subtree row of its root, a matrix row the own rows of one unit, so neither the
query count nor the rows read grow with the number of tasks. Callers bring the roll-ups up to
date first with `rollups_refresh(campaign=…, rule=…)` (the dashboard views and the briefing do).
The overview, the matrix, the Excel exports and the Word briefing read the same functions:
`overview`, `unit_rollups` / `ranking` (units.py), `measure_rollups`, `area_rollups`, `trend`,
`stale_units`, `overdue_reviews`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Count,
    F,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)

from tracker.campaigns.models import Campaign, Measure
from tracker.core.types import User
from tracker.dashboards.selectors.units import scope_tally
from tracker.ledgers.models import RectificationItem, RectificationStatus
from tracker.orgs.models import Role, RoleAssignment, Unit
from tracker.orgs.scope import scope_for
from tracker.rollups.models import DayTally, TaskTally, UnitTally
from tracker.rollups.selectors import root_ids, span_q, tally_sums
from tracker.work.lights import LightRule, completion_percent
from tracker.work.models import Task, TaskStatus
from tracker.work.selectors import TaskCounts, task_list

LIST_LIMIT = 20  # rows of the overview's stale and waiting lists; the full lists are a filter away


# --- measures, areas, overall ------------------------------------------------------------------


def measure_rollups(*, user: User, campaign: Campaign, rule: LightRule) -> QuerySet[Measure]:
    """Measures with the roll-up of their tasks in the user's scope (`task_*` keys, LightRule.tally)."""
    in_scope = Q(tallies__campaign=campaign) & span_q(scope_for(user), "tallies__")
    return (
        Measure.objects.filter(in_scope)
        .annotate(**tally_sums(rule, "tallies__"))
        .filter(Q(task_total__gt=0))  # an annotation, not a field
        .order_by("order", "code")
    )


@dataclass(frozen=True)
class AreaRollup:
    """A subtree directly below one of the user's scope roots (a district, or a city-level unit)."""

    unit: Unit
    counts: TaskCounts


def _area_tallies(*, user: User, campaign: Campaign) -> QuerySet[UnitTally] | None:
    """The roll-up rows of the areas below the user's scope roots, in tree order (None: no areas)."""
    scope = scope_for(user)
    if scope.is_superuser:
        areas = Q(subtree=True, unit__depth=0)
    elif scope.read_paths:
        roots = root_ids(scope)
        # A handful of units (the roots and their children) picked first, so their rows are found
        # by index; then each child's subtree row and each root's own row.
        units = Unit.objects.filter(Q(parent_id__in=roots) | Q(pk__in=roots)).order_by().values("pk")
        span = (Q(subtree=True) & ~Q(unit_id__in=roots)) | Q(subtree=False, unit_id__in=roots)
        areas = Q(unit_id__in=Subquery(units)) & span
    else:
        return None
    return UnitTally.objects.filter(areas, campaign=campaign, total__gt=0).order_by("unit__path")


def area_rollups(
    *, user: User, campaign: Campaign, rule: LightRule, limit: int | None = None, offset: int = 0
) -> list[AreaRollup]:
    """Roll-ups per subtree one level below each root of the user's scope, in one query.

    The areas of a root are its children's subtree rows, plus the root's own row when the root
    has tasks of its own; a superuser's areas are the top-level units. Guides and unit leaders
    read single units, not subtrees, so they get no areas. `limit` and `offset` read one page
    (a city may have thousands of units directly below it).
    """
    return _area_rows(user=user, campaign=campaign, rule=rule, limit=limit, offset=offset)[0]


def _area_rows(
    *, user: User, campaign: Campaign, rule: LightRule, limit: int | None = None, offset: int = 0
) -> tuple[list[AreaRollup], int | None]:
    """`area_rollups` and how many areas there are in all (None when the page is empty): the count
    is a window over the same rows, so a page of thousands of areas joins them once, not twice."""
    rows = _area_tallies(user=user, campaign=campaign)
    if rows is None:
        return [], 0
    rows = rows.annotate(areas=Window(Count("pk"))).select_related("unit")
    if limit is not None:
        rows = rows[offset : offset + limit]
    areas, count = [], None
    for row in rows:
        counters = {field: getattr(row, field) for field in TaskTally.COUNTERS}
        areas.append(AreaRollup(unit=row.unit, counts=TaskCounts.from_counters(counters, rule)))
        count = row.areas  # annotated
    return areas, count


@dataclass(frozen=True)
class AreaPage:
    """One page of the overview's areas: what `fragment_pager.html` needs, without a second count."""

    areas: list[AreaRollup]
    number: int
    count: int  # areas in all
    size: int

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.size))

    @property
    def paginator(self) -> AreaPage:
        return self  # the pager template reads page.paginator.num_pages

    @property
    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


AREA_PAGE_SIZE = 30


def area_page(*, user: User, campaign: Campaign, rule: LightRule, number: int = 1) -> AreaPage:
    """A page of the areas and how many there are, in one query (three past the last page), so
    thousands of units directly below a city cost about what twelve districts do."""
    number = max(number, 1)
    areas, count = _area_rows(
        user=user, campaign=campaign, rule=rule, limit=AREA_PAGE_SIZE, offset=(number - 1) * AREA_PAGE_SIZE
    )
    if count is None:  # past the last page (or no areas): count them, then show the last page
        tallies = _area_tallies(user=user, campaign=campaign)
        count = tallies.count() if tallies is not None else 0
        number = max(1, -(-count // AREA_PAGE_SIZE))
        offset = (number - 1) * AREA_PAGE_SIZE
        areas = (
            area_rollups(user=user, campaign=campaign, rule=rule, limit=AREA_PAGE_SIZE, offset=offset) if count else []
        )
    return AreaPage(areas=areas, number=number, count=count, size=AREA_PAGE_SIZE)


@dataclass(frozen=True)
class Clock:
    """The campaign clock: how much of the campaign's time has gone, to hold against completion."""

    day: int
    total_days: int

    @property
    def days_left(self) -> int:
        return self.total_days - self.day

    @property
    def percent(self) -> int:
        return completion_percent(self.day, self.total_days)


def campaign_clock(*, campaign: Campaign, rule: LightRule) -> Clock:
    return Clock(day=campaign.days_elapsed(rule.today), total_days=campaign.total_days)


def scope_tasks(*, user: User, campaign: Campaign) -> QuerySet[Task]:
    return Task.objects.for_user(user).filter(campaign=campaign)


# --- trend -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    """One day of the campaign: tasks done by the end of it, and what happened on it."""

    day: date
    done: int  # tasks accepted as done on or before this day (cumulative)
    percent: int  # done as a share of all tasks in scope today
    accepted: int
    submitted: int
    entries: int


def trend(*, user: User, campaign: Campaign, rule: LightRule, total: int) -> list[TrendPoint]:
    """Daily completion from real dates, summed from the day roll-ups of the user's scope (one query).

    A done task counts from the day of its acceptance (or, for a task closed without a review
    event, the day it was last saved); submissions from their events; entries from the date they
    report (`tracker.rollups.recount.day_parts`). Days without any event carry the previous total:
    nothing is interpolated. `total` is today's number of tasks in scope, so the last point equals
    today's completion.
    """
    rows = (
        DayTally.objects.filter(span_q(scope_for(user)), campaign=campaign)
        .values("day")
        .annotate(entries=Sum("entries"), submitted=Sum("submitted"), done=Sum("done"))
        .order_by("day")
    )
    per_day = {row["day"]: row for row in rows}
    start, end = campaign.starts_on, min(rule.today, campaign.ends_on)
    # Work finished before the campaign's first day counts on that day.
    cumulative = sum(row["done"] for day, row in per_day.items() if day < start)
    points = []
    day = start
    while day <= end:
        counts: Mapping[str, Any] = per_day.get(day, {})
        cumulative += counts.get("done", 0)
        points.append(
            TrendPoint(
                day=day,
                done=cumulative,
                percent=completion_percent(cumulative, total),
                accepted=counts.get("done", 0),
                submitted=counts.get("submitted", 0),
                entries=counts.get("entries", 0),
            )
        )
        day += timedelta(days=1)
    return points


# --- lists that need action --------------------------------------------------------------------


def stale_units(*, user: User, campaign: Campaign, rule: LightRule) -> QuerySet[Unit]:
    """Units in the user's scope with open tasks and no entry for `campaign.stale_days` days."""
    return stale_units_among(Unit.objects.for_user(user), campaign=campaign)


def stale_units_among(units: QuerySet[Unit], *, campaign: Campaign) -> QuerySet[Unit]:
    """Of `units`, those with open tasks and no entry for `campaign.stale_days` days, longest silent first.

    Read from the units' own roll-up rows, whose `units_stale` counter holds the rule
    (`tracker.rollups.recount.unit_counts`): a unit that has not logged anything since the
    campaign started counts from the start date. `last_entry_on` is the date of the unit's latest
    entry (None: none yet). The weekly digest reads it too, so the mail and the dashboard name the
    same units; both bring the roll-ups up to date for their rule first.
    """
    return (
        units.filter(unit_tallies__campaign=campaign, unit_tallies__subtree=False, unit_tallies__units_stale=1)
        .annotate(open_tasks=F("unit_tallies__open_tasks"), last_entry_on=F("unit_tallies__last_entry_on"))
        .select_related("parent")
        .order_by(F("last_entry_on").asc(nulls_first=True), "path")
    )


def review_cutoff(rule: LightRule, campaign: Campaign) -> datetime | None:
    """Submissions older than this have waited more than the campaign's due-soon working days."""
    return rule.review_before or LightRule.for_campaign(campaign, rule.today).review_before


# A scope with at most this many submissions waiting too long (its roll-ups say how many) finds
# them through its units that have any, not by walking every waiting submission of the campaign.
FEW_WAITING = 200


def overdue_reviews(*, user: User, campaign: Campaign, rule: LightRule, expected: int | None = None) -> QuerySet[Task]:
    """Submitted tasks waiting for review longer than `campaign.yellow_due_workdays` working days.

    Read through the user's read scope, not their review rights: leadership sees the backlog too.
    `submitted_at` is the latest submission (kept by task_submit, indexed for tasks awaiting
    review); oldest first. Archived tasks are read-only (nobody can review them) and out, as
    they are out of the roll-ups' `waiting` count.

    `expected` is that count for the scope (`scope_tally`). The campaign's waiting submissions
    are walked in the index's order until the page is full: fast when the scope holds a fair
    share of them, a walk of all of them when it holds few (a province's 87,000 for an area of
    4,000 units with none: 340 ms). With few expected, the tasks are looked up through the units
    whose own roll-up row counts any, and sorted.
    """
    tasks = scope_tasks(user=user, campaign=campaign).filter(
        status=TaskStatus.SUBMITTED, submitted_at__lt=review_cutoff(rule, campaign), archived_at__isnull=True
    )
    if expected is not None and expected <= FEW_WAITING:
        units_waiting = UnitTally.objects.filter(
            scope_for(user).unit_q("unit__"), campaign=campaign, subtree=False, waiting__gt=0
        ).values("unit_id")
        tasks = tasks.filter(unit_id__in=units_waiting)
    return (
        tasks.select_related("unit", "template", "measure")
        # The review queue's index order (NULLS FIRST; none here): a walk of the index, not a sort
        # of every submission in scope (210 ms for a province).
        .order_by(F("submitted_at").asc(nulls_first=True), "id")
    )


# --- the task ledger ---------------------------------------------------------------------------


def ledger_tasks(*, user: User, campaign: Campaign, rule: LightRule) -> QuerySet[Task]:
    """Every task in scope with its light and `last_entry_on`, in tree, measure and due order."""
    return (
        task_list(user=user, campaign=campaign, rule=rule)
        .select_related("unit")
        .order_by("unit__path", "measure__order", "due_on", "id")
    )


def overdue_rectifications(*, user: User, campaign: Campaign, rule: LightRule) -> QuerySet[RectificationItem]:
    """Rectification items past their deadline and not closed out, most overdue first."""
    return (
        RectificationItem.objects.for_user(user)
        .filter(campaign=campaign, deadline__lt=rule.today)
        .exclude(status=RectificationStatus.CLOSED)
        .select_related("unit")
        .order_by("deadline", "id")
    )


# --- the overview page -------------------------------------------------------------------------


@dataclass
class Overview:
    """Everything the overview page shows, for one user's scope on one day."""

    campaign: Campaign
    clock: Clock
    counts: TaskCounts
    units_by_light: dict[str, int]
    measures: list[Any]  # Measure rows annotated with the task_* keys (measure_rollups)
    areas: AreaPage
    trend: list[TrendPoint]
    stale: list[Any]  # Unit rows annotated with open_tasks and last_entry_on (stale_units)
    stale_count: int
    waiting: list[Task]
    waiting_count: int
    rectifications: list[RectificationItem] = field(default_factory=list)
    rectifications_count: int = 0
    scope_names: list[str] = field(default_factory=list)


def scope_names(*, user: User) -> list[str]:
    """What the user's dashboard covers, in words: their units' or guidance groups' names."""
    names = []
    for unit_name, group_name in (
        RoleAssignment.objects.filter(user=user)
        .exclude(role=Role.STAFF)
        .values_list("unit__name", "guidance_group__name")
        .order_by("unit__path", "guidance_group__name")
    ):
        name = unit_name or group_name
        if name not in names:
            names.append(name)
    return names


def overview(*, user: User, campaign: Campaign, rule: LightRule, area_page_number: int = 1) -> Overview:
    """The overview's numbers in a fixed number of queries, whatever the size of the scope."""
    counts, by_light, waiting_count, stale_count = scope_tally(user=user, campaign=campaign, rule=rule)
    stale = stale_units(user=user, campaign=campaign, rule=rule)
    waiting = overdue_reviews(user=user, campaign=campaign, rule=rule, expected=waiting_count)
    rectifications = overdue_rectifications(user=user, campaign=campaign, rule=rule)
    return Overview(
        campaign=campaign,
        clock=campaign_clock(campaign=campaign, rule=rule),
        counts=counts,
        units_by_light=by_light,
        measures=list(measure_rollups(user=user, campaign=campaign, rule=rule)),
        areas=area_page(user=user, campaign=campaign, rule=rule, number=area_page_number),
        trend=trend(user=user, campaign=campaign, rule=rule, total=counts.total),
        # The roll-ups count both lists: none counted, no query.
        stale=list(stale[:LIST_LIMIT]) if stale_count else [],
        stale_count=stale_count,
        waiting=list(waiting[:LIST_LIMIT]) if waiting_count else [],
        waiting_count=waiting_count,
        rectifications=list(rectifications[:LIST_LIMIT]),
        rectifications_count=rectifications.count(),
        scope_names=scope_names(user=user),
    )
