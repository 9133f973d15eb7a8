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

from django.db.models import Model
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tracker.core.types import User
from tracker.core.validators import CONTROL_CHARACTERS
from tracker.imports.files import FileProblem, Sheet
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
    "bad_address": _("“%(value)s”: %(why)s"),
    "unknown_unit": _("No unit with code “%(value)s” in your area."),
    "unknown_group": _("No guidance group named “%(value)s” whose units are all in your area."),
    "employee_id_taken": _("The employee id “%(value)s” already belongs to another account."),
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
    models: tuple[type[Model], ...] = ()  # the tables a run writes (ANALYZEd after a large one)

    def __init__(self, *, user: User):
        self.user = user
        self.scope = scope_for(user)
        self.problems: list[Problem] = []
        self.plan: dict[int, str] = {}
        self.after_commit: Callable[[], object] | None = None

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

    def apply_all(self, rows: list[dict], report: Callable[[int], None]) -> Counter[str]:
        """Carry out the plan; `report(done)` after each row. Importers override this to write the
        new rows in bulk (a few statements per thousand rows instead of several per row)."""
        counts: Counter[str] = Counter()
        for done, row in enumerate(self.ordered(rows), start=1):
            counts[self.apply(row)] += 1
            report(done)
        return counts
