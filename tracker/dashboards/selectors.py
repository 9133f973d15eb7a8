"""Roll-ups for the leadership dashboards (PRODUCT §6), scoped by the one access rule.

Every function takes the user (whose `Scope` decides what is counted), the campaign and the
campaign's `LightRule`, and computes its numbers in the database with conditional aggregation
(`LightRule.tally`), so the query count does not grow with the number of units. The overview,
the matrix, the Excel exports and later the weekly digest and the Word briefing read the same
functions: `overview`, `unit_rollups` / `ranking`, `measure_rollups`, `area_rollups`, `trend`,
`stale_units`, `overdue_reviews`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Rank, Substr, TruncDate
from django.utils import timezone

from tracker.campaigns.models import Campaign, Measure
from tracker.core.workdays import is_workday
from tracker.ledgers.models import RectificationItem, RectificationStatus
from tracker.orgs.models import Role, RoleAssignment, Unit, UnitCategory
from tracker.orgs.scope import scope_for
from tracker.work.lights import Light, LightRule, completion_percent, light_rank
from tracker.work.models import OPEN_STATUSES, Entry, EventKind, Task, TaskEvent, TaskStatus
from tracker.work.selectors import TaskCounts, task_counts, task_list

PATH_STEP = 9  # one level of Unit.path: "/" and eight digits (tracker.orgs.services.PATH_DIGITS)
LIST_LIMIT = 20  # rows of the overview's stale and waiting lists; the full lists are a filter away


# --- units × measures --------------------------------------------------------------------------

UNIT_SORTS = {
    "rank": "rank",
    "unit": "path",
    "category": "category__order",
    "total": "task_total",
    "done": "task_done",
    "percent": "task_percent",
    "red": "task_red",
    "yellow": "task_yellow",
    "light": "light_order",
}
DEFAULT_SORT = "rank"


@dataclass(frozen=True)
class UnitFilters:
    """What the matrix shows: filters and sort order, read from and written back to the query string.

    `sort` is a key of UNIT_SORTS or "m-<measure code>" (that measure's completion), with a leading
    "-" for descending order. Unknown values fall back to the default instead of failing.
    """

    category: str = ""
    under: int | None = None
    light: str = ""
    sort: str = DEFAULT_SORT

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> UnitFilters:
        under = params.get("under", "")
        light = params.get("light", "")
        sort = params.get("sort", "")[:50]
        key = sort.removeprefix("-")
        return cls(
            category=params.get("category", "")[:40],
            under=int(under) if under.isdigit() and len(under) < 12 else None,
            light=light if light in Light.values else "",
            sort=sort if key in UNIT_SORTS or key.startswith("m-") else DEFAULT_SORT,
        )

    @property
    def active(self) -> bool:
        return bool(self.category or self.under or self.light)

    def query(self, **changes) -> dict[str, str]:
        """The query string of these filters (with `changes`), for links, the pager and exports."""
        values = replace(self, **changes) if changes else self
        params = {
            "category": values.category,
            "under": str(values.under or ""),
            "light": values.light,
            "sort": "" if values.sort == DEFAULT_SORT else values.sort,
        }
        return {key: value for key, value in params.items() if value}

    def sort_link(self, key: str) -> dict[str, str]:
        """Sorting by `key`; a second click on the current column reverses it."""
        if self.sort == key:
            return self.query(sort=f"-{key}")
        if self.sort == f"-{key}":
            return self.query(sort=key)
        # Completion and counts read best downwards; names and ranks upwards.
        return self.query(sort=key if key in ("rank", "unit", "category", "light") else f"-{key}")


@dataclass(frozen=True)
class Cell:
    """One measure's tasks in one unit: a cell of the matrix."""

    measure: Measure
    counts: TaskCounts


def _measure_key(measure: Measure) -> str:
    return f"m{measure.pk}"


def _rolled_up_units(*, user, campaign: Campaign, rule: LightRule, filters: UnitFilters, measures=()) -> QuerySet[Unit]:
    units = (
        Unit.objects.for_user(user)
        # Filter before annotate: the counts then run over this join, i.e. the campaign's tasks.
        .filter(tasks__campaign=campaign)
        .select_related("category", "parent")
    )
    if filters.category:
        units = units.filter(category__code=filters.category)
    if filters.under:
        # The subtree's root is read through the same scope: a root out of scope matches nothing.
        root_path = Unit.objects.for_user(user).filter(pk=filters.under).values("path")
        units = units.filter(path__startswith=Subquery(root_path))
    cells = {}
    for measure in measures:
        cells.update(rule.tally("tasks__", Q(tasks__measure=measure), name=_measure_key(measure)))
    units = units.annotate(**rule.tally("tasks__"), **cells)
    if filters.light:
        units = units.filter(task_light=filters.light)
    return units


def unit_rollups(
    *,
    user,
    campaign: Campaign,
    rule: LightRule,
    filters: UnitFilters = UnitFilters(),
    measures: Sequence[Measure] = (),
) -> QuerySet[Unit]:
    """Units in the user's scope that have tasks in the campaign, each with its roll-up.

    Annotates `task_total/_done/_submitted/_red/_yellow/_percent/_light` (LightRule.tally),
    `light_order`, `rank` and, per measure in `measures`, the same keys prefixed `m<pk>_`. `rank`
    is standard competition ranking ("1224") by completion among the units that pass the filters:
    equal completion, equal rank, and the next rank skips the tied places. Filtering, ranking,
    sorting and paging all happen in one SQL query.
    """
    units = _rolled_up_units(user=user, campaign=campaign, rule=rule, filters=filters, measures=measures)
    units = units.annotate(
        light_order=light_rank("task_light"),
        rank=Window(Rank(), order_by=F("task_percent").desc()),
    )
    return units.order_by(*_ordering(filters.sort, measures))


def _ordering(sort: str, measures: Sequence[Measure]) -> list:
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    column = UNIT_SORTS.get(key)
    if key.startswith("m-"):
        by_code = {m.code: m for m in measures}
        measure = by_code.get(key[2:])
        column = f"{_measure_key(measure)}_percent" if measure else None
    column = column or UNIT_SORTS[DEFAULT_SORT]
    expression = F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True)
    # Ties keep the tree order, so paging through equal rows is stable.
    return [expression, "path"]


def unit_cells(unit: Unit, measures: Sequence[Measure]) -> list[Cell]:
    """The matrix cells of a row of `unit_rollups(..., measures=measures)`, in measure order."""
    return [Cell(measure=m, counts=TaskCounts.from_row(unit, name=_measure_key(m))) for m in measures]


def ranking(*, user, campaign: Campaign, rule: LightRule, filters: UnitFilters = UnitFilters()) -> QuerySet[Unit]:
    """Units best first by completion, with tie-aware `rank` (for the digest and the briefing)."""
    return unit_rollups(user=user, campaign=campaign, rule=rule, filters=replace(filters, sort="rank"))


def units_by_light(
    *,
    user,
    campaign: Campaign,
    rule: LightRule,
    filters: UnitFilters = UnitFilters(),
) -> dict[str, int]:
    """How many of the units `unit_rollups` would list are red, yellow and green (one query)."""
    units = _rolled_up_units(user=user, campaign=campaign, rule=rule, filters=filters)
    counts = units.order_by().aggregate(**{light: Count("pk", filter=Q(task_light=light)) for light in Light.values})
    return {light: counts[light] for light in Light.values}


def category_options() -> QuerySet[UnitCategory]:
    return UnitCategory.objects.all()


def area_options(*, user) -> QuerySet[Unit]:
    """Subtrees the matrix can be narrowed to: units in scope that have units below them."""
    return Unit.objects.for_user(user).filter(children__isnull=False).distinct().order_by("path")


# --- measures, areas, overall ------------------------------------------------------------------


def measure_rollups(*, user, campaign: Campaign, rule: LightRule) -> QuerySet[Measure]:
    """Measures with the roll-up of their tasks in the user's scope (`task_*` keys, LightRule.tally)."""
    in_scope = Q(tasks__campaign=campaign) & scope_for(user).unit_q("tasks__unit__")
    return Measure.objects.filter(in_scope).annotate(**rule.tally("tasks__")).order_by("order", "code")


@dataclass(frozen=True)
class AreaRollup:
    """A subtree directly below one of the user's scope roots (a district, or a city-level unit)."""

    unit: Unit
    counts: TaskCounts


def area_rollups(*, user, campaign: Campaign, rule: LightRule) -> list[AreaRollup]:
    """Roll-ups per subtree one level below each root of the user's scope, in two queries.

    Each task is grouped by the path prefix of its unit's ancestor one level below the root,
    which the zero-padded materialised path makes a plain substring. Guides and unit leaders
    read single units, not subtrees, so they get no areas.
    """
    scope = scope_for(user)
    # Every path starts with "/", so a superuser's root "/" has the top-level units as its areas.
    roots = ("/",) if scope.is_superuser else scope.read_paths
    if not roots:
        return []
    prefixes = [(root, Substr("unit__path", 1, len(root) + PATH_STEP)) for root in roots]
    area = prefixes[0][1]
    if len(prefixes) > 1:
        area = Case(
            *(When(unit__path__startswith=root, then=prefix) for root, prefix in prefixes), output_field=CharField()
        )
    rows = (
        Task.objects.for_user(user)
        .filter(campaign=campaign)
        .annotate(area=area)
        .values("area")
        .annotate(**rule.tally())
        .order_by("area")
    )
    by_path = {row["area"]: row for row in rows}
    units = Unit.objects.for_user(user).filter(path__in=list(by_path)).order_by("path")
    return [AreaRollup(unit=u, counts=TaskCounts.from_row(by_path[u.path])) for u in units]


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


def scope_tasks(*, user, campaign: Campaign) -> QuerySet[Task]:
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


def trend(*, user, campaign: Campaign, rule: LightRule, total: int) -> list[TrendPoint]:
    """Daily completion from real dates, in one grouped query (UNION ALL of three GROUP BYs).

    A done task counts from the day of its last acceptance (or, for a task closed without a
    review event, the day it was last saved); submissions from their events; entries from the
    date they report. Days without any event carry the previous total: nothing is interpolated.
    `total` is today's number of tasks in scope, so the last point equals today's completion.
    """
    scope = scope_for(user)
    done_tasks = scope_tasks(user=user, campaign=campaign).filter(status=TaskStatus.DONE)
    # Done is final (nothing reopens an accepted task), so a done task has one acceptance: grouping
    # the events is exact, and a join where a per-task MAX() subquery cost 0.8 s at city scale.
    accepted = TaskEvent.objects.filter(task__in=done_tasks, kind=EventKind.ACCEPTED).annotate(
        day=TruncDate("created_at"), series=_kind("done")
    )
    closed_unreviewed = done_tasks.exclude(events__kind=EventKind.ACCEPTED).annotate(
        day=TruncDate("updated_at"), series=_kind("done")
    )
    submitted = TaskEvent.objects.filter(
        scope.unit_q("task__unit__"), task__campaign=campaign, kind=EventKind.SUBMITTED
    ).annotate(day=TruncDate("created_at"), series=_kind("submitted"))
    entries = (
        Entry.objects.for_user(user)
        .filter(task__campaign=campaign)
        .annotate(day=F("occurred_on"), series=_kind("entries"))
    )
    parts = [
        qs.order_by().values("day", "series").annotate(n=Count("pk"))
        for qs in (accepted, closed_unreviewed, submitted, entries)
    ]
    per_day: dict[date, dict[str, int]] = {}
    for row in parts[0].union(*parts[1:], all=True):
        day = row["day"] if isinstance(row["day"], date) else date.fromisoformat(str(row["day"]))
        per_day.setdefault(day, {})[row["series"]] = per_day.get(day, {}).get(row["series"], 0) + row["n"]
    start, end = campaign.starts_on, min(rule.today, campaign.ends_on)
    # Work finished before the campaign's first day counts on that day.
    cumulative = sum(counts.get("done", 0) for day, counts in per_day.items() if day < start)
    points = []
    day = start
    while day <= end:
        counts = per_day.get(day, {})
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


def _kind(name: str) -> Value:
    return Value(name, output_field=CharField())


# --- lists that need action --------------------------------------------------------------------


def stale_units(*, user, campaign: Campaign, rule: LightRule) -> QuerySet[Unit]:
    """Units in the user's scope with open tasks and no entry for `campaign.stale_days` days."""
    return stale_units_among(Unit.objects.for_user(user), campaign=campaign, rule=rule)


def stale_units_among(units: QuerySet[Unit], *, campaign: Campaign, rule: LightRule) -> QuerySet[Unit]:
    """Of `units`, those with open tasks and no entry for `campaign.stale_days` days, longest silent first.

    `last_entry_on` is the date of the unit's latest entry (None: none yet); a unit that has not
    logged anything since the campaign started counts from the start date. One grouped pass over
    units and tasks: Task.last_entry_on spares joining every entry. The weekly digest uses it too,
    so the mail and the dashboard name the same units.
    """
    open_task = Q(tasks__status__in=OPEN_STATUSES)
    return (
        units.filter(tasks__campaign=campaign)
        .annotate(
            open_tasks=Count("tasks", filter=open_task),
            last_entry_on=Max("tasks__last_entry_on"),
        )
        .annotate(quiet_since=Coalesce("last_entry_on", Value(campaign.starts_on), output_field=DateField()))
        .filter(open_tasks__gt=0, quiet_since__lt=rule.stale_before)
        .select_related("parent")
        .order_by(F("last_entry_on").asc(nulls_first=True), "path")
    )


def review_cutoff(rule: LightRule, campaign: Campaign) -> datetime:
    """Submissions older than this have waited more than the campaign's due-soon working days."""
    day, remaining = rule.today, campaign.yellow_due_workdays
    while remaining > 0:
        day -= timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return timezone.make_aware(datetime.combine(day, time.min))


def overdue_reviews(*, user, campaign: Campaign, rule: LightRule) -> QuerySet[Task]:
    """Submitted tasks waiting for review longer than `campaign.yellow_due_workdays` working days.

    Read through the user's read scope, not their review rights: leadership sees the backlog too.
    `submitted_at` is the latest submission; oldest first.
    """
    submitted_at = (
        TaskEvent.objects.filter(task=OuterRef("pk"), kind=EventKind.SUBMITTED)
        .order_by()
        .values("task")
        .annotate(last=Max("created_at"))
        .values("last")
    )
    return (
        scope_tasks(user=user, campaign=campaign)
        .filter(status=TaskStatus.SUBMITTED)
        .annotate(submitted_at=Coalesce(Subquery(submitted_at), F("updated_at")))
        .filter(submitted_at__lt=review_cutoff(rule, campaign))
        .select_related("unit", "template", "measure")
        .order_by("submitted_at", "id")
    )


# --- the task ledger ---------------------------------------------------------------------------


def ledger_tasks(*, user, campaign: Campaign, rule: LightRule) -> QuerySet[Task]:
    """Every task in scope with its light and `last_entry_on`, in tree, measure and due order."""
    return (
        task_list(user=user, campaign=campaign, rule=rule)
        .select_related("unit")
        .order_by("unit__path", "measure__order", "due_on", "id")
    )


def overdue_rectifications(*, user, campaign: Campaign, rule: LightRule) -> QuerySet[RectificationItem]:
    """Rectification items past their deadline and not closed out, most overdue first (PRODUCT §6)."""
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
    measures: list[Measure]
    areas: list[AreaRollup]
    trend: list[TrendPoint]
    stale: list[Unit]
    stale_count: int
    waiting: list[Task]
    waiting_count: int
    rectifications: list[RectificationItem] = field(default_factory=list)
    rectifications_count: int = 0
    scope_names: list[str] = field(default_factory=list)


def scope_names(*, user) -> list[str]:
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


def overview(*, user, campaign: Campaign, rule: LightRule) -> Overview:
    """The overview's numbers in a fixed number of queries, whatever the size of the scope."""
    counts = task_counts(tasks=scope_tasks(user=user, campaign=campaign), rule=rule)
    stale = stale_units(user=user, campaign=campaign, rule=rule)
    waiting = overdue_reviews(user=user, campaign=campaign, rule=rule)
    rectifications = overdue_rectifications(user=user, campaign=campaign, rule=rule)
    return Overview(
        campaign=campaign,
        clock=campaign_clock(campaign=campaign, rule=rule),
        counts=counts,
        units_by_light=units_by_light(user=user, campaign=campaign, rule=rule),
        measures=list(measure_rollups(user=user, campaign=campaign, rule=rule)),
        areas=area_rollups(user=user, campaign=campaign, rule=rule),
        trend=trend(user=user, campaign=campaign, rule=rule, total=counts.total),
        stale=list(stale[:LIST_LIMIT]),
        stale_count=stale.count(),
        waiting=list(waiting[:LIST_LIMIT]),
        waiting_count=waiting.count(),
        rectifications=list(rectifications[:LIST_LIMIT]),
        rectifications_count=rectifications.count(),
        scope_names=scope_names(user=user),
    )
