"""Writes to the unit tree and role assignments.

These write units only; tracker.work.services.unit_create/unit_update wrap them and also
generate the campaign tasks a participating unit is missing.
"""

from __future__ import annotations

from django.db import transaction

from tracker.core.types import User
from tracker.orgs.models import GuidanceGroup, Role, RoleAssignment, Unit, UnitCategory
from tracker.orgs.paths import unit_path


@transaction.atomic
def unit_create(
    *,
    name: str,
    code: str,
    level: str,
    parent: Unit | None = None,
    category: UnitCategory | None = None,
    participates: bool = True,
) -> Unit:
    unit = Unit(name=name, code=code, level=level, parent=parent, category=category, participates=participates)
    unit.path = "/"  # placeholder until the primary key exists
    unit.full_clean(exclude=["path"])
    unit.save()
    unit.path = unit_path(parent_path=parent.path if parent else None, pk=unit.pk)
    unit.depth = parent.depth + 1 if parent else 0
    Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
    return unit


@transaction.atomic
def unit_update(
    *,
    unit: Unit,
    name: str,
    level: str,
    category: UnitCategory | None,
    participates: bool,
) -> bool:
    """Change a unit's own fields (never its place in the tree); returns whether anything changed."""
    new = {"name": name, "level": level, "category_id": category.pk if category else None, "participates": participates}
    changed = [field for field, value in new.items() if getattr(unit, field) != value]
    if not changed:
        return False
    for field in changed:
        setattr(unit, field, new[field])
    unit.full_clean(exclude=["path"])
    unit.save(update_fields=[*changed, "updated_at"])
    return True


def role_grant(
    *, user: User, role: str, unit: Unit | None = None, group: GuidanceGroup | None = None
) -> RoleAssignment:
    assignment, _ = RoleAssignment.objects.get_or_create(
        user=user,
        role=role,
        unit=unit if role != Role.GUIDE else None,
        guidance_group=group if role == Role.GUIDE else None,
    )
    return assignment


@transaction.atomic
def units_bulk_create(*, units: list[Unit]) -> list[Unit]:
    """Insert checked, unsaved units whose parents are saved, in three statements whatever their number
    (the import of thousands of units): the rows, their tree paths, their history."""
    if not units:
        return units
    for unit in units:
        unit.path = "/"  # placeholder until the primary key exists
    Unit.objects.bulk_create(units, batch_size=1000)
    for unit in units:
        unit.path = unit_path(parent_path=unit.parent.path if unit.parent else None, pk=unit.pk)
        unit.depth = unit.parent.depth + 1 if unit.parent else 0
    Unit.objects.bulk_update(units, ["path", "depth"], batch_size=1000)
    Unit.history.bulk_history_create(units, batch_size=1000)
    return units


@transaction.atomic
def roles_bulk_grant(*, assignments: list[RoleAssignment]) -> list[RoleAssignment]:
    """Insert role assignments known to be new (the import of people), with their history."""
    RoleAssignment.objects.bulk_create(assignments, batch_size=1000)
    RoleAssignment.history.bulk_history_create(assignments, batch_size=1000)
    return assignments
