"""What `manage.py bench` measures: a registry of scenarios run through the real views.

A scenario is one request (method, URL, data, htmx or not) made by a logged-in user of a given
role, or one call of a function for work that is not a request (a reminder sweep, an export
job). To add one, append a `Scenario` with `register(...)`; its builders get the `BenchContext`
(the dataset's city, a district, a typical unit and task, and a user per role) and the run
number, so repeated runs can spread their writes.

    register(Scenario(
        name="overview",
        role="leadership_city",
        url=lambda ctx, i: reverse("dashboards:overview"),
        target_p50_ms=250,
    ))
    register(Scenario(name="reminder_sweep", call=lambda ctx, i: reminders_sweep(), runs=3,
                      target_p50_ms=20_000, target_peak_mib=300))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tracker.bench.generator import Dataset
from tracker.core.types import User
from tracker.orgs.models import GuidanceGroup, Role, RoleAssignment, Unit, UnitLevel
from tracker.work.lights import LightRule
from tracker.work.models import OPEN_STATUSES, Task, TaskStatus


@dataclass
class BenchContext:
    """The objects scenarios point at, chosen deterministically from a dataset."""

    dataset: Dataset
    rule: LightRule
    city: Unit
    district: Unit
    unit: Unit  # an ordinary unit (a district bureau) with the campaign's full task list
    task: Task  # its busiest task still in progress: the longest timeline a clerk opens
    open_tasks: list[Task]  # where entry POSTs go, one after another
    users: dict[str, User | None] = field(default_factory=dict)  # role key → user
    busiest: Task | None = None  # the city's task with the most entries (60 at city scale)
    wide: Unit | None = None  # a root with thousands of units directly below it (wide.py)

    @property
    def campaign(self):
        return self.dataset.campaign

    @classmethod
    def build(cls, dataset: Dataset, variant: int = 0) -> BenchContext:
        """The context of the `variant`-th district bureau of the city (0: the first one)."""
        city = dataset.city()
        bureaus = Unit.objects.filter(
            path__startswith=city.path, level=UnitLevel.UNIT, category__code="organ", parent__level=UnitLevel.DISTRICT
        ).order_by("path")
        unit = bureaus[variant % bureaus.count()]
        district = unit.parent
        tasks = Task.objects.filter(unit=unit, campaign=dataset.campaign)
        task = (
            tasks.filter(status=TaskStatus.IN_PROGRESS).order_by("-entry_count", "id").first()
            or tasks.order_by("id").first()
        )
        # A district bureau sits under a district, and the campaign gives every bureau tasks.
        assert district is not None and task is not None
        open_tasks = list(tasks.filter(status__in=OPEN_STATUSES).order_by("id"))
        group = GuidanceGroup.objects.filter(units=unit).order_by("pk").first()
        users = {
            "staff": _holder(Q(role=Role.STAFF, unit=unit)),
            "unit_leader": _holder(Q(role=Role.UNIT_LEADER, unit=unit)),
            "guide": _holder(Q(role=Role.GUIDE, guidance_group=group)),
            "office_city": _holder(Q(role=Role.OFFICE, unit=city)),
            "office_district": _holder(Q(role=Role.OFFICE, unit=district)),
            "leadership_city": _holder(Q(role=Role.LEADERSHIP, unit=city)),
            "office_root": _holder(Q(role=Role.OFFICE, unit=dataset.root)),
        }
        rule = LightRule.for_campaign(dataset.campaign)
        ctx = cls(dataset, rule, city, district, unit, task, open_tasks, users)
        # The page scenarios' own objects: the busiest task, the wide area and its office.
        from tracker.bench.scenarios_pages import prepare

        prepare(ctx)
        return ctx


def _holder(q: Q) -> User | None:
    assignment = RoleAssignment.objects.filter(q).order_by("user__username").select_related("user").first()
    return assignment.user if assignment else None


@dataclass(frozen=True)
class Scenario:
    """One thing to time. Either `url` (a request through the Django test client) or `call`."""

    name: str
    role: str | None = None  # key of BenchContext.users; the client is logged in as that user
    url: Callable[[BenchContext, int], str] | None = None
    method: str = "get"
    data: Callable[[BenchContext, int], dict] | None = None
    htmx: bool = False
    expect: int = 200
    call: Callable[[BenchContext, int], object] | None = None
    setup: Callable[[BenchContext], object] | None = None  # run once before the first request
    runs: int | None = None  # overrides --runs for slow work (a sweep, a full export)
    target_p50_ms: float | None = None
    target_p95_ms: float | None = None
    target_peak_mib: float | None = None
    description: str = ""
    # Other targets at another scale: {"province": {"target_p50_ms": 300_000}}.
    scale_targets: dict[str, dict[str, float]] = field(default_factory=dict)

    def targets(self, scale: str) -> dict[str, float | None]:
        """The p50, p95 and peak targets at this scale."""
        base = {
            "target_p50_ms": self.target_p50_ms,
            "target_p95_ms": self.target_p95_ms,
            "target_peak_mib": self.target_peak_mib,
        }
        return {**base, **self.scale_targets.get(scale, {})}


SCENARIOS: list[Scenario] = []
# Every page of the city tier (issue 21): p50 within 150 ms, p95 within 300 ms.
PAGE_P50_MS = 150
PAGE_P95_MS = 300
# The view compared with the floor (ratio view / floor): the overview computes the same numbers and more.
FLOOR_VIEW = "overview_city"


def register(scenario: Scenario) -> Scenario:
    if any(s.name == scenario.name for s in SCENARIOS):
        raise ValueError(f"scenario {scenario.name!r} is registered twice")
    if (scenario.url is None) == (scenario.call is None):
        raise ValueError(f"scenario {scenario.name!r} needs exactly one of url and call")
    SCENARIOS.append(scenario)
    return scenario


def _entry_data(ctx: BenchContext, i: int) -> dict:
    text = f"基准测试：第{i + 1}次记录工作进展。"
    return {"text": text, "occurred_on": timezone.localdate().isoformat(), "percent": 50}


register(
    Scenario(
        name="unit_page",
        role="staff",
        url=lambda ctx, i: reverse("work:unit_detail", args=[ctx.unit.pk]),
        target_p50_ms=60,
        target_p95_ms=PAGE_P95_MS,
        description="a unit's task ledger, full page, as its staff member",
    )
)
register(
    Scenario(
        name="unit_page_htmx",
        target_p50_ms=PAGE_P50_MS,
        target_p95_ms=PAGE_P95_MS,
        role="staff",
        url=lambda ctx, i: reverse("work:unit_detail", args=[ctx.unit.pk]) + "?status=in_progress",
        htmx=True,
        description="the unit page's filtered task list fragment (htmx)",
    )
)
register(
    Scenario(
        name="task_page",
        target_p50_ms=PAGE_P50_MS,
        target_p95_ms=PAGE_P95_MS,
        role="staff",
        url=lambda ctx, i: reverse("work:task_detail", args=[ctx.task.pk]),
        description="the busiest open task of the unit, with its timeline",
    )
)
register(
    Scenario(
        name="entry_post",
        role="staff",
        method="post",
        url=lambda ctx, i: reverse("work:task_entry_add", args=[ctx.open_tasks[i % len(ctx.open_tasks)].pk]),
        data=_entry_data,
        htmx=True,
        target_p50_ms=60,
        target_p95_ms=PAGE_P95_MS,
        description="add an entry (htmx POST), re-rendering the task body",
    )
)
register(
    Scenario(
        name="unit_list_city",
        target_p50_ms=PAGE_P50_MS,
        target_p95_ms=PAGE_P95_MS,
        role="office_city",
        url=lambda ctx, i: reverse("home:unit_list"),
        description="the city office's unit list with per-unit counts (first page)",
    )
)
register(
    Scenario(
        name="review_queue_district",
        target_p50_ms=PAGE_P50_MS,
        target_p95_ms=PAGE_P95_MS,
        role="office_district",
        url=lambda ctx, i: reverse("work:review_queue"),
        description="a district office's review queue (first page)",
    )
)
register(
    Scenario(
        name="overview_city",
        role="office_city",
        url=lambda ctx, i: reverse("dashboards:overview"),
        target_p50_ms=PAGE_P50_MS,
        target_p95_ms=PAGE_P95_MS,
        description="the city office's overview: clock, lights, measures, areas, trend, stale, reviews",
    )
)
register(
    Scenario(
        name="matrix_city",
        role="office_city",
        url=lambda ctx, i: reverse("dashboards:matrix") + "?sort=rank",
        target_p50_ms=PAGE_P50_MS,
        target_p95_ms=PAGE_P95_MS,
        description="units × measures for the whole city, ranked (first page of 50)",
    )
)
register(
    Scenario(
        name="overview_root",
        role="office_root",
        url=lambda ctx, i: reverse("dashboards:overview"),
        target_p50_ms=PAGE_P50_MS,
        target_p95_ms=PAGE_P95_MS,
        # A province's dashboards: every one within 300 ms.
        scale_targets={"province": {"target_p50_ms": PAGE_P95_MS}},
        description="the overview of the whole dataset (the province at province scale; the city again at city scale)",
    )
)
register(
    Scenario(
        name="matrix_root",
        target_p50_ms=PAGE_P50_MS,
        target_p95_ms=PAGE_P95_MS,
        scale_targets={"province": {"target_p50_ms": PAGE_P95_MS}},
        role="office_root",
        url=lambda ctx, i: reverse("dashboards:matrix") + "?sort=rank",
        description="units × measures of the whole dataset, ranked (first page of 50)",
    )
)
register(
    Scenario(
        name="overview_district",
        target_p50_ms=PAGE_P50_MS,
        target_p95_ms=PAGE_P95_MS,
        role="office_district",
        url=lambda ctx, i: reverse("dashboards:overview"),
        description="a district office's overview",
    )
)


def _next_workday():
    from datetime import timedelta

    from tracker.core.workdays import is_workday

    day = timezone.localdate()
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def _sweep(ctx: BenchContext, i: int):
    # A dry run decides and renders every mail, then rolls back, so each run does the full work.
    from tracker.reminders.services import reminders_sweep

    return reminders_sweep(today=_next_workday(), dry_run=True)


register(
    Scenario(
        name="reminder_sweep",
        call=_sweep,
        runs=2,
        target_p50_ms=20_000,
        target_peak_mib=300,
        # The province's daily sweep: within 5 minutes.
        scale_targets={"province": {"target_p50_ms": 300_000}},
        description="the daily reminder sweep over the whole dataset (dry run: rolled back after rendering)",
    )
)
register(
    Scenario(
        name="ledger_export_city",
        role="office_city",
        url=lambda ctx, i: reverse("dashboards:ledger_export"),
        runs=2,
        target_p50_ms=30_000,
        target_peak_mib=300,
        description="the full task ledger of the city as .xlsx (every task, streamed)",
    )
)


# The pages people use beyond the ones above: landing pages, ledgers, crowding, the wide overview.
from tracker.bench import scenarios_pages  # noqa: E402,F401
