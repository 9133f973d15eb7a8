"""Counting from the source rows: the SQL that builds the roll-ups, refreshes them and checks them.

Each count is an ORM queryset grouped by a key (a unit id for own rows; for subtree rows, the
path prefix of the ancestor at one tree level, joined back to that unit), so the light rule and
the trend's definitions stay in one place (`LightRule.tally`, the events and entries below). The
querysets are wrapped in `INSERT … SELECT` to write, and compared with the stored rows to check:
the counting happens in the database, not in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Expression,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Substr, TruncDate
from django.db.models.lookups import Exact, GreaterThan, LessThan

from tracker.campaigns.models import Campaign
from tracker.orgs.models import Unit
from tracker.orgs.paths import PATH_STEP
from tracker.rollups.models import DayTally, TaskTally, UnitTally
from tracker.work.lights import Light, LightRule
from tracker.work.models import OPEN_STATUSES, Entry, EventKind, Task, TaskEvent, TaskStatus

SERIES = ("entries", "submitted", "done")  # DayTally.COUNTERS, as the trend's series names


def _prefix(level: int) -> Substr:
    return Substr("unit__path", 1, 1 + PATH_STEP * (level + 1))


def max_depth() -> int:
    return Unit.objects.aggregate(depth=Max("depth"))["depth"] or 0


# --- own rows, counted from tasks, entries and events -------------------------------------------


def _tasks(campaign: Campaign, unit_ids: Iterable[int] | None, prefix: str = "") -> Q:
    # Archived tasks (a retired template's, kept for what the unit did) are out of every count.
    q = Q(**{f"{prefix}campaign": campaign, f"{prefix}archived_at__isnull": True})
    if unit_ids is not None:
        q &= Q(**{f"{prefix}unit_id__in": sorted(unit_ids)})
    return q


def _light_is(light: Expression, value: str) -> Case:
    return Case(When(Exact(light, Value(value)), then=Value(1)), default=Value(0), output_field=IntegerField())


def _task_counters(rule: LightRule) -> dict[str, Expression]:
    """TaskTally's counters (aliases c_<field>) from `LightRule.tally`, the one light rule."""
    tally = rule.tally()
    return {f"c_{field}": tally[f"task_{field}"] for field in TaskTally.COUNTERS}


def unit_counts(*, campaign: Campaign, rule: LightRule, unit_ids: Iterable[int] | None = None) -> QuerySet:
    """One row per unit with tasks: UnitTally's counters (aliases c_<field>), grp = unit id."""
    light = rule.tally()["task_light"]
    open_tasks = Count("pk", filter=Q(status__in=OPEN_STATUSES))
    return (
        Task.objects.filter(_tasks(campaign, unit_ids))
        .annotate(grp=F("unit_id"))
        .values("grp")
        .annotate(
            **_task_counters(rule),
            c_open_tasks=open_tasks,
            c_units_red=_light_is(light, Light.RED),
            c_units_yellow=_light_is(light, Light.YELLOW),
            c_units_green=_light_is(light, Light.GREEN),
            c_last_entry_on=Max("last_entry_on"),
            c_units_stale=Case(
                When(
                    GreaterThan(open_tasks, 0)
                    & LessThan(
                        Coalesce(Max("last_entry_on"), Value(campaign.starts_on), output_field=DateField()),
                        Value(rule.stale_before),
                    ),
                    then=Value(1),
                ),
                default=Value(0),
                output_field=IntegerField(),
            ),
            c_waiting=Count("pk", filter=Q(status=TaskStatus.SUBMITTED, submitted_at__lt=rule.review_before)),
        )
        .order_by()
    )


def measure_counts(*, campaign: Campaign, rule: LightRule, unit_ids: Iterable[int] | None = None) -> QuerySet:
    """One row per unit and measure with tasks: MeasureTally's counters, grp = unit id."""
    return (
        Task.objects.filter(_tasks(campaign, unit_ids))
        .annotate(grp=F("unit_id"))
        .values("grp", "measure_id")
        .annotate(**_task_counters(rule))
        .order_by()
    )


def _series(name: str) -> Value:
    return Value(name, output_field=CharField())


def day_parts(*, campaign: Campaign, unit_ids: Iterable[int] | None = None) -> QuerySet:
    """(grp = unit id, day, series, n) rows: the trend's three series, per unit and day.

    A done task counts on the day it was accepted (done is final, so once), or, closed without a
    review event, on the day it was last saved; submissions on their events' days; entries on the
    date they report.
    """
    done_tasks = Q(task__status=TaskStatus.DONE) & _tasks(campaign, unit_ids, "task__")
    accepted = TaskEvent.objects.filter(done_tasks, kind=EventKind.ACCEPTED).annotate(
        grp=F("task__unit_id"), day=TruncDate("created_at"), series=_series("done")
    )
    closed_unreviewed = (
        Task.objects.filter(_tasks(campaign, unit_ids), status=TaskStatus.DONE)
        .exclude(events__kind=EventKind.ACCEPTED)
        .annotate(grp=F("unit_id"), day=TruncDate("updated_at"), series=_series("done"))
    )
    submitted = TaskEvent.objects.filter(_tasks(campaign, unit_ids, "task__"), kind=EventKind.SUBMITTED).annotate(
        grp=F("task__unit_id"), day=TruncDate("created_at"), series=_series("submitted")
    )
    entries = Entry.objects.filter(_tasks(campaign, unit_ids, "task__")).annotate(
        grp=F("task__unit_id"), day=F("occurred_on"), series=_series("entries")
    )
    parts = [
        qs.order_by().values("grp", "day", "series").annotate(n=Count("pk"))
        for qs in (accepted, closed_unreviewed, submitted, entries)
    ]
    return parts[0].union(*parts[1:], all=True)


def _day_pivot(parts: QuerySet) -> tuple[str, list]:
    """The day parts as one row per (key, day) with DayTally's counters (aliases c_<series>)."""
    sql, params = parts.query.sql_with_params()
    sums = ", ".join(f"SUM(CASE WHEN p.series = '{name}' THEN p.n ELSE 0 END) AS c_{name}" for name in SERIES)
    return f"SELECT p.grp AS grp, p.day AS day, {sums} FROM ({sql}) p GROUP BY p.grp, p.day", list(params)


# --- subtree rows, summed from the stored own rows ----------------------------------------------


def subtree_counts(model, *, campaign: Campaign, level: int) -> QuerySet:
    """Own rows of `model` summed per ancestor at tree `level` (grp = that ancestor's path)."""
    return (
        model.objects.filter(campaign=campaign, subtree=False, unit__depth__gte=level)
        .annotate(grp=_prefix(level))
        .values("grp", *model.KEYS)
        .annotate(**{f"c_{name}": Sum(name) for name in model.COUNTERS})
        .order_by()
    )


# --- writing ------------------------------------------------------------------------------------


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _columns(model, *names: str) -> str:
    return ", ".join(_qn(model._meta.get_field(name).column) for name in names)


def fields(model, *, subtree: bool) -> tuple[str, ...]:
    """The columns after (campaign, unit, subtree) that the INSERTs write and the check compares."""
    return (*model.KEYS, *model.COUNTERS, *(() if subtree else model.OWN_ONLY))


def select(model, names: Sequence[str], alias: str = "sub") -> str:
    """Those columns from a counting query: keys by their name, counters by their c_ alias."""
    return ", ".join(f"{alias}.{name}" if name in model.KEYS else f"{alias}.c_{name}" for name in names)


def own_counts_sql(
    model, *, campaign: Campaign, rule: LightRule, unit_ids: Iterable[int] | None = None
) -> tuple[str, list]:
    """The SQL counting the own rows of `model` from the source rows (grp = unit id, c_ counters)."""
    if model is DayTally:
        return _day_pivot(day_parts(campaign=campaign, unit_ids=unit_ids))
    counts = unit_counts if model is UnitTally else measure_counts
    sql, params = counts(campaign=campaign, rule=rule, unit_ids=unit_ids).query.sql_with_params()
    return sql, list(params)


def insert_own(model, *, campaign: Campaign, rule: LightRule, unit_ids: Iterable[int] | None = None) -> None:
    """Count the own rows of `model` (for `unit_ids`, or every unit) and insert them."""
    sql, params = own_counts_sql(model, campaign=campaign, rule=rule, unit_ids=unit_ids)
    names = fields(model, subtree=False)
    columns = _columns(model, "campaign", "unit", "subtree", *names)
    table = _qn(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT %s, sub.grp, %s, {select(model, names)} FROM ({sql}) sub",
            [campaign.pk, False, *params],
        )


def insert_subtree(model, *, campaign: Campaign, levels: int) -> None:
    """Sum the own rows into subtree rows, one INSERT per tree level (each ancestor has one level)."""
    names = fields(model, subtree=True)
    columns = _columns(model, "campaign", "unit", "subtree", *names)
    unit_table = _qn(Unit._meta.db_table)
    for level in range(levels + 1):
        sql, params = subtree_counts(model, campaign=campaign, level=level).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_qn(model._meta.db_table)} ({columns}) SELECT %s, a.id, %s, {select(model, names)} "
                f"FROM ({sql}) sub JOIN {unit_table} a ON a.path = sub.grp",
                [campaign.pk, True, *params],
            )
