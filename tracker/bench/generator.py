"""Synthetic campaign data at city and province scale, for `manage.py bench`.

A dataset is a unit tree under one root unit (code `bench-<scale>-<seed>`) with its people,
roles, guidance groups, and the tasks that `tracker.work.instantiation` would give each unit
for the real campaign of `seeds/campaign.yaml`, plus self-chosen tasks. Progress is simulated
across the campaign clock: a task due long ago is mostly done, one due next month mostly not
started; each unit has its own diligence, so some units lag.

Everything is written in one transaction with COPY (PostgreSQL) or plain INSERTs, and kept as
the services would leave it: Task.entry_count, last_activity_on, progress, status and version
agree with the entries and workflow events, and every task and entry has its history rows
('+' when created, '~' for the state it ended in). The root unit exists only when the whole
dataset was committed, so finding it means the dataset can be reused.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Model, Q
from django.utils import timezone

from tracker.bench.builder import _Builder
from tracker.bench.ledgerrows import ledger_rows_ensure
from tracker.bench.scales import SCALES, root_code
from tracker.campaigns.models import Campaign
from tracker.campaigns.seeding import campaign_seed
from tracker.campaigns.selectors import current_campaign
from tracker.ledgers.models import (
    ConversionItem,
    Institution,
    PracticalDeed,
    RectificationItem,
    RectificationMilestone,
    ResearchReport,
    ResearchTopic,
    ResearchVisit,
    StudySession,
)
from tracker.orgs.models import GuidanceGroup, RoleAssignment, Unit, UnitLevel
from tracker.rollups.models import TALLIES
from tracker.rollups.services import rollups_invalidate, rollups_refresh
from tracker.work.lights import LightRule
from tracker.work.models import Entry, Evidence, Task, TaskEvent


@dataclass
class Dataset:
    """A generated dataset and what it holds."""

    scale: str
    seed: int
    root: Unit
    campaign: Campaign
    generated: bool = False
    seconds: float | None = None

    @property
    def prefix(self) -> str:
        return self.root.code

    def city(self) -> Unit:
        """The city the city-scope scenarios use: the root, or a province's first city."""
        if self.root.level == UnitLevel.CITY and not self.root.children.filter(level=UnitLevel.CITY).exists():
            return self.root
        return self.root.children.filter(level=UnitLevel.CITY).earliest("path")


# --------------------------------------------------------------------------- entry points


def dataset_find(*, scale: str, seed: int) -> Dataset | None:
    root = Unit.objects.filter(code=root_code(scale, seed)).first()
    campaign = current_campaign()
    if root is None or campaign is None:
        return None
    return Dataset(scale=scale, seed=seed, root=root, campaign=campaign)


def dataset_generate(
    *,
    scale: str,
    seed: int = 42,
    regenerate: bool = False,
    today: date | None = None,
    progress: bool = True,
    log: Callable[[str], None] = lambda message: None,
) -> Dataset:
    """Return the dataset for (scale, seed), generating it unless an earlier run left it complete."""
    shape = SCALES[scale]
    existing = dataset_find(scale=scale, seed=seed)
    if existing and not regenerate:
        log(f"reusing dataset {existing.prefix} (pass --regenerate to build it again)")
        # A dataset generated before the generator wrote ledger rows gets them once.
        with transaction.atomic():
            added = ledger_rows_ensure(root=existing.root, campaign=existing.campaign, seed=seed, log=log)
        if added:
            _analyze(LEDGER_MODELS)
        return existing
    started = time.perf_counter()
    today = today or timezone.localdate()
    with transaction.atomic():
        if existing:
            log(f"deleting dataset {existing.prefix}")
            dataset_delete(existing)
        campaign = _campaign(today)
        builder = _Builder(shape, seed, campaign, today, progress=progress, log=log)
        root = builder.build()
        ledger_rows_ensure(root=root, campaign=campaign, seed=seed, log=log)
        rollups_invalidate(campaign=campaign)
    _analyze()
    # The roll-ups are counted once here (as the nightly rebuild would), not in the first timed run.
    counted = time.perf_counter()
    rollups_refresh(campaign=campaign, rule=LightRule.for_campaign(campaign, today))
    log(f"roll-ups counted in {time.perf_counter() - counted:.1f} s")
    _analyze(TALLIES)
    dataset = Dataset(scale=scale, seed=seed, root=root, campaign=campaign, generated=True)
    dataset.seconds = time.perf_counter() - started
    return dataset


def _campaign(today: date) -> Campaign:
    """The active campaign; a fresh database gets the real one, halfway through its clock."""
    campaign = current_campaign()
    if campaign is None:
        campaign_seed(starts_on=today - timedelta(days=60), ends_on=today + timedelta(days=60))
        campaign = current_campaign()
        assert campaign is not None, "campaign_seed makes the campaign active"
    return campaign


def _analyze(models: Iterable[type[Model]] | None = None) -> None:
    """Fresh planner statistics and visibility map, as autovacuum would give a live system later."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return  # VACUUM cannot run inside a transaction (a test's, say)
    models = models or [
        Unit,
        get_user_model(),
        RoleAssignment,
        Task,
        Task.history.model,
        Entry,
        Entry.history.model,
        TaskEvent,
        *LEDGER_MODELS,
    ]
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


# The ledgers the generator fills (ledgerrows.py); visits first: they point at topics.
LEDGER_MODELS: tuple[type[Model], ...] = (
    ResearchVisit,
    ConversionItem,
    ResearchReport,
    ResearchTopic,
    RectificationItem,
    PracticalDeed,
    Institution,
    StudySession,
)


# Tables the generator fills, deleted in this order by raw SQL (they are too big for the ORM's
# cascade collector, and deleting tasks through the ORM would write a '-' history row each).
# A feature that hangs rows on tasks or entries adds its table here.
def _dataset_deletes(unit_ids_sql: str) -> list[tuple[type[Model], str]]:
    tasks = f"SELECT id FROM {Task._meta.db_table} WHERE unit_id IN ({unit_ids_sql})"
    entries = f"SELECT id FROM {Entry._meta.db_table} WHERE task_id IN ({tasks})"
    items = f"SELECT id FROM {RectificationItem._meta.db_table} WHERE unit_id IN ({unit_ids_sql})"
    return [
        *((model, f"unit_id IN ({unit_ids_sql})") for model in TALLIES),
        (RectificationMilestone, f"item_id IN ({items})"),
        *(
            (table, f"unit_id IN ({unit_ids_sql})")
            for model in LEDGER_MODELS
            for table in (model.history.model, model)  # type: ignore[attr-defined]
        ),
        (Evidence, f"entry_id IN ({entries})"),
        (Entry.history.model, f"task_id IN ({tasks})"),
        (Entry, f"task_id IN ({tasks})"),
        (TaskEvent, f"task_id IN ({tasks})"),
        (Task.history.model, f"unit_id IN ({unit_ids_sql})"),
        (Task, f"unit_id IN ({unit_ids_sql})"),
    ]


def dataset_delete(dataset: Dataset) -> None:
    """Remove a dataset: big tables by SQL, then units and people through the ORM's cascades."""
    prefix = dataset.root.path
    unit_ids_sql = f"SELECT id FROM {Unit._meta.db_table} WHERE path LIKE %s"
    with transaction.atomic(), connection.cursor() as cursor:
        for model, where in _dataset_deletes(unit_ids_sql):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE {where}", [prefix + "%"])
        units = Unit.objects.filter(path__startswith=prefix)
        groups = list(GuidanceGroup.objects.filter(units__in=units).distinct().values_list("pk", flat=True))
        GuidanceGroup.units.through.objects.filter(unit__in=units).delete()
        GuidanceGroup.objects.filter(pk__in=groups).delete()
        get_user_model().objects.filter(username__startswith=f"{dataset.prefix}-").delete()
        # Children first: a unit's parent is PROTECTed while the unit exists.
        for depth in sorted(set(units.values_list("depth", flat=True)), reverse=True):
            Unit.objects.filter(path__startswith=prefix, depth=depth).delete()


def dataset_rows(dataset: Dataset) -> dict[str, int]:
    """Row counts of the dataset (only its own rows, not the rest of the database)."""
    units = Unit.objects.filter(path__startswith=dataset.root.path)
    tasks = Task.objects.filter(unit__path__startswith=dataset.root.path)
    task_ids = tasks.values("id")
    return {
        "units": units.count(),
        "users": get_user_model().objects.filter(username__startswith=f"{dataset.prefix}-").count(),
        "role_assignments": RoleAssignment.objects.filter(
            Q(unit__path__startswith=dataset.root.path) | Q(guidance_group__units__path__startswith=dataset.root.path)
        )
        .distinct()
        .count(),
        "guidance_groups": GuidanceGroup.objects.filter(units__path__startswith=dataset.root.path).distinct().count(),
        "tasks": tasks.count(),
        "entries": Entry.objects.filter(task_id__in=task_ids).count(),
        "task_events": TaskEvent.objects.filter(task_id__in=task_ids).count(),
        "historical_tasks": Task.history.model.objects.filter(unit_id__in=units.values("id")).count(),
        "historical_entries": Entry.history.model.objects.filter(task_id__in=task_ids).count(),
        "ledger_rows": sum(model.all_objects.filter(unit__in=units).count() for model in LEDGER_MODELS),  # type: ignore[attr-defined]
    }
