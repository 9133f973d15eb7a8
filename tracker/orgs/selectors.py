"""Reads of the unit tree shared by pages in several apps."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from tracker.core.types import User
from tracker.orgs.models import Unit
from tracker.orgs.paths import path_ids
from tracker.orgs.scope import scope_for

# An area filter offers the scope's top and two levels below it (a province's cities and
# districts, not its 1,500 towns: a select of thousands cost a province office 100 ms a page); a
# deeper area stays reachable by its link (`?under=`, `?area=`) and is then offered too.
AREA_LEVELS = 2


def area_options(*, user: User, selected: int | None = None) -> QuerySet[Unit]:
    """Subtrees a list can be narrowed to: units in scope that have units below them, at most
    AREA_LEVELS below the top of the scope, and the area `selected` now."""
    scope = scope_for(user)
    areas = Unit.objects.for_user(user).filter(Exists(Unit.objects.filter(parent=OuterRef("pk"))))
    tops = [0] if scope.is_superuser else [len(path_ids(path)) - 1 for path in scope.read_paths]
    if tops:  # the depth of a unit is its number of ancestors, as in its path
        shown = Q(depth__lte=min(tops) + AREA_LEVELS)
        areas = areas.filter(shown | Q(pk=selected) if selected else shown)
    return areas.only("pk", "name", "path").order_by("path")
