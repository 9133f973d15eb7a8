"""The dataset's unit tree, people, roles and guidance groups, written in bulk."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dtime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from tracker.bench import names
from tracker.bench.rows import TableWriter, reserve_ids
from tracker.bench.scales import Scale, root_code
from tracker.campaigns.models import Campaign, Period
from tracker.orgs.models import GuidanceGroup, Role, RoleAssignment, Unit, UnitCategory, UnitLevel
from tracker.orgs.paths import unit_path


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


class _TreeBuilder:
    """Lays out the unit tree, its people and roles, and writes them."""

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
            if spec.level == UnitLevel.DISTRICT and spec.parent is not None:
                groups.append((f"{self.units[spec.parent].name}{spec.name}巡回指导组", self._subtree_units(spec.index)))
            elif spec.level == UnitLevel.CITY and spec.parent is None and self.shape.cities:
                continue
            elif spec.level == UnitLevel.CITY:
                own = [s.id for s in self.units if s.parent == spec.index and s.participates]
                groups.append((f"{spec.name}市直单位巡回指导组", own))
        first_group = reserve_ids(GuidanceGroup, len(groups))
        group_rows: list[tuple[Any, ...]] = []
        member_rows: list[tuple[int, int]] = []
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
