"""The pages people use every day, as bench scenarios: each role's landing page, the unit list, the
review queues, the busiest task, every ledger tab of a unit, the crowding watch and the overview
of an area with thousands of units directly below it. Registered when `scenarios` is imported.

Every page here has the city tier's targets: p50 ≤ 150 ms and p95 ≤ 300 ms.
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from tracker.bench.scales import SCALES
from tracker.bench.scenarios import PAGE_P50_MS, PAGE_P95_MS, BenchContext, Scenario, register
from tracker.bench.wide import wide_ensure, wide_office
from tracker.ledgers.crowding import crowding_snapshot_store, is_wide
from tracker.ledgers.registry import LEDGERS
from tracker.orgs.scope import scope_for
from tracker.rollups.services import rollups_invalidate
from tracker.work.models import Task

LANDING_ROLES = ("staff", "unit_leader", "guide", "office_district", "office_city", "leadership_city", "office_root")


def prepare(ctx: BenchContext) -> None:
    """Find (or build, once) what these scenarios point at."""
    dataset = ctx.dataset
    # Found once per dataset object: the load plan builds a context per unit of the same dataset.
    cached = vars(dataset).setdefault("_busiest", {})
    if ctx.city.pk not in cached:
        cached[ctx.city.pk] = (
            Task.objects.filter(Q(unit__path__startswith=ctx.city.path), campaign=dataset.campaign)
            .order_by("-entry_count", "id")
            .first()
        )
    ctx.busiest = cached[ctx.city.pk]
    built = wide_ensure(
        seed=dataset.seed,
        children=SCALES[dataset.scale].wide_children,
        campaign=dataset.campaign,
        model_unit=ctx.unit,
        log=lambda message: None,
    )
    if built:
        # New units and tasks: the roll-ups are counted again before the first scenario.
        rollups_invalidate(campaign=dataset.campaign)
    found = wide_office(seed=dataset.seed)
    if found:
        ctx.wide, ctx.users["office_wide"] = found  # type: ignore[assignment]


def _page(name: str, role: str, url, description: str, htmx: bool = False, root: bool = False, setup=None) -> None:
    """A page scenario; `root` pages cover the whole dataset and get the province's ≤ 300 ms there."""
    register(
        Scenario(
            name=name,
            role=role,
            url=url,
            htmx=htmx,
            setup=setup,
            target_p50_ms=PAGE_P50_MS,
            target_p95_ms=PAGE_P95_MS,
            scale_targets={"province": {"target_p50_ms": PAGE_P95_MS}} if root else {},
            description=description,
        )
    )


def _fresh_snapshot(ctx: BenchContext, role: str) -> None:
    """A scope that reads the crowding watch from a snapshot gets a fresh one first, as the job
    would have made it: the page is measured as people see it, not while the first one is made."""
    user = ctx.users.get(role)
    if user is not None and is_wide(scope_for(user)):
        crowding_snapshot_store(user=user, campaign=ctx.campaign)


for _role in LANDING_ROLES:
    _page(
        f"home_{_role}",
        _role,
        lambda ctx, i: reverse("home"),
        f"the landing page of {_role}",
        root=_role == "office_root",
    )

_page(
    "unit_list_district",
    "office_district",
    lambda ctx, i: reverse("home:unit_list"),
    "a district office's unit list (first page)",
)
_page(
    "unit_list_search",
    "office_city",
    lambda ctx, i: reverse("home:unit_list") + "?q=%E5%B1%80",
    "the city office's unit list searched for 局 (first page, htmx)",
    htmx=True,
)
_page(
    "review_queue_city",
    "office_city",
    lambda ctx, i: reverse("work:review_queue"),
    "the city office's review queue (first page)",
)
_page(
    "task_page_busiest",
    "office_city",
    lambda ctx, i: reverse("work:task_detail", args=[ctx.busiest.pk]),
    "the task with the most entries in the city (60 at city scale), as the city office",
)
for _slug in LEDGERS:
    _page(
        f"ledger_{_slug}",
        "staff",
        lambda ctx, i, slug=_slug: reverse("ledgers:book", args=[ctx.unit.pk]) + f"?tab={slug}",
        f"the unit's {_slug} ledger tab, full page, as its staff member",
    )
_page(
    "crowding_city",
    "office_city",
    lambda ctx, i: reverse("ledgers:crowding"),
    "crowded research sites and duplicated topics of the whole city",
    setup=lambda ctx: _fresh_snapshot(ctx, "office_city"),
)
_page(
    "crowding_root",
    "office_root",
    lambda ctx, i: reverse("ledgers:crowding"),
    "crowded research sites and duplicated topics of the whole dataset (the province at province scale)",
    setup=lambda ctx: _fresh_snapshot(ctx, "office_root"),
    root=True,
)
_page(
    "crowding_district",
    "office_district",
    lambda ctx, i: reverse("ledgers:crowding"),
    "crowded research sites and duplicated topics of a district",
    setup=lambda ctx: _fresh_snapshot(ctx, "office_district"),
)
_page(
    "overview_wide",
    "office_wide",
    lambda ctx, i: reverse("dashboards:overview"),
    "the overview of an area with 4,000 units directly below it (30 tiny-scale)",
)
_page(
    "overview_wide_page_50",
    "office_wide",
    lambda ctx, i: reverse("dashboards:overview") + "?page=50",
    "the same overview, the 50th page of its areas",
)
