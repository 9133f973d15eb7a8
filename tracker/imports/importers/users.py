"""The user template: columns, row checks and the upsert of accounts, roles and languages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tracker.core.models import UserPreference
from tracker.core.types import User
from tracker.imports.importers.base import (
    CREATED,
    LANGUAGE_ALIASES,
    UNCHANGED,
    UPDATED,
    Choices,
    Column,
    Importer,
    Problem,
)
from tracker.orgs.models import GuidanceGroup, Role, RoleAssignment, Unit


@dataclass
class UserRow:
    username: str
    full_name: str
    email: str
    role: str
    unit: Unit | None
    group: GuidanceGroup | None
    language: str
    employee_id: str = ""


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
        # Where notifications reach the person besides mail (tracker.notify); empty cells keep what is there.
        Column("wecom_id", _("WeCom user id"), False, _("Optional: 政务微信/企业微信 UserID."), ("政务微信账号",)),
        Column("dingtalk_id", _("DingTalk user id"), False, _("Optional: 钉钉 userid."), ("钉钉账号",)),
        Column("mobile", _("Mobile number"), False, _("Optional: for SMS."), ("手机号", "手机号码")),
        # Directory login by employee id (LDAP_EMPLOYEE_ID_ATTR); an empty cell keeps what is there.
        Column(
            "employee_id",
            _("Employee ID"),
            False,
            _("Optional: the person's employee id in the directory, for directory login."),
            ("工号", "员工编号"),
        ),
    )

    def __init__(self, *, user: User):
        super().__init__(user=user)
        self.models = (get_user_model(), RoleAssignment)
        self.roles = Choices(Role.choices)
        from django.conf import settings

        self.languages = Choices(settings.LANGUAGES, aliases=LANGUAGE_ALIASES)
        self.parsed: dict[int, UserRow] = {}
        self.users: dict[str, User] = {}
        self.assignments: set[tuple] = set()
        self.preferences: dict[int, str] = {}
        self.employee_ids: dict[int, str] = {}  # user id → its employee id now
        self.holders: dict[str, str] = {}  # employee id → the username holding it now
        self.file_ids: dict[str, tuple[int, str]] = {}  # employee id → (first row, username) in the file
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
        self._load_employee_ids(values)
        units = {u.code: u for u in Unit.objects.filter(code__in={v.get("unit") for v in values})}
        groups = {g.name: g for g in GuidanceGroup.objects.filter(name__in={v.get("unit") for v in values})}
        manageable = self._manageable_groups(
            {g.pk for g in groups.values()} | {a.guidance_group_id for a in held if a.guidance_group_id is not None}
        )
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
                for key in ("full_name", "email", "language", "employee_id"):
                    if getattr(parsed, key) != getattr(earlier, key):
                        self.problem(number, key, "differs", row=earlier_number)
            elif parsed.username:
                first_row[parsed.username] = (number, parsed)
            row_key = (parsed.username, parsed.role, parsed.unit, parsed.group)
            if parsed.username and row_key in seen:
                self.problem(number, "unit", "duplicate", value=row["values"].get("unit", ""), row=seen[row_key])
            seen.setdefault(row_key, number)
            self._check_employee_id(number, parsed)
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
        self._check_addresses(number, values)
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
        employee_id = self.text(row, "employee_id", max_length=64)
        return UserRow(username, full_name, email, role or "", unit, group, language or "", employee_id)

    def _load_employee_ids(self, values: list[dict]) -> None:
        from tracker.accounts.models import DirectoryLink

        wanted = {v.get("employee_id") for v in values if v.get("employee_id")}
        links = DirectoryLink.objects.filter(Q(user__in=self.users.values()) | Q(employee_id__in=wanted))
        for user_id, username, employee_id in links.values_list("user_id", "user__username", "employee_id"):
            self.holders[employee_id] = username
            self.employee_ids[user_id] = employee_id

    def _check_employee_id(self, number: int, parsed: UserRow) -> None:
        """An employee id belongs to one account: not another account's, not two usernames' in the file."""
        if not parsed.employee_id or not parsed.username:
            return
        holder = self.holders.get(parsed.employee_id)
        if holder is not None and holder != parsed.username:
            self.problem(number, "employee_id", "employee_id_taken", value=parsed.employee_id)
            return
        other_number, other = self.file_ids.setdefault(parsed.employee_id, (number, parsed.username))
        if other != parsed.username:
            self.problem(number, "employee_id", "duplicate", value=parsed.employee_id, row=other_number)

    def _check_addresses(self, number: int, values: dict) -> None:
        from tracker.notify.services import ADDRESS_FIELDS, clean_addresses

        try:
            clean_addresses(**{key: values.get(key, "") for key in ADDRESS_FIELDS})
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                self.problem(number, key, "bad_address", value=values.get(key, ""), why=" ".join(errors))

    def _planned(
        self, row: UserRow, user: User | None, planned_users: set[str], planned_assignments: set[tuple]
    ) -> str:
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
    def _assignment_key(user: User, row: UserRow) -> tuple:
        return (user.pk, row.role, row.unit.pk if row.unit else None, row.group.pk if row.group else None)

    def _account_differs(self, user: User, row: UserRow) -> bool:
        # An empty optional cell keeps what the account has; it never blanks it.
        return user.first_name != row.full_name or bool(row.email and user.email != row.email)

    def _language_differs(self, user: User, row: UserRow) -> bool:
        return bool(row.language and self.preferences.get(user.pk, "") != row.language)

    def _employee_id_differs(self, user: User, row: UserRow) -> bool:
        return bool(row.employee_id and self.employee_ids.get(user.pk, "") != row.employee_id)

    def _fields_differ(self, user: User, row: UserRow) -> bool:
        return (
            self._account_differs(user, row)
            or self._language_differs(user, row)
            or self._employee_id_differs(user, row)
        )

    def apply_all(self, rows: list[dict], report: Callable[[int], None]) -> Counter[str]:
        """New accounts and role assignments in bulk; changes to existing accounts one by one."""
        from tracker.accounts.services import directory_links_set, users_bulk_create
        from tracker.notify.services import profile_addresses_set as notify_profile_addresses_set
        from tracker.orgs.services import roles_bulk_grant

        new_people: dict[str, UserRow] = {}
        for row in rows:
            data = self.parsed[row["row"]]
            if data.username not in self.users:
                new_people.setdefault(data.username, data)
        created = users_bulk_create(
            people=[(d.username, d.full_name, d.email) for d in new_people.values()],
            languages={d.username: d.language for d in new_people.values() if d.language},
        )
        for user in created:
            self.users[user.username] = user
            self.preferences[user.pk] = new_people[user.username].language
            self.created_user_ids.append(user.pk)
        counts: Counter[str] = Counter()
        grants: list[RoleAssignment] = []
        linked: dict[int, str] = {}
        first_rows = {id(data) for data in new_people.values()}
        for done, row in enumerate(rows, start=1):
            data = self.parsed[row["row"]]
            user = self.users[data.username]
            outcome = CREATED if id(data) in first_rows else self._update(user, data)
            if self._employee_id_differs(user, data):
                self.employee_ids[user.pk] = data.employee_id
                linked[user.pk] = data.employee_id
                outcome = outcome if outcome == CREATED else UPDATED
            # WeCom / DingTalk ids and the mobile number (tracker.notify): blank cells keep what is there.
            if notify_profile_addresses_set(user=user, by=self.user, **row["values"]) and outcome == UNCHANGED:
                outcome = UPDATED
            key = self._assignment_key(user, data)
            if key not in self.assignments:
                grants.append(RoleAssignment(user=user, role=data.role, unit=data.unit, guidance_group=data.group))
                self.assignments.add(key)
                outcome = outcome if outcome == CREATED else UPDATED
            counts[outcome] += 1
            if done % 500 == 0:
                report(done)
        roles_bulk_grant(assignments=grants)
        directory_links_set(employee_ids=linked)
        report(len(rows))
        return counts

    def _update(self, user: User, data: UserRow) -> str:
        from tracker.accounts.services import user_language_set, user_update

        outcome = UNCHANGED
        if self._account_differs(user, data):
            user_update(user=user, full_name=data.full_name, email=data.email or user.email)
            outcome = UPDATED
        if self._language_differs(user, data):
            user_language_set(user=user, language=data.language)
            self.preferences[user.pk] = data.language
            outcome = UPDATED
        return outcome
