"""The units × measures side of the dashboards: filters, sorting, the matrix, the ranking and the
per-light counts, all read from the per-unit roll-up rows (`tracker.rollups`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import (
    Count,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce, Rank

from tracker.campaigns.models import Campaign, Measure
from tracker.core.types import User
from tracker.orgs.models import Unit, UnitCategory
from tracker.orgs.scope import scope_for
from tracker.rollups.models import MeasureTally, TaskTally, UnitTally
from tracker.rollups.selectors import row_tally, span_q
from tracker.scoring.selectors import score_subquery
from tracker.work.lights import GROUP_LIGHTS, LightRule, light_rank
from tracker.work.selectors import TaskCounts

UNIT_SORTS = {
    "rank": "own__percent",  # best first: rank ascending is the stored percent descending (_ordering)
    "unit": "path",
    "category": "category__order",
    "total": "task_total",
    "done": "task_done",
    "percent": "own__percent",  # the same number as task_percent, stored and indexed
    "red": "task_red",
    "yellow": "task_yellow",
    "light": "light_order",
    "score": "score",  # the assessment score (tracker.scoring), annotated only when sorted by
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
            light=light if light in GROUP_LIGHTS else "",
            sort=sort if key in UNIT_SORTS or key.startswith("m-") else DEFAULT_SORT,
        )

    @property
    def active(self) -> bool:
        return bool(self.category or self.under or self.light)

    def query(self, **changes: Any) -> dict[str, str]:
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


def _rolled_up_units(
    *, user: User, campaign: Campaign, rule: LightRule, filters: UnitFilters, measures: Sequence[Measure] = ()
) -> QuerySet[Unit]:
    # One row per unit, no GROUP BY: the unit's own roll-up row and one row per measure, joined.
    own = Q(unit_tallies__campaign=campaign, unit_tallies__subtree=False)
    units = (
        Unit.objects.for_user(user)
        .annotate(own=FilteredRelation("unit_tallies", condition=own))
        .filter(own__total__gt=0)
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
        key = _measure_key(measure)
        cell = Q(measure_tallies__campaign=campaign, measure_tallies__subtree=False, measure_tallies__measure=measure)
        units = units.annotate(**{f"{key}_row": FilteredRelation("measure_tallies", condition=cell)})
        cells.update(row_tally(rule, f"{key}_row__", name=key))
    units = units.annotate(**row_tally(rule, "own__"), **cells)
    if filters.light:
        units = units.filter(Q(task_light=filters.light))  # an annotation, not a field
    return units


def unit_rollups(
    *,
    user: User,
    campaign: Campaign,
    rule: LightRule,
    filters: UnitFilters = UnitFilters(),
    measures: Sequence[Measure] = (),
    ranked: bool = True,
) -> QuerySet[Unit]:
    """Units in the user's scope that have tasks in the campaign, each with its roll-up.

    Annotates `task_total/_done/_submitted/_red/_yellow/_percent/_light` (LightRule.tally),
    `light_order` and, per measure in `measures`, the same keys prefixed `m<pk>_`; with `ranked`,
    also `rank`: standard competition ranking ("1224") by completion among the units that pass the
    filters (equal completion, equal rank, and the next rank skips the tied places), a window over
    every unit. A page of 50 leaves it out (`ranked=False`) and calls `rank_page`: the first page
    of a province is then an index walk on the stored percent, not a sort of 50,000 units.
    """
    units = _rolled_up_units(user=user, campaign=campaign, rule=rule, filters=filters, measures=measures)
    units = units.annotate(light_order=light_rank("task_light"))
    if ranked:
        units = units.annotate(rank=Window(Rank(), order_by=F("own__percent").desc()))
    if filters.sort.removeprefix("-") == "score":
        units = units.annotate(score=score_subquery(campaign=campaign, today=rule.today))
    return units.order_by(*_ordering(filters.sort, measures))


def rank_page(units: Sequence[Unit], *, user: User, campaign: Campaign, rule: LightRule, filters: UnitFilters) -> None:
    """Set `rank` on a page of `unit_rollups(..., ranked=False)`, as the window would (one query).

    A unit's rank is one more than the units passing the same filters with a higher completion;
    those are counted by completion above the page's lowest, so the first pages read few rows.
    """
    if not units:
        return
    lowest = min(unit.task_percent for unit in units)  # type: ignore[attr-defined]  # annotated
    above = (
        _rolled_up_units(user=user, campaign=campaign, rule=rule, filters=filters)
        .annotate(stored=F("own__percent"))
        .filter(Q(stored__gt=lowest))
        .order_by()
        .values("stored")
        .annotate(n=Count("pk"))
        .values_list("stored", "n")
    )
    counts = list(above)
    for unit in units:
        percent = unit.task_percent  # type: ignore[attr-defined]
        unit.rank = 1 + sum(n for value, n in counts if value > percent)  # type: ignore[attr-defined]


def _ordering(sort: str, measures: Sequence[Measure]) -> list[Any]:
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    column = UNIT_SORTS.get(key)
    if key.startswith("m-"):
        measure = {m.code: m for m in measures}.get(key[2:])
        column = f"{_measure_key(measure)}_percent" if measure else None
    if column is None:  # a measure that is gone: the default order
        key, descending, column = DEFAULT_SORT, False, UNIT_SORTS[DEFAULT_SORT]
    if key == "rank":  # rank ascending (best first) is the stored percent descending: the index's order
        descending = not descending
    # The stored percent is never null: ordered plainly, it reads the index in its order (DESC NULLS
    # FIRST, or backwards); "nulls last" on it would sort every unit instead.
    nulls = {} if column == UNIT_SORTS["percent"] else {"nulls_last": True}
    expression = F(column).desc(**nulls) if descending else F(column).asc(**nulls)
    # Ties keep the tree order, so paging through equal rows is stable.
    return [expression, "path"]


def unit_cells(unit: Unit, measures: Sequence[Measure]) -> list[Cell]:
    """The matrix cells of a row of `unit_rollups(..., measures=measures)`, in measure order."""
    return [Cell(measure=m, counts=TaskCounts.from_row(unit, name=_measure_key(m))) for m in measures]


def sort_measures(filters: UnitFilters, measures: Sequence[Measure]) -> list[Measure]:
    """The measure whose column the rows are sorted by, if any: the only cell a page query needs."""
    code = filters.sort.removeprefix("-").removeprefix("m-") if "m-" in filters.sort else None
    return [m for m in measures if m.code == code]


def matrix_rows(
    units: Sequence[Unit], *, campaign: Campaign, rule: LightRule, measures: Sequence[Measure]
) -> list[tuple[Unit, list[Cell]]]:
    """One page of the matrix: each unit with its cells in measure order, read in one query for the page.

    The page's units come from `unit_rollups` (filtered, ranked and sorted over every unit); their
    cells are only read for the 50 rows shown, so the page query joins no measure rows.
    """
    # Plain columns: the completion and the light are worked out in Python (compiling the CASE of
    # `row_tally` for 8 columns cost more than the query).
    rows = MeasureTally.objects.filter(campaign=campaign, subtree=False, unit_id__in=[u.pk for u in units]).values_list(
        "unit_id", "measure_id", *TaskTally.COUNTERS
    )
    counts = {
        (unit_id, measure_id): TaskCounts.from_counters(dict(zip(TaskTally.COUNTERS, values, strict=True)), rule)
        for unit_id, measure_id, *values in rows
    }
    return [(u, [Cell(measure=m, counts=counts.get((u.pk, m.pk), TaskCounts())) for m in measures]) for u in units]


def ranking(*, user: User, campaign: Campaign, rule: LightRule, filters: UnitFilters = UnitFilters()) -> QuerySet[Unit]:
    """Units best first by completion, with tie-aware `rank` (for the digest and the briefing)."""
    return unit_rollups(user=user, campaign=campaign, rule=rule, filters=replace(filters, sort="rank"))


def units_by_light(
    *,
    user: User,
    campaign: Campaign,
    rule: LightRule,
    filters: UnitFilters = UnitFilters(),
) -> dict[str, int]:
    """How many of the units `unit_rollups` would list are red, yellow and green (one query)."""
    if not filters.active:
        return scope_tally(user=user, campaign=campaign, rule=rule)[1]
    units = _rolled_up_units(user=user, campaign=campaign, rule=rule, filters=filters)
    counts = units.order_by().aggregate(**{light: Count("pk", filter=Q(task_light=light)) for light in GROUP_LIGHTS})
    return {light: counts[light] for light in GROUP_LIGHTS}


def scope_tally(*, user: User, campaign: Campaign, rule: LightRule) -> tuple[TaskCounts, dict[str, int], int, int]:
    """From the subtree rows of the scope's roots, in one query: the task counts, the units by
    light, the submissions waiting too long for review and the stale units (the lengths of the
    `overdue_reviews` and `stale_units` lists)."""
    sums = (*TaskTally.COUNTERS, *(f"units_{light}" for light in GROUP_LIGHTS))
    row = UnitTally.objects.filter(span_q(scope_for(user)), campaign=campaign).aggregate(
        **{name: Coalesce(Sum(name), 0) for name in (*sums, "waiting", "units_stale")}
    )
    # Sums only: the completion and the light follow in Python, as `rollups.selectors.tally_sums` would in SQL.
    return (
        TaskCounts.from_counters(row, rule),
        {light: row[f"units_{light}"] for light in GROUP_LIGHTS},
        row["waiting"],
        row["units_stale"],
    )


def category_options() -> QuerySet[UnitCategory]:
    return UnitCategory.objects.all()


def matrix_count(*, user: User, campaign: Campaign, rule: LightRule, filters: UnitFilters) -> int | None:
    """How many units `unit_rollups` lists, read from the scope's roll-up rows when nothing narrows
    it (every unit with tasks has exactly one light), else None: the pager counts the rows."""
    if filters.active:
        return None
    return sum(scope_tally(user=user, campaign=campaign, rule=rule)[1].values())
