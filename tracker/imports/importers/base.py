"""What a row of the unit or the user template means, how it is checked and how it is written.

Checking reads everything it needs in a handful of queries and writes nothing; it leaves a
plan (each row: created, updated or unchanged) that `apply()` then carries out row by row
through the domain services. Import is an upsert by natural key (a unit's code, a user's
username), so importing the same file again finds every row unchanged.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, validate_slug
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tracker.core.models import UserPreference
from tracker.core.validators import CONTROL_CHARACTERS
from tracker.imports.files import FileProblem, Sheet
from tracker.orgs.models import GuidanceGroup, Role, RoleAssignment, Unit, UnitCategory, UnitLevel
from tracker.orgs.scope import scope_for

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

# Row problems are stored as codes with parameters and rendered in the reader's language.
MESSAGES: dict[str, Promise] = {
    "required": _("This column must be filled in."),
    "too_long": _("At most %(max)s characters."),
    "control_characters": _("Remove the invisible control characters from this text (often pasted in by accident)."),
    "bad_code": _("Use only letters, digits, hyphens and underscores."),
    "duplicate": _("“%(value)s” already appears in row %(row)s."),
    "differs": _("Differs from row %(row)s for the same username."),
    "bad_choice": _("“%(value)s” is not one of: %(choices)s."),
    "bad_yes_no": _("“%(value)s” is not yes or no (是 or 否)."),
    "unknown_category": _("No unit category “%(value)s”. Known categories: %(choices)s."),
    "parent_required": _("Give the code of the parent unit; only the system administrator adds top-level units."),
    "parent_unknown": _("No unit with code “%(value)s” in your area or in this file."),
    "parent_cycle": _("The units in this file name each other as parent units."),
    "code_taken": _("The code “%(value)s” is already used by a unit outside your area."),
    "move_unsupported": _(
        "This unit already exists under “%(current)s”; moving a unit to another parent is not done by import."
    ),
    "bad_email": _("“%(value)s” is not a valid e-mail address."),
    "bad_username": _("Use letters, digits and @ . + - _ only, without spaces."),
    "unknown_unit": _("No unit with code “%(value)s” in your area."),
    "unknown_group": _("No guidance group named “%(value)s” whose units are all in your area."),
    "user_out_of_scope": _("The account “%(value)s” exists and is not managed by you; ask the system administrator."),
}

YES = {"1", "y", "yes", "true", "是", "参加", "参与", "√", "✓", "✔"}
NO = {"0", "n", "no", "false", "否", "不参加", "不参与", "×", "✗"}
LANGUAGE_ALIASES = {"zh": "zh-hans", "中文": "zh-hans", "chinese": "zh-hans", "英文": "en", "英语": "en"}


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    required: bool = False
    note: Promise | str = ""
    # Other headers offices write for the same column in their own sheets.
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    code: str
    params: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"row": self.row, "column": self.column, "code": self.code, "params": self.params}


def problem_text(code: str, params: dict) -> str:
    """The message for a stored problem, in the active language."""
    message = MESSAGES.get(code)
    if message is None:
        return code
    return str(message) % params if params else str(message)


def _norm(text: str) -> str:
    text = re.sub(r"[（(].*[)）]\s*$", "", str(text))  # a hint in brackets after the name
    return re.sub(r"[\s*＊:：]", "", text).casefold()


def _in_each_language(label) -> set[str]:
    forms = set()
    for language in ("en", "zh-hans"):
        with translation.override(language):
            forms.add(_norm(str(label)))
    return forms


class Choices:
    """Parses a fixed-choice cell written as the code or as its label in either UI language."""

    def __init__(self, choices: Iterable[tuple[str, object]], aliases: dict[str, str] | None = None):
        self.choices = list(choices)
        self.lookup: dict[str, str] = {}
        for value, label in self.choices:
            self.lookup[_norm(value)] = value
            for form in _in_each_language(label):
                self.lookup[form] = value
        for alias, value in (aliases or {}).items():
            self.lookup[_norm(alias)] = value

    def parse(self, text: str) -> str | None:
        return self.lookup.get(_norm(text))

    def labels(self) -> list[str]:
        return [str(label) for _value, label in self.choices]


def parse_yes_no(text: str, default: bool = True) -> bool | None:
    if not text:
        return default
    value = _norm(text)
    return True if value in YES else False if value in NO else None


class Importer:
    """Base: maps the header, checks rows (collecting every problem) and applies the plan."""

    kind: str = ""
    title: Promise = _("Sheet")
    columns: tuple[Column, ...] = ()

    def __init__(self, *, user):
        self.user = user
        self.scope = scope_for(user)
        self.problems: list[Problem] = []
        self.plan: dict[int, str] = {}
        self.after_commit: Callable[[], None] | None = None

    # --- the sheet ---------------------------------------------------------------------
    @classmethod
    def template_header(cls) -> list[str]:
        return [f"{column.label}{'*' if column.required else ''}" for column in cls.columns]

    @classmethod
    def template_notes(cls) -> list[tuple[str, str]]:
        rows = [(str(_("Column")), str(_("What to write")))]
        for column in cls.columns:
            required = _("required") if column.required else _("optional")
            rows.append((str(column.label), f"({required}) {column.note}"))
        rows.append(("", str(_("Row 1 is the header; keep it. One row per unit or person; blank rows are skipped."))))
        return rows

    @classmethod
    def template_choices(cls) -> dict[int, list[str]]:
        """Drop-down lists in the template: column index → allowed labels in the active language."""
        return {}

    @classmethod
    def rows_from_sheet(cls, sheet: Sheet) -> list[dict]:
        positions: dict[str, int] = {}
        for index, cell in enumerate(sheet.header):
            name = _norm(cell)
            for column in cls.columns:
                names = {column.key, *_in_each_language(column.label), *(_norm(a) for a in column.aliases)}
                if column.key not in positions and name in names:
                    positions[column.key] = index
        missing = [str(column.label) for column in cls.columns if column.required and column.key not in positions]
        if missing:
            raise FileProblem(
                _("Column(s) missing from the header row: %(columns)s. Download the template and keep its header."),
                columns="、".join(missing),
            )
        return [
            {
                "row": number,
                "values": {key: (cells[index] if index < len(cells) else "") for key, index in positions.items()},
            }
            for number, cells in sheet.rows
        ]

    @classmethod
    def column_label(cls, key: str) -> str:
        for column in cls.columns:
            if column.key == key:
                return str(column.label)
        return key

    # --- checking ----------------------------------------------------------------------
    def problem(self, row: int, column: str, code: str, /, **params) -> None:
        self.problems.append(Problem(row, column, code, params))

    def text(self, row: dict, key: str, *, max_length: int, required: bool = False) -> str:
        value = row["values"].get(key, "")
        if required and not value:
            self.problem(row["row"], key, "required")
        elif len(value) > max_length:
            self.problem(row["row"], key, "too_long", max=max_length)
        elif CONTROL_CHARACTERS.search(value):
            self.problem(row["row"], key, "control_characters")
        return value

    def check(self, rows: list[dict]) -> list[Problem]:
        raise NotImplementedError

    def counts(self) -> dict[str, int]:
        counts = Counter(self.plan.values())
        return {key: counts.get(key, 0) for key in (CREATED, UPDATED, UNCHANGED)}

    # --- writing -----------------------------------------------------------------------
    def ordered(self, rows: list[dict]) -> list[dict]:
        return rows

    def apply(self, row: dict) -> str:
        raise NotImplementedError


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

    def __init__(self, *, user):
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

    def ordered(self, rows: list[dict]) -> list[dict]:
        """Parents before their children when both are new rows of this file."""
        new_codes = {r.code: n for n, r in self.parsed.items() if self.plan.get(n) == CREATED}
        depth: dict[int, int] = {}

        def depth_of(number: int) -> int:
            if number not in depth:
                parent_row = new_codes.get(self.parsed[number].parent)
                depth[number] = 0 if parent_row is None else depth_of(parent_row) + 1
            return depth[number]

        return sorted(rows, key=lambda row: depth_of(row["row"]))

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


@dataclass
class UserRow:
    username: str
    full_name: str
    email: str
    role: str
    unit: Unit | None
    group: GuidanceGroup | None
    language: str


class UserImporter(Importer):
    kind = "users"
    title = _("Users")
    columns = (
        Column("username", _("Username"), True, _("Login name: letters, digits and @ . + - _, e.g. zhangsan01.")),
        Column("full_name", _("Full name"), True, _("As shown to colleagues, e.g. 张三.")),
        Column("email", _("E-mail"), False, _("Optional; reminders are sent here when mail is configured."), ("邮箱",)),
        Column("role", _("Role"), True, _("Unit staff, unit leader, guidance group member, office or leadership.")),
        Column(
            "unit",
            _("Unit code or guidance group"),
            True,
            _("The unit's code; for guidance group members the group's exact name."),
            ("单位编码", "所在单位", "巡回指导组"),
        ),
        Column("language", _("Language"), False, _("中文 or English; empty means Chinese.")),
    )

    def __init__(self, *, user):
        super().__init__(user=user)
        self.roles = Choices(Role.choices)
        from django.conf import settings

        self.languages = Choices(settings.LANGUAGES, aliases=LANGUAGE_ALIASES)
        self.parsed: dict[int, UserRow] = {}
        self.users: dict[str, object] = {}
        self.assignments: set[tuple] = set()
        self.preferences: dict[int, str] = {}
        self.created_user_ids: list[int] = []

    @classmethod
    def template_choices(cls) -> dict[int, list[str]]:
        from django.conf import settings

        keys = [column.key for column in cls.columns]
        return {
            keys.index("role"): [str(label) for _value, label in Role.choices],
            keys.index("language"): [str(label) for _value, label in settings.LANGUAGES],
        }

    @classmethod
    def template_notes(cls) -> list[tuple[str, str]]:
        groups = "、".join(GuidanceGroup.objects.values_list("name", flat=True))
        return [*super().template_notes(), (str(_("Guidance groups")), groups)]

    def _manageable_groups(self, group_ids: set[int]) -> set[int]:
        paths: dict[int, list[str]] = {gid: [] for gid in group_ids}
        for gid, path in GuidanceGroup.units.through.objects.filter(guidancegroup_id__in=group_ids).values_list(
            "guidancegroup_id", "unit__path"
        ):
            paths[gid].append(path)
        if self.scope.is_superuser:
            return set(group_ids)
        return {
            gid
            for gid, unit_paths in paths.items()
            if unit_paths and all(any(p.startswith(m) for m in self.scope.manage_paths) for p in unit_paths)
        }

    def check(self, rows: list[dict]) -> list[Problem]:
        self.problems, self.plan = [], {}
        User = get_user_model()
        values = [row["values"] for row in rows]
        self.users = {u.username: u for u in User.objects.filter(username__in={v.get("username") for v in values})}
        held = list(RoleAssignment.objects.filter(user__in=self.users.values()).select_related("unit", "user"))
        self.assignments = {(a.user_id, a.role, a.unit_id, a.guidance_group_id) for a in held}
        self.preferences = dict(
            UserPreference.objects.filter(user__in=self.users.values()).values_list("user_id", "language")
        )
        units = {u.code: u for u in Unit.objects.filter(code__in={v.get("unit") for v in values})}
        groups = {g.name: g for g in GuidanceGroup.objects.filter(name__in={v.get("unit") for v in values})}
        manageable = self._manageable_groups({g.pk for g in groups.values()} | {a.guidance_group_id for a in held})
        foreign = {
            a.user_id
            for a in held
            if (a.unit is not None and not self.scope.can_manage(a.unit))
            or (a.guidance_group_id is not None and a.guidance_group_id not in manageable)
        }
        with_roles = {a.user_id for a in held}
        first_row: dict[str, tuple[int, UserRow]] = {}
        seen: dict[tuple, int] = {}
        planned_users: set[str] = set(self.users)
        planned_assignments = set(self.assignments)
        for row in rows:
            number = row["row"]
            parsed = self._parse(row, units, groups, manageable)
            self.parsed[number] = parsed
            user = self.users.get(parsed.username)
            if user is not None and (
                user.is_superuser or user.is_staff or user.pk in foreign or user.pk not in with_roles
            ):
                self.problem(number, "username", "user_out_of_scope", value=parsed.username)
            if parsed.username in first_row:
                earlier_number, earlier = first_row[parsed.username]
                for key in ("full_name", "email", "language"):
                    if getattr(parsed, key) != getattr(earlier, key):
                        self.problem(number, key, "differs", row=earlier_number)
            elif parsed.username:
                first_row[parsed.username] = (number, parsed)
            key = (parsed.username, parsed.role, parsed.unit, parsed.group)
            if parsed.username and key in seen:
                self.problem(number, "unit", "duplicate", value=row["values"].get("unit", ""), row=seen[key])
            seen.setdefault(key, number)
            self.plan[number] = self._planned(parsed, user, planned_users, planned_assignments)
        return self.problems

    def _parse(self, row: dict, units: dict, groups: dict, manageable: set[int]) -> UserRow:
        number, values = row["row"], row["values"]
        username = self.text(row, "username", max_length=150, required=True)
        if username:
            try:
                UnicodeUsernameValidator()(username)
            except ValidationError:
                self.problem(number, "username", "bad_username")
        full_name = self.text(row, "full_name", max_length=150, required=True)
        email = self.text(row, "email", max_length=254)
        if email:
            try:
                EmailValidator()(email)
            except ValidationError:
                self.problem(number, "email", "bad_email", value=email)
        role_text = values.get("role", "")
        role = self.roles.parse(role_text) if role_text else None
        if not role_text:
            self.problem(number, "role", "required")
        elif role is None:
            self.problem(number, "role", "bad_choice", value=role_text, choices="、".join(self.roles.labels()))
        anchor = self.text(row, "unit", max_length=200, required=True)
        unit = group = None
        if anchor and role == Role.GUIDE:
            group = groups.get(anchor)
            if group is None or group.pk not in manageable:
                self.problem(number, "unit", "unknown_group", value=anchor)
        elif anchor and role:
            unit = units.get(anchor)
            if unit is None or not self.scope.can_manage(unit):
                self.problem(number, "unit", "unknown_unit", value=anchor)
        language_text = values.get("language", "")
        language = self.languages.parse(language_text) if language_text else ""
        if language is None:
            self.problem(
                number, "language", "bad_choice", value=language_text, choices="、".join(self.languages.labels())
            )
        return UserRow(username, full_name, email, role or "", unit, group, language or "")

    def _planned(self, row: UserRow, user, planned_users: set[str], planned_assignments: set[tuple]) -> str:
        if row.username not in planned_users:
            planned_users.add(row.username)
            planned_assignments.add((row.username, row.role, row.unit, row.group))
            return CREATED
        key = (row.username, row.role, row.unit, row.group)
        changed = key not in planned_assignments and (
            user is None or self._assignment_key(user, row) not in self.assignments
        )
        planned_assignments.add(key)
        if user is not None:
            changed = changed or self._fields_differ(user, row)
        return UPDATED if changed else UNCHANGED

    @staticmethod
    def _assignment_key(user, row: UserRow) -> tuple:
        return (user.pk, row.role, row.unit.pk if row.unit else None, row.group.pk if row.group else None)

    def _account_differs(self, user, row: UserRow) -> bool:
        # An empty optional cell keeps what the account has; it never blanks it.
        return user.first_name != row.full_name or bool(row.email and user.email != row.email)

    def _language_differs(self, user, row: UserRow) -> bool:
        return bool(row.language and self.preferences.get(user.pk, "") != row.language)

    def _fields_differ(self, user, row: UserRow) -> bool:
        return self._account_differs(user, row) or self._language_differs(user, row)

    def apply(self, row: dict) -> str:
        from tracker.accounts.services import user_create, user_language_set, user_update
        from tracker.orgs.services import role_grant

        data = self.parsed[row["row"]]
        user = self.users.get(data.username)
        outcome = UNCHANGED
        if user is None:
            user = user_create(username=data.username, full_name=data.full_name, email=data.email)
            self.users[data.username] = user
            self.created_user_ids.append(user.pk)
            outcome = CREATED
        elif self._account_differs(user, data):
            user_update(user=user, full_name=data.full_name, email=data.email or user.email)
            outcome = UPDATED
        if self._language_differs(user, data):
            user_language_set(user=user, language=data.language)
            self.preferences[user.pk] = data.language
            outcome = outcome if outcome == CREATED else UPDATED
        key = self._assignment_key(user, data)
        if key not in self.assignments:
            role_grant(user=user, role=data.role, unit=data.unit, group=data.group)
            self.assignments.add(key)
            outcome = outcome if outcome == CREATED else UPDATED
        return outcome


IMPORTERS: dict[str, type[Importer]] = {UnitImporter.kind: UnitImporter, UserImporter.kind: UserImporter}
