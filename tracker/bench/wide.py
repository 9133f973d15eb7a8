"""A wide area for the bench: one root unit with 4,000 units directly below it.

A real city may hang thousands of units (villages, schools, enterprises) directly under the city
office. The overview lists one row per area below the user's scope root, so this is what its
paging has to hold. The wide area is its own root (code `bench-wide-<seed>`), beside the dataset,
so the dataset's tiers and counts stay as documented: each child unit gets a copy of the first
few tasks of one generated unit (no entries: only the lights matter here), and the area has one
office user. Built once, in one transaction; the roll-ups are rebuilt afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from tracker.bench.rows import TableWriter, reserve_ids
from tracker.campaigns.models import Campaign
from tracker.core.bulk import analyze_after_bulk
from tracker.orgs.models import Role, RoleAssignment, Unit, UnitCategory, UnitLevel
from tracker.orgs.paths import unit_path
from tracker.work.models import Task

TASKS_PER_CHILD = 4


def wide_code(seed: int) -> str:
    return f"bench-wide-{seed}"


def wide_office(*, seed: int) -> tuple[Unit, object] | None:
    """The wide root and its office user, if built."""
    root = Unit.objects.filter(code=wide_code(seed)).first()
    if root is None:
        return None
    assignment = RoleAssignment.objects.filter(unit=root, role=Role.OFFICE).select_related("user").first()
    return (root, assignment.user) if assignment else None


def wide_ensure(*, seed: int, children: int, campaign: Campaign, model_unit: Unit, log: Callable[[str], None]) -> bool:
    """Build the wide area of `children` units unless it exists; True when it was built now."""
    if Unit.objects.filter(code=wide_code(seed)).exists():
        return False
    code = wide_code(seed)
    category = UnitCategory.objects.filter(code="private").first()
    now = timezone.now()
    with transaction.atomic():
        first = reserve_ids(Unit, children + 1)
        root_path = unit_path(parent_path=None, pk=first)
        rows: list[tuple[object, ...]] = [
            (first, now, now, "宽口径片区（基准）", code, None, UnitLevel.CITY, None, False, root_path, 0)
        ]
        for i in range(1, children + 1):
            pk = first + i
            rows.append(
                (
                    pk,
                    now,
                    now,
                    f"宽口径片区第{i:04d}单位",
                    f"{code}-{pk}",
                    first,
                    UnitLevel.UNIT,
                    category.pk if category else None,
                    True,
                    unit_path(parent_path=root_path, pk=pk),
                    1,
                )
            )
        fields = ("id", "created_at", "updated_at", "name", "code", "parent_id", "level", "category_id")
        TableWriter(Unit, (*fields, "participates", "path", "depth")).write(rows)
        _copy_tasks(campaign=campaign, model_unit=model_unit, first_child=first + 1, children=children)
        user = get_user_model().objects.create(username=f"{code}-office", first_name="宽口径办公室")
        user.set_unusable_password()
        user.save(update_fields=["password"])
        RoleAssignment.objects.create(user=user, role=Role.OFFICE, unit_id=first)
    # As an import of that many units does: the pages are planned from the tables' new sizes.
    analyze_after_bulk([Unit, Task], children)
    log(f"wide area: {children:,} units directly under {code}")
    return True


def _copy_tasks(*, campaign: Campaign, model_unit: Unit, first_child: int, children: int) -> None:
    """Every child gets a copy of the model unit's first tasks, its own ids, no entries."""
    table = Task._meta.db_table
    columns = [str(f.column) for f in Task._meta.concrete_fields if f.column not in ("id", "unit_id", "entry_count")]
    template_ids = list(
        Task.objects.filter(unit=model_unit, campaign=campaign).order_by("id").values_list("id", flat=True)
    )[:TASKS_PER_CHILD]
    count = children * len(template_ids)
    first_task = reserve_ids(Task, count)
    listed = ", ".join(connection.ops.quote_name(c) for c in columns)
    copied = ", ".join(f"t.{connection.ops.quote_name(c)}" for c in columns)
    # The numbers 1..children: generate_series on PostgreSQL, a recursive CTE elsewhere (SQLite).
    postgres = connection.vendor == "postgresql"
    series = "" if postgres else "WITH RECURSIVE u(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM u WHERE n < %s) "
    source = "generate_series(1, %s) AS u(n)" if postgres else "u"
    chosen = "id = ANY(%s)" if postgres else f"id IN ({', '.join(['%s'] * len(template_ids))})"
    params: list[Any] = [children] if not postgres else []
    params += [first_task, len(template_ids), first_child]
    params += [children] if postgres else []
    params += [template_ids] if postgres else template_ids
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            {series}INSERT INTO {table} (id, unit_id, entry_count, {listed})
            SELECT %s + (u.n - 1) * %s + (t.k - 1), %s + u.n - 1, 0, {copied}
            FROM {source}
            CROSS JOIN (SELECT *, row_number() OVER (ORDER BY id) AS k FROM {table} WHERE {chosen}) AS t
            """,
            params,
        )
