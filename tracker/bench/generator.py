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

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from tracker.bench import names
from tracker.bench.progress import Progress
from tracker.bench.rows import TableWriter, reserve_ids
from tracker.campaigns.models import Campaign, Measure, Period
from tracker.campaigns.seeding import campaign_seed
from tracker.orgs.models import GuidanceGroup, Role, RoleAssignment, Unit, UnitCategory, UnitLevel
from tracker.orgs.paths import unit_path
from tracker.rollups.models import TALLIES
from tracker.rollups.services import rollups_invalidate, rollups_refresh
from tracker.work.lights import LightRule
from tracker.work.models import Entry, EventKind, Evidence, Task, TaskEvent, TaskStatus

UNIT_BATCH = 100  # units whose tasks and entries are simulated and copied together
MAX_ENTRIES_PER_TASK = 60


@dataclass(frozen=True)
class Scale:
    """The shape of one tier. The root is a city (cities=0) or a province of `cities` cities."""

    name: str
    units: int  # every unit in the tree, root and districts included
    cities: int
    districts_per_city: int
    city_units: tuple[tuple[str, int], ...]  # category → units directly under each city
    district_units: tuple[tuple[str, int], ...]  # category → units in each district; villages fill the rest
    entries_mean: float  # mean entries of a task that has been started
    self_chosen_max: int = 3
    min_tasks: int = 0  # what the tier promises (checked after generation)
    min_entries: int = 0


CITY_MIX = (("organ", 40), ("institution", 20), ("soe", 12), ("university", 4), ("hospital", 6), ("private", 6))
DISTRICT_MIX = (
    ("organ", 22),
    ("institution", 10),
    ("school", 14),
    ("hospital", 3),
    ("soe", 2),
    ("private", 4),
    ("township", 9),
)
SCALES = {
    "tiny": Scale(
        "tiny", 20, 0, 2, (("organ", 1), ("university", 1)), (("organ", 2), ("school", 1), ("township", 1)), 4.0
    ),
    "city": Scale("city", 2_000, 0, 12, CITY_MIX, DISTRICT_MIX, 16.0, min_tasks=80_000, min_entries=800_000),
    "province": Scale("province", 50_000, 14, 12, CITY_MIX, DISTRICT_MIX, 16.0, min_tasks=2_000_000),
}


def root_code(scale: str, seed: int) -> str:
    return f"bench-{scale}-{seed}"


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
        return self.root.children.filter(level=UnitLevel.CITY).order_by("path").first()


# --------------------------------------------------------------------------- entry points


def dataset_find(*, scale: str, seed: int) -> Dataset | None:
    root = Unit.objects.filter(code=root_code(scale, seed)).first()
    campaign = Campaign.objects.filter(is_active=True).order_by("-starts_on").first()
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
    campaign = Campaign.objects.filter(is_active=True).order_by("-starts_on").first()
    if campaign is None:
        campaign_seed(starts_on=today - timedelta(days=60), ends_on=today + timedelta(days=60))
        campaign = Campaign.objects.filter(is_active=True).order_by("-starts_on").first()
    return campaign


def _analyze(models: Iterable[type] | None = None) -> None:
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
    ]
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


# Tables the generator fills, deleted in this order by raw SQL (they are too big for the ORM's
# cascade collector, and deleting tasks through the ORM would write a '-' history row each).
# A feature that hangs rows on tasks or entries adds its table here.
def _dataset_deletes(unit_ids_sql: str) -> list[tuple[type, str]]:
    tasks = f"SELECT id FROM {Task._meta.db_table} WHERE unit_id IN ({unit_ids_sql})"
    entries = f"SELECT id FROM {Entry._meta.db_table} WHERE task_id IN ({tasks})"
    return [
        *((model, f"unit_id IN ({unit_ids_sql})") for model in TALLIES),
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
    }


# --------------------------------------------------------------------------- the builder


@dataclass
class _UnitSpec:
    index: int
    parent: int | None
    level: str
    category: str | None
    name: str
    participates: bool
    id: int = 0
    path: str = ""
    depth: int = 0


@dataclass
class _Plan:
    """What instantiation gives one category: one row per task it would create."""

    rows: list[tuple[int, int, Period, int, str]]  # template id, measure id, period, records needed, measure code


class _Builder:
    def __init__(self, shape: Scale, seed: int, campaign: Campaign, today: date, *, progress: bool, log):
        self.shape = shape
        self.rng = random.Random(seed)
        self.campaign = campaign
        self.today = today
        self.show_progress = progress
        self.log = log
        self.code = root_code(shape.name, seed)
        self.tz = timezone.get_current_timezone()
        self.start_at = self._at(campaign.starts_on, 8)
        self.units: list[_UnitSpec] = []
        self.people: dict[int, list[int]] = {}  # unit index → staff and leader user ids (leader first)
        self.users: list[tuple] = []
        self.roles: list[tuple] = []
        self.user_seq = 0
        self.next_user_id = 0
        self.counts = {"tasks": 0, "entries": 0}

    # -- helpers

    def _at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return timezone.make_aware(datetime.combine(day, dtime(hour, minute)), self.tz)

    def _person_name(self) -> str:
        return self.rng.choice(names.SURNAMES) + "".join(self.rng.choices(names.GIVEN, k=self.rng.choice((1, 2))))

    def _place(self) -> str:
        return "".join(self.rng.sample(names.PLACE_SYLLABLES, 2))

    # -- the tree

    def _add(self, parent: int | None, level: str, name: str, category: str | None = None) -> int:
        index = len(self.units)
        self.units.append(_UnitSpec(index, parent, level, category, name, participates=category is not None))
        return index

    def _tree(self) -> None:
        shape = self.shape
        if shape.cities:
            root = self._add(None, UnitLevel.CITY, names.PROVINCE_NAME)
            cities = [
                self._add(root, UnitLevel.CITY, names.CITY_NAMES[(i + 1) % len(names.CITY_NAMES)])
                for i in range(shape.cities)
            ]
        else:
            cities = [self._add(None, UnitLevel.CITY, names.CITY_NAMES[0])]
        townships: list[tuple[int, str]] = []
        for city in cities:
            city_name = self.units[city].name
            self._fill(city, "市", shape.city_units, city_name[:-1], townships)
            for d in range(shape.districts_per_city):
                dname = names.DISTRICT_NAMES[d % len(names.DISTRICT_NAMES)]
                district = self._add(city, UnitLevel.DISTRICT, dname)
                self._fill(district, dname[:-1], shape.district_units, dname[:-1], townships)
        villages = shape.units - len(self.units)
        if villages < 0 or not townships:
            raise ValueError(f"scale {shape.name}: the fixed units exceed {shape.units}")
        for i in range(villages):
            township, tname = townships[i % len(townships)]
            suffix = "社区" if tname.endswith("街道") else "村"
            self._add(township, UnitLevel.SUBUNIT, f"{self._place()}{suffix}", "village")

    def _fill(self, parent: int, prefix: str, mix, place: str, townships: list) -> None:
        for category, count in mix:
            for i in range(count):
                if category == "township":
                    name = f"{self._place()}{'街道' if i % 3 == 0 else '镇'}"
                    townships.append((self._add(parent, UnitLevel.UNIT, name, category), name))
                    continue
                name = self._unit_name(category, prefix, place, i)
                self._add(parent, UnitLevel.UNIT, name, category)

    def _unit_name(self, category: str, prefix: str, place: str, i: int) -> str:
        lists = {
            "organ": names.ORGANS,
            "institution": names.INSTITUTIONS,
            "hospital": names.HOSPITALS,
            "soe": names.SOES,
            "private": names.PRIVATE,
            "university": names.UNIVERSITIES,
        }
        if category == "school":
            pattern = names.SCHOOLS[i % len(names.SCHOOLS)]
            return pattern.format(prefix, i // len(names.SCHOOLS) + 1, i + 1)
        words = lists[category]
        name = words[i % len(words)].format(place if category == "university" else prefix)
        return name if i < len(words) else f"{name}（{i // len(words) + 1}）"

    def _write_units(self) -> None:
        first = reserve_ids(Unit, len(self.units))
        cats = dict(UnitCategory.objects.values_list("code", "pk"))
        now = self.start_at
        rows = []
        for spec in self.units:
            spec.id = first + spec.index
            parent = self.units[spec.parent] if spec.parent is not None else None
            spec.path = unit_path(parent_path=parent.path if parent else None, pk=spec.id)
            spec.depth = parent.depth + 1 if parent else 0
            code = self.code if parent is None else f"{self.code}-{spec.id}"
            rows.append(
                (
                    spec.id,
                    now,
                    now,
                    spec.name,
                    code,
                    parent.id if parent else None,
                    spec.level,
                    cats[spec.category] if spec.category else None,
                    spec.participates,
                    spec.path,
                    spec.depth,
                )
            )
        fields = ("id", "created_at", "updated_at", "name", "code", "parent_id", "level", "category_id")
        TableWriter(Unit, (*fields, "participates", "path", "depth")).write(rows)

    # -- people, roles, guidance groups

    def _user(self, kind: str, full_name: str) -> int:
        self.user_seq += 1
        user_id = self.next_user_id + len(self.users)
        username = f"{self.code}-{kind}-{self.user_seq:06d}"
        password = "!" + "".join(self.rng.choices("abcdefghijkmnpqrstuvwxyz23456789", k=40))
        self.users.append((user_id, password, username, full_name, f"{username}@bench.invalid", self.start_at))
        return user_id

    def _grant(self, user_id: int, role: str, unit_id: int | None = None, group_id: int | None = None) -> None:
        self.roles.append((self.start_at, self.start_at, user_id, role, unit_id, group_id))

    def _people(self) -> None:
        # Offices: the root (province or city), every city and every district; a guidance group
        # per district and one for each city's own units.
        User = get_user_model()
        upper_bound = sum(4 if s.level in (UnitLevel.CITY, UnitLevel.DISTRICT) else 3 for s in self.units)
        groups: list[tuple[str, list[int]]] = []
        self.next_user_id = reserve_ids(User, upper_bound + 4 * self._group_count())
        for spec in self.units:
            if spec.level in (UnitLevel.CITY, UnitLevel.DISTRICT):
                n = 2 if spec.parent is None else 1
                for _ in range(n):
                    office = self._user("office", f"{spec.name}办公室{self._person_name()}")
                    self._grant(office, Role.OFFICE, spec.id)
                    member = self._user("lead", f"{spec.name}领导小组{self._person_name()}")
                    self._grant(member, Role.LEADERSHIP, spec.id)
                continue
            leader = self._user("leader", self._person_name())
            self._grant(leader, Role.UNIT_LEADER, spec.id)
            headcount = 1 if spec.level == UnitLevel.SUBUNIT else 2
            staff = [self._user("staff", self._person_name()) for _ in range(headcount)]
            for user_id in staff:
                self._grant(user_id, Role.STAFF, spec.id)
            self.people[spec.index] = [leader, *staff]
        for spec in self.units:
            if spec.level == UnitLevel.DISTRICT:
                groups.append((f"{self.units[spec.parent].name}{spec.name}巡回指导组", self._subtree_units(spec.index)))
            elif spec.level == UnitLevel.CITY and spec.parent is None and self.shape.cities:
                continue
            elif spec.level == UnitLevel.CITY:
                own = [s.id for s in self.units if s.parent == spec.index and s.participates]
                groups.append((f"{spec.name}市直单位巡回指导组", own))
        first_group = reserve_ids(GuidanceGroup, len(groups))
        group_rows, member_rows = [], []
        for offset, (name, unit_ids) in enumerate(groups):
            group_id = first_group + offset
            group_rows.append((group_id, self.start_at, self.start_at, f"{name} [{self.code}]"))
            member_rows.extend((group_id, unit_id) for unit_id in unit_ids)
            for _ in range(2):
                self._grant(self._user("guide", f"{name}{self._person_name()}"), Role.GUIDE, None, group_id)
        TableWriter(User, ("id", "password", "username", "first_name", "email", "date_joined")).write(self.users)
        TableWriter(GuidanceGroup, ("id", "created_at", "updated_at", "name")).write(group_rows)
        TableWriter(GuidanceGroup.units.through, ("guidancegroup_id", "unit_id")).write(member_rows)
        TableWriter(
            RoleAssignment, ("created_at", "updated_at", "user_id", "role", "unit_id", "guidance_group_id")
        ).write(self.roles)

    def _group_count(self) -> int:
        return sum(1 for s in self.units if s.level == UnitLevel.DISTRICT) + sum(
            1 for s in self.units if s.level == UnitLevel.CITY and not (s.parent is None and self.shape.cities)
        )

    def _subtree_units(self, index: int) -> list[int]:
        path = self.units[index].path
        return [s.id for s in self.units if s.participates and s.path.startswith(path)]

    # -- tasks, entries, events and their history

    def _plans(self) -> dict[str, _Plan]:
        """The instantiation rule: every active template whose categories include the unit's (or all)."""
        templates = (
            self.campaign.templates.filter(is_active=True)
            .select_related("campaign", "measure")
            .prefetch_related("categories")
        )
        plans: dict[str, _Plan] = {code: _Plan([]) for code in UnitCategory.objects.values_list("code", flat=True)}
        for template in templates:
            categories = {c.code for c in template.categories.all()}
            for code, plan in plans.items():
                if categories and code not in categories:
                    continue
                for period in template.periods():
                    plan.rows.append(
                        (
                            template.pk,
                            template.measure_id,
                            period,
                            template.target_count,
                            template.measure.code,
                        )
                    )
        return plans

    def build(self) -> Unit:
        t0 = time.perf_counter()
        self._tree()
        self._write_units()
        self._people()
        self.log(f"tree: {len(self.units):,} units, {len(self.users):,} people in {time.perf_counter() - t0:.1f}s")
        plans = self._plans()
        measures = {m.code: m.pk for m in Measure.objects.all()}
        participating = [s for s in self.units if s.participates]
        bar = Progress("tasks", len(participating), enabled=self.show_progress)
        self.writers = {
            "task": TableWriter(Task, TASK_FIELDS),
            "task_h": TableWriter(Task.history.model, TASK_HISTORY_FIELDS),
            "entry": TableWriter(Entry, ENTRY_FIELDS),
            "entry_h": TableWriter(Entry.history.model, ENTRY_HISTORY_FIELDS),
            "event": TableWriter(TaskEvent, EVENT_FIELDS),
        }
        for offset in range(0, len(participating), UNIT_BATCH):
            batch = participating[offset : offset + UNIT_BATCH]
            self._batch(batch, plans, measures)
            bar.advance(len(batch))
        bar.close()
        shape = self.shape
        if self.counts["tasks"] < shape.min_tasks or self.counts["entries"] < shape.min_entries:
            raise ValueError(f"scale {shape.name} generated too little: {self.counts}")
        return Unit.objects.get(code=self.code)

    def _batch(self, batch: list[_UnitSpec], plans: dict[str, _Plan], measures: dict[str, int]) -> None:
        rng = self.rng
        sims: list[_TaskSim] = []
        for spec in batch:
            diligence = rng.betavariate(5, 2)
            people = self.people[spec.index]
            for template_id, measure_id, period, target, measure_code in plans[spec.category].rows:
                sims.append(
                    _TaskSim(
                        campaign_id=self.campaign.pk,
                        unit_id=spec.id,
                        template_id=template_id,
                        measure_id=measure_id,
                        measure_code=measure_code,
                        period_index=period.index,
                        period_starts_on=period.starts_on,
                        period_ends_on=period.ends_on,
                        due_on=period.due_on,
                        weight=target,
                        diligence=diligence,
                        people=people,
                        created_at=self.start_at,
                        initial_activity=self.campaign.starts_on,
                    )
                )
            for _ in range(rng.randint(0, self.shape.self_chosen_max)):
                sims.append(self._self_chosen(spec, diligence, people, measures))
        first_task = reserve_ids(Task, len(sims))
        for offset, sim in enumerate(sims):
            sim.id = first_task + offset
            self._simulate(sim)
        entry_total = sum(len(sim.entries) for sim in sims)
        next_entry = reserve_ids(Entry, entry_total) if entry_total else 0
        task_rows, task_h, entry_rows, entry_h, events = [], [], [], [], []
        for sim in sims:
            for entry in sim.entries:
                entry[0] = next_entry
                next_entry += 1
                row = tuple(entry)
                entry_rows.append(row)
                entry_h.append((*row, entry[6], None, "+", entry[2]))
            task_rows.append(sim.row())
            task_h.extend(sim.history())
            events.extend(sim.events)
        self.writers["task"].write(task_rows)
        self.writers["task_h"].write(task_h)
        self.writers["entry"].write(entry_rows)
        self.writers["entry_h"].write(entry_h)
        self.writers["event"].write(events)
        self.counts["tasks"] += len(task_rows)
        self.counts["entries"] += len(entry_rows)

    def _self_chosen(self, spec: _UnitSpec, diligence: float, people: list[int], measures) -> _TaskSim:
        rng = self.rng
        campaign = self.campaign
        measure_code = rng.choice(list(names.SELF_CHOSEN_TITLES))
        created = campaign.starts_on + timedelta(days=rng.randint(3, max(3, (self.today - campaign.starts_on).days)))
        created = min(created, self.today)
        due = created + timedelta(days=rng.randint(14, 60))
        due = min(due, campaign.ends_on)
        author = rng.choice(people)
        sim = _TaskSim(
            campaign_id=campaign.pk,
            unit_id=spec.id,
            template_id=None,
            measure_id=measures[measure_code],
            measure_code=measure_code,
            period_index=0,
            period_starts_on=None,
            period_ends_on=None,
            due_on=due,
            weight=1,
            diligence=diligence,
            people=people,
            created_at=self._at(created, 10),
            initial_activity=created,
            title=rng.choice(names.SELF_CHOSEN_TITLES[measure_code]),
            created_by=author,
        )
        return sim

    def _simulate(self, sim: _TaskSim) -> None:
        """Decide the task's fate on the campaign clock and produce its entries and events."""
        rng, today = self.rng, self.today
        d = sim.diligence
        lag = 1.6 - d
        starts = sim.period_starts_on or sim.initial_activity
        if sim.period_starts_on and sim.period_starts_on > today:
            statuses = {TaskStatus.TODO: 1.0}
        elif sim.due_on < today:
            statuses = {"done": 62 * d, "submitted": 8, "returned": 4, "in_progress": 16 * lag, "todo": 10 * lag}
        elif sim.due_on <= today + timedelta(days=21):
            statuses = {"done": 14 * d, "submitted": 6 * d, "in_progress": 50, "todo": 30 * lag}
        else:
            statuses = {"done": 4 * d, "in_progress": 30 * d + 5, "todo": 60 * lag}
        status = rng.choices(list(statuses), weights=list(statuses.values()))[0]
        leader = sim.people[0]
        events = sim.events
        last_at = sim.created_at
        last_actor = sim.created_by
        if sim.template_id is None:
            events.append((sim.id, EventKind.CREATED, sim.created_by, "", sim.created_at))
        if rng.random() < 0.85:
            sim.owner = rng.choice(sim.people)
            day = min(today, max(starts, sim.created_at.astimezone(self.tz).date()) + timedelta(days=rng.randint(0, 4)))
            last_at = max(last_at, self._at(day, 9, 30))
            events.append((sim.id, EventKind.OWNER_CHANGED, leader, "", last_at))
            last_actor = leader
            sim.version += 1
        if status == TaskStatus.TODO:
            sim.finish(status, last_at, last_actor)
            return
        closing = status in ("done", "submitted", "returned")
        count = 1 + min(MAX_ENTRIES_PER_TASK - 1, int(rng.expovariate(1 / (self.shape.entries_mean * sim.weight - 1))))
        low = max(starts, self.campaign.starts_on)
        high = min(today, sim.due_on + timedelta(days=3)) if closing else today
        high = max(low, high)
        span = (high - low).days
        days = sorted(low + timedelta(days=rng.randint(0, span)) for _ in range(count))
        percents = sorted(rng.randrange(10, 100, 5) for _ in range(count))
        progress = 0
        texts = names.ENTRY_TEXTS[sim.measure_code]
        for i, day in enumerate(days):
            author = sim.owner or rng.choice(sim.people)
            percent = percents[i] if rng.random() < 0.6 else None
            if closing and i == count - 1:
                percent = 100
            if percent is not None:
                progress = percent
            at = max(last_at, self._at(day, rng.randint(9, 17), rng.randint(0, 59)))
            text = rng.choice(texts).format(rng.randint(3, 60))
            sim.entries.append([0, sim.id, author, day, text, percent, at])
            last_at, last_actor = at, author
        sim.entry_count = count
        sim.last_activity = max(sim.initial_activity, days[-1])
        sim.last_entry = days[-1]
        sim.progress = progress
        if closing:
            submitted = min(today, days[-1] + timedelta(days=rng.randint(0, 2)))
            last_at = max(last_at, self._at(submitted, 17, 30))
            events.append((sim.id, EventKind.SUBMITTED, last_actor, "", last_at))
            sim.submitted_at = last_at
            sim.version += 1
            if status != "submitted":
                reviewed = min(today, submitted + timedelta(days=rng.randint(1, 3)))
                last_at = max(last_at, self._at(reviewed, 10))
                reviewer = self._reviewer()
                if status == "done":
                    events.append((sim.id, EventKind.ACCEPTED, reviewer, "", last_at))
                    sim.progress = 100
                    sim.is_featured = sim.template_id is None and rng.random() < 0.1
                else:
                    events.append((sim.id, EventKind.RETURNED, reviewer, rng.choice(names.RETURN_REASONS), last_at))
                last_actor = reviewer
                sim.version += 1
        sim.finish(status, last_at, last_actor)

    def _reviewer(self) -> int:
        # The first office user of the root reviews; enough for realistic rows.
        if not hasattr(self, "_office_id"):
            self._office_id = next(r[2] for r in self.roles if r[3] == Role.OFFICE)
        return self._office_id


TASK_FIELDS = (
    "id",
    "created_at",
    "updated_at",
    "campaign_id",
    "unit_id",
    "template_id",
    "measure_id",
    "period_index",
    "period_starts_on",
    "period_ends_on",
    "title",
    "description",
    "owner_id",
    "due_on",
    "status",
    "progress",
    "last_activity_on",
    "last_entry_on",
    "entry_count",
    "is_featured",
    "created_by_id",
    "version",
    "submitted_at",
)
HISTORY_FIELDS = ("history_date", "history_change_reason", "history_type", "history_user_id")
TASK_HISTORY_FIELDS = tuple(f for f in TASK_FIELDS if f != "updated_at") + HISTORY_FIELDS
ENTRY_FIELDS = ("id", "task_id", "author_id", "occurred_on", "text", "percent", "created_at")
ENTRY_HISTORY_FIELDS = ENTRY_FIELDS + HISTORY_FIELDS
EVENT_FIELDS = ("task_id", "kind", "actor_id", "note", "created_at")


@dataclass
class _TaskSim:
    """One task while it is being simulated: its initial state, its entries, events and end state."""

    campaign_id: int
    unit_id: int
    template_id: int | None
    measure_id: int
    measure_code: str
    period_index: int
    period_starts_on: date | None
    period_ends_on: date | None
    due_on: date
    weight: int  # records the template asks for: more of them, more entries
    diligence: float
    people: list[int]
    created_at: datetime
    initial_activity: date
    title: str = ""
    created_by: int | None = None
    id: int = 0
    owner: int | None = None
    status: str = TaskStatus.TODO
    progress: int = 0
    entry_count: int = 0
    last_activity: date | None = None
    last_entry: date | None = None
    submitted_at: datetime | None = None
    is_featured: bool = False
    version: int = 1
    updated_at: datetime | None = None
    last_actor: int | None = None
    entries: list[list] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)

    def finish(self, status: str, last_at: datetime, last_actor: int | None) -> None:
        self.status = status
        self.updated_at = last_at
        self.last_actor = last_actor
        if self.last_activity is None:
            self.last_activity = self.initial_activity

    def _row(self, *, initial: bool) -> tuple:
        if initial:
            state = (None, TaskStatus.TODO, 0, self.initial_activity, 0, False, 1)
        else:
            state = (
                self.owner,
                self.status,
                self.progress,
                self.last_activity,
                self.entry_count,
                self.is_featured,
                self.version,
            )
        owner, status, progress, last_activity, entry_count, featured, version = state
        return (
            self.id,
            self.created_at,
            self.updated_at if not initial else self.created_at,
            self.campaign_id,
            self.unit_id,
            self.template_id,
            self.measure_id,
            self.period_index,
            self.period_starts_on,
            self.period_ends_on,
            self.title,
            "",
            owner,
            self.due_on,
            status,
            progress,
            last_activity,
            None if initial else self.last_entry,
            entry_count,
            featured,
            self.created_by,
            version,
            None if initial else self.submitted_at,
        )

    def row(self) -> tuple:
        return self._row(initial=False)

    def history(self) -> list[tuple]:
        """'+' as instantiation (or the self-chosen service) created it; '~' for where it ended."""
        created = self._row(initial=True)
        reason = "generated" if self.template_id else None
        rows = [(*created[:2], *created[3:], self.created_at, reason, "+", self.created_by)]
        final = self.row()
        if final[3:] != created[3:] or self.updated_at != self.created_at:
            rows.append((*final[:2], *final[3:], self.updated_at, None, "~", self.last_actor))
        return rows
