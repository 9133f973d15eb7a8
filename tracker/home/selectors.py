"""What each person should do next: the few numbers and tasks the landing page shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, Count, FilteredRelation, IntegerField, Q, QuerySet, Value, When

from tracker.campaigns.models import Campaign
from tracker.core.types import User
from tracker.dashboards.selectors import scope_tally
from tracker.orgs.models import Unit
from tracker.orgs.scope import scope_for
from tracker.rollups.selectors import row_tally
from tracker.work import selectors as work
from tracker.work.lights import LightRule
from tracker.work.models import OPEN_STATUSES, Task, TaskStatus

# Tasks listed per person on the landing page; the unit's ledger has the rest.
NEXT_TASKS = 6


@dataclass
class UnitSteps:
    unit: Unit
    can_lead: bool
    returned: int = 0
    red: int = 0
    ready: int = 0
    yellow: int = 0
    tasks: list[Task] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(self.returned or self.red or self.ready or self.yellow)


@dataclass
class NextSteps:
    units: list[UnitSteps]
    review_count: int | None
    area: work.TaskCounts | None


def _ready_q(prefix: str = "") -> Q:
    """Logged up to 100 % but not yet handed in: the unit only has to submit it."""
    return Q(**{f"{prefix}status": TaskStatus.IN_PROGRESS, f"{prefix}progress": 100})


def next_steps(*, user: User, campaign: Campaign, rule: LightRule) -> NextSteps:
    """At most five queries, whatever the size of the unit or the area.

    The area's counts come from the roll-up rows of the user's scope (`scope_tally`), so the
    caller brings the roll-ups up to date first (`rollups_refresh`), as the dashboards do.
    """
    scope = scope_for(user)
    units = _unit_steps(user=user, campaign=campaign, rule=rule) if scope.edit_unit_ids else []
    area = None
    if scope.sees_many_units:
        area = scope_tally(user=user, campaign=campaign, rule=rule)[0]
    review_count = None
    if scope.reviews_anything:
        if area is not None and scope.reviews_what_it_reads:
            # An office reviews what it reads: the roll-ups' submitted tasks are its queue (a
            # province office's 100,000 were counted live, 180 ms).
            review_count = area.submitted
        else:
            review_count = work.review_queue(user=user, campaign=campaign, rule=rule).count()
    return NextSteps(units=units, review_count=review_count, area=area)


def _unit_steps(*, user: User, campaign: Campaign, rule: LightRule) -> list[UnitSteps]:
    """For staff and unit leaders: counts per own unit, and the most pressing tasks first."""
    scope = scope_for(user)
    unit_ids = sorted(scope.edit_unit_ids)
    mine = Task.objects.for_user(user).filter(campaign=campaign, unit_id__in=unit_ids)
    by_unit = {
        unit.pk: UnitSteps(unit=unit, can_lead=scope.can_lead(unit))
        for unit in Unit.objects.filter(pk__in=unit_ids).order_by("path")
    }
    counts = (
        mine.order_by()
        .values("unit_id")
        .annotate(
            returned=Count("id", filter=Q(status=TaskStatus.RETURNED)),
            red=Count("id", filter=rule.red_q()),
            ready=Count("id", filter=_ready_q()),
            yellow=Count("id", filter=rule.yellow_q()),
        )
    )
    for row in counts:
        steps = by_unit[row["unit_id"]]
        for key, value in row.items():
            if key != "unit_id":
                setattr(steps, key, value)
    priority = Case(
        When(status=TaskStatus.RETURNED, then=Value(0)),
        When(rule.red_q(), then=Value(1)),
        When(_ready_q(), then=Value(2)),
        When(rule.yellow_q(), then=Value(3)),
        default=Value(9),
        output_field=IntegerField(),
    )
    urgent = (
        mine.filter(status__in=OPEN_STATUSES)
        .with_light(rule)
        .annotate(priority=priority)
        .filter(priority__lt=9)
        .select_related("template", "measure")
        .order_by("priority", "due_on", "id")
    )
    for task in urgent[: NEXT_TASKS * len(by_unit)]:
        steps = by_unit[task.unit_id]
        if len(steps.tasks) < NEXT_TASKS:
            steps.tasks.append(task)
    return list(by_unit.values())


def units_with_tallies(*, user: User, campaign: Campaign, rule: LightRule, search: str = "") -> QuerySet[Unit]:
    """Units in scope in tree order, each with its own roll-up row (`task_*` keys, 0 without tasks).

    One row per unit and no grouping: a page of 50 reads 50 roll-up rows, whatever the number
    of tasks. The caller brings the roll-ups up to date first (`rollups_refresh`).
    """
    own = Q(unit_tallies__campaign=campaign, unit_tallies__subtree=False)
    units = Unit.objects.for_user(user).select_related("category", "parent")
    if search:
        units = units.filter(Q(name__icontains=search) | Q(code__icontains=search))
    return units.annotate(own=FilteredRelation("unit_tallies", condition=own), **row_tally(rule, "own__")).order_by(
        "path"
    )
