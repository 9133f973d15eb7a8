"""Writes to the unit tree. Every unit created here gets its campaign tasks on commit."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

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
    instantiate: bool = True,
) -> Unit:
    unit = Unit(name=name, code=code, level=level, parent=parent, category=category, participates=participates)
    unit.path = "/"  # placeholder until the primary key exists
    unit.full_clean(exclude=["path"])
    unit.save()
    unit.path = unit_path(parent_path=parent.path if parent else None, pk=unit.pk)
    unit.depth = parent.depth + 1 if parent else 0
    Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
    if instantiate and participates and category is not None:
        from tracker.work.instantiation import tasks_generate

        transaction.on_commit(lambda: tasks_generate(units=[unit]))
    return unit


@transaction.atomic
def unit_update(
    *,
    unit: Unit,
    name: str,
    level: str,
    category: UnitCategory | None,
    participates: bool,
    instantiate: bool = True,
) -> bool:
    """Change a unit's own fields (never its place in the tree); returns whether anything changed.

    A unit that now takes part with a category gets its missing tasks on commit; tasks it has
    are never removed, so a unit dropped from the campaign keeps its history.
    """
    new = {"name": name, "level": level, "category_id": category.pk if category else None, "participates": participates}
    changed = [field for field, value in new.items() if getattr(unit, field) != value]
    if not changed:
        return False
    for field in changed:
        setattr(unit, field, new[field])
    unit.full_clean(exclude=["path"])
    unit.save(update_fields=[*changed, "updated_at"])
    if instantiate and unit.participates and unit.category_id is not None:
        from tracker.work.instantiation import tasks_generate

        transaction.on_commit(lambda: tasks_generate(units=[unit]))
    return True


def role_grant(
    *, user: AbstractBaseUser, role: str, unit: Unit | None = None, group: GuidanceGroup | None = None
) -> RoleAssignment:
    assignment, _ = RoleAssignment.objects.get_or_create(
        user=user,
        role=role,
        unit=unit if role != Role.GUIDE else None,
        guidance_group=group if role == Role.GUIDE else None,
    )
    return assignment
