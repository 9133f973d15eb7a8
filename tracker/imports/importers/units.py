"""The unit template: columns, row checks and the upsert of units."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.translation import gettext_lazy as _

from tracker.core.types import User
from tracker.imports.importers.base import CREATED, UNCHANGED, UPDATED, Choices, Column, Importer, Problem, parse_yes_no
from tracker.orgs.models import Unit, UnitCategory, UnitLevel


@dataclass
class UnitRow:
    code: str
    name: str
    parent: str
    level: str
    category: UnitCategory | None
    participates: bool


class UnitImporter(Importer):
    kind = "units"
    title = _("Units")
    models = (Unit,)  # their tasks are generated after the commit, and ANALYZEd there
    columns = (
        Column(
            "code",
            _("Unit code"),
            True,
            _("Letters, digits and hyphens, unique in the city, e.g. dongcheng-edu."),
            ("编码", "单位代码"),
        ),
        Column("name", _("Unit name"), True, _("Full name in Chinese, e.g. 东城区教育局."), ("名称",)),
        Column(
            "parent",
            _("Parent unit code"),
            True,
            _("Code of an existing unit in your area or of another row of this file."),
            ("上级单位", "上级编码"),
        ),
        Column("level", _("Level"), False, _("City, district, unit or sub-unit; empty means unit.")),
        Column(
            "category",
            _("Unit category"),
            False,
            _("Category code or name (see below); the category decides which tasks the unit gets."),
            ("类别",),
        ),
        Column("participates", _("Takes part"), False, _("Yes or no; empty means yes."), ("参加",)),
    )

    def __init__(self, *, user: User):
        super().__init__(user=user)
        self.levels = Choices(UnitLevel.choices)
        self.known: dict[str, Unit] = {}
        self.parsed: dict[int, UnitRow] = {}
        self.created: list[Unit] = []
        self.touched: list[Unit] = []

    @classmethod
    def template_choices(cls) -> dict[int, list[str]]:
        keys = [column.key for column in cls.columns]
        return {
            keys.index("level"): [str(label) for _value, label in UnitLevel.choices],
            keys.index("participates"): ["是", "否"],
        }

    @classmethod
    def template_notes(cls) -> list[tuple[str, str]]:
        categories = "、".join(f"{c.code} ({c.name})" for c in UnitCategory.objects.all())
        return [*super().template_notes(), (str(_("Unit category")), categories)]

    def _categories(self) -> Choices:
        return Choices(
            [(c.code, c.name_zh) for c in UnitCategory.objects.all()],
            aliases={c.name_en: c.code for c in UnitCategory.objects.exclude(name_en="")},
        )

    def check(self, rows: list[dict]) -> list[Problem]:
        self.problems, self.plan = [], {}
        codes = {row["values"].get(key, "") for row in rows for key in ("code", "parent")} - {""}
        self.known = {unit.code: unit for unit in Unit.objects.filter(code__in=codes).select_related("parent")}
        categories = self._categories()
        category_by_code = {c.code: c for c in UnitCategory.objects.all()}
        first_row: dict[str, int] = {}
        for row in rows:
            number = row["row"]
            code = self.text(row, "code", max_length=60, required=True)
            if code:
                try:
                    validate_slug(code)
                except ValidationError:
                    self.problem(number, "code", "bad_code")
                if code in first_row:
                    self.problem(number, "code", "duplicate", value=code, row=first_row[code])
                first_row.setdefault(code, number)
            name = self.text(row, "name", max_length=200, required=True)
            parent = self.text(row, "parent", max_length=60)
            level_text = row["values"].get("level", "")
            level = self.levels.parse(level_text) if level_text else UnitLevel.UNIT
            if level is None:
                self.problem(number, "level", "bad_choice", value=level_text, choices="、".join(self.levels.labels()))
            category_text = row["values"].get("category", "")
            category = None
            if category_text:
                category_code = categories.parse(category_text)
                category = category_by_code.get(category_code) if category_code else None
                if category is None:
                    self.problem(
                        number,
                        "category",
                        "unknown_category",
                        value=category_text,
                        choices="、".join(categories.labels()),
                    )
            participates = parse_yes_no(row["values"].get("participates", ""))
            if participates is None:
                self.problem(number, "participates", "bad_yes_no", value=row["values"]["participates"])
            self.parsed[number] = UnitRow(code, name, parent, level or "", category, bool(participates))
        new_codes: dict[str, int] = {}
        for number, unit_row in self.parsed.items():
            if unit_row.code and unit_row.code not in self.known:
                new_codes.setdefault(unit_row.code, number)  # a repeated code is reported as a duplicate
        for number, unit_row in self.parsed.items():
            self._check_place(number, unit_row, new_codes)
        self._check_cycles(new_codes)
        return self.problems

    def _check_place(self, number: int, row: UnitRow, new_codes: dict[str, int]) -> None:
        existing = self.known.get(row.code) if row.code else None
        if existing is not None:
            if not self.scope.can_manage(existing):
                self.problem(number, "code", "code_taken", value=row.code)
                return
            current = existing.parent.code if existing.parent else ""
            if row.parent != current:
                self.problem(number, "parent", "move_unsupported", current=current or "—")
                return
            same = (existing.name, existing.level, existing.category_id, existing.participates) == (
                row.name,
                row.level,
                row.category.pk if row.category else None,
                row.participates,
            )
            self.plan[number] = UNCHANGED if same else UPDATED
            return
        self.plan[number] = CREATED
        if not row.parent:
            if not self.scope.is_superuser:
                self.problem(number, "parent", "parent_required")
        elif row.parent not in new_codes:
            parent = self.known.get(row.parent)
            if parent is None or not self.scope.can_manage(parent):
                self.problem(number, "parent", "parent_unknown", value=row.parent)

    def _check_cycles(self, new_codes: dict[str, int]) -> None:
        for code, number in new_codes.items():
            seen = {code}
            parent = self.parsed[number].parent
            while parent in new_codes:
                if parent in seen:
                    self.problem(number, "parent", "parent_cycle")
                    break
                seen.add(parent)
                parent = self.parsed[new_codes[parent]].parent

    def _depths(self) -> dict[int, int]:
        """Row number → how many new rows of this file are above it (0: its parent exists already)."""
        new_codes = {r.code: n for n, r in self.parsed.items() if self.plan.get(n) == CREATED}
        depth: dict[int, int] = {}

        def depth_of(number: int) -> int:
            if number not in depth:
                parent_row = new_codes.get(self.parsed[number].parent)
                depth[number] = 0 if parent_row is None else depth_of(parent_row) + 1
            return depth[number]

        for number in self.parsed:
            depth_of(number)
        return depth

    def ordered(self, rows: list[dict]) -> list[dict]:
        """Parents before their children when both are new rows of this file."""
        depth = self._depths()
        return sorted(rows, key=lambda row: depth[row["row"]])

    def apply_all(self, rows: list[dict], report: Callable[[int], None]) -> Counter[str]:
        """Changed units one by one; new ones in bulk, one tree level at a time (parents first)."""
        from tracker.orgs.services import units_bulk_create

        counts: Counter[str] = Counter()
        depth = self._depths()
        levels: dict[int, list[UnitRow]] = defaultdict(list)
        done = 0
        for row in rows:
            if self.plan.get(row["row"]) == CREATED:
                levels[depth[row["row"]]].append(self.parsed[row["row"]])
                continue
            counts[self.apply(row)] += 1
            done += 1
            report(done)
        for level in sorted(levels):
            units = [
                Unit(
                    name=data.name,
                    code=data.code,
                    level=data.level,
                    parent=self.known.get(data.parent) if data.parent else None,
                    category=data.category,
                    participates=data.participates,
                )
                for data in levels[level]
            ]
            units_bulk_create(units=units)
            for unit in units:
                self.known[unit.code] = unit
            self.created.extend(units)
            counts[CREATED] += len(units)
            done += len(units)
            report(done)
        if self.created:
            self._tasks_on_commit()
        return counts

    def apply(self, row: dict) -> str:
        from tracker.orgs.services import unit_create, unit_update

        data = self.parsed[row["row"]]
        unit = self.known.get(data.code)
        if unit is None:
            unit = unit_create(
                name=data.name,
                code=data.code,
                level=data.level,
                parent=self.known.get(data.parent) if data.parent else None,
                category=data.category,
                participates=data.participates,
            )
            self.known[data.code] = unit
            self.created.append(unit)
            self._tasks_on_commit()
            return CREATED
        changed = unit_update(
            unit=unit,
            name=data.name,
            level=data.level,
            category=data.category,
            participates=data.participates,
        )
        if changed:
            self.touched.append(unit)
            self._tasks_on_commit()
        return UPDATED if changed else UNCHANGED

    def _tasks_on_commit(self) -> None:
        from tracker.work.instantiation import tasks_generate

        # One generation for the whole file after commit instead of one per unit.
        units = self.created + self.touched
        self.after_commit = lambda: tasks_generate(units=[u for u in units if u.participates and u.category_id])
