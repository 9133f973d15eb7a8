"""The door to one row: fetch it through the user's scope, then check the right the caller needs.

`access(queryset, user, need="edit", pk=pk)` is one call for what every view needs: a row outside
the user's scope is not found (404, logged on `tracker.access` as a probe, its existence not
revealed), and a row the user may see but not act on as asked is refused (403). The app that owns
a model wraps it, choosing what to select with it: `access_unit` here, `access_task` in
`tracker.work.access`, `access_ledger_row` in `tracker.ledgers.access`, and so on (Zulip's
`access_*` helpers).

`require(user, unit, need)` is the same check for services, which refuse a caller without the
right whichever door the call came through (view, command, job).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from tracker.core.types import AnyUser
from tracker.orgs.models import Unit
from tracker.orgs.scope import M, Need, get_for_user_or_404, scope_for

REFUSALS = {
    "view": _("This unit is not in your scope."),
    "edit": _("Only the unit's own staff can change this."),
    "lead": _("Only the unit leader can do this."),
    "review": _("Only the office or the unit's guidance group can do this."),
    "manage": _("Only the office responsible for the unit can do this."),
}


def require(user: AnyUser, unit: Unit, need: Need) -> None:
    """Raise PermissionDenied (403) unless the user has the right `need` on the unit."""
    if not scope_for(user).may(need, unit):
        raise PermissionDenied(REFUSALS[need])


def access(queryset: QuerySet[M], user: AnyUser, need: Need = "view", **lookup: Any) -> M:
    """One row through the user's scope (404 outside it), checked for the right `need` (403 without it).

    The row's unit is reached along the queryset's `unit_path` (`ScopedQuerySet`); select it with
    the row when `need` is more than "view", or the check costs a query.
    """
    row = get_for_user_or_404(queryset, user, **lookup)
    if need != "view":
        require(user, unit_of(row, queryset.unit_path), need)  # type: ignore[attr-defined]
    return row


def unit_of(row: Model, unit_path: str) -> Unit:
    """The unit a row belongs to, along a lookup like "entry__task__unit__" ("" for a unit itself)."""
    target: Any = row
    for name in unit_path.split("__")[:-1]:
        target = getattr(target, name)
    assert isinstance(target, Unit), unit_path
    return target


def access_unit(user: AnyUser, pk: int, need: Need = "view") -> Unit:
    return access(Unit.objects.select_related("parent", "category"), user, need, pk=pk)


def is_city_office(user: AnyUser) -> bool:
    """Whether the user runs the whole campaign: a superuser or the office of a top-level unit."""
    scope = scope_for(user)
    if scope.is_superuser:
        return True
    return Unit.objects.filter(parent__isnull=True, path__in=scope.manage_paths).exists()
