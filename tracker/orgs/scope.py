"""The one access rule: which units a user may read, edit and review.

Every view, export and mail builder reads rows through `<Model>.objects.for_user(user)`, which
filters by `scope_for(user).unit_q(...)`. Anything outside the scope is simply not found.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from tracker.core.types import AnyUser, User
from tracker.orgs.models import SUBTREE_ROLES, GuidanceGroup, Role, RoleAssignment, Unit

log = logging.getLogger("tracker.access")
M = TypeVar("M", bound=Model)

# Who sees the dashboards (a unit leader sees their own unit's summary).
DASHBOARD_ROLES = frozenset({Role.UNIT_LEADER.value, Role.GUIDE.value, Role.OFFICE.value, Role.LEADERSHIP.value})
# Who asks for the Word briefing: it reports on a whole subtree.
BRIEFING_ROLES = frozenset({Role.OFFICE.value, Role.LEADERSHIP.value})

# A right on one unit, as `access(...)` and `require(...)` (tracker.orgs.access) ask for it.
Need = Literal["view", "edit", "lead", "review", "manage"]


@dataclass(frozen=True)
class Scope:
    """What one user may see and do, resolved once per request."""

    is_superuser: bool = False
    # Units seen one by one: a staff member's or unit leader's own unit, a guide's units.
    read_unit_ids: frozenset[int] = frozenset()
    # Subtrees seen whole: office and leadership.
    read_paths: tuple[str, ...] = ()
    edit_unit_ids: frozenset[int] = frozenset()
    review_unit_ids: frozenset[int] = frozenset()
    review_paths: tuple[str, ...] = ()
    # Subtrees whose units and people this user manages (adds units, imports users): the office.
    manage_paths: tuple[str, ...] = ()
    roles: frozenset[str] = field(default_factory=frozenset)

    def unit_q(self, prefix: str = "") -> Q:
        """A filter on a unit relation (`prefix` like "unit__") that keeps what is in scope."""
        if self.is_superuser:
            return Q()
        return _units_q(prefix, self.read_unit_ids, self.read_paths)

    def review_q(self, prefix: str = "") -> Q:
        """A filter keeping the units whose submissions this user may accept or return."""
        if self.is_superuser:
            return Q()
        return _units_q(prefix, self.review_unit_ids, self.review_paths)

    def manage_q(self, prefix: str = "") -> Q:
        """A filter keeping the units whose people and structure this user manages (the office's subtree)."""
        if self.is_superuser:
            return Q()
        return _units_q(prefix, frozenset(), self.manage_paths)

    @property
    def reviews_anything(self) -> bool:
        return self.is_superuser or bool(self.review_unit_ids or self.review_paths)

    @property
    def reviews_what_it_reads(self) -> bool:
        """Its review scope is its read scope (an office; everything for a superuser), so what the
        read scope's roll-ups count as submitted is its review queue."""
        if self.is_superuser:
            return True
        return set(self.review_paths) == set(self.read_paths) and self.review_unit_ids == self.read_unit_ids

    @property
    def sees_many_units(self) -> bool:
        return self.is_superuser or bool(self.read_paths) or len(self.read_unit_ids) > 1

    @property
    def sees_dashboards(self) -> bool:
        """Dashboards and exports are for unit leaders, guides, the office and leadership, not staff."""
        return self.is_superuser or bool(self.roles & DASHBOARD_ROLES)

    @property
    def sees_crowding(self) -> bool:
        """Crowded research sites compare units: for whoever reads or reviews more than one."""
        return self.sees_many_units or self.reviews_anything

    @property
    def makes_briefings(self) -> bool:
        """The Word briefing is the office's and the leadership group's."""
        return self.is_superuser or bool(self.roles & BRIEFING_ROLES)

    @property
    def manages_outbox(self) -> bool:
        """The outbox shows mail about every unit of a subtree: it is the office's page."""
        return self.is_superuser or Role.OFFICE.value in self.roles

    def may(self, need: Need, unit: Unit) -> bool:
        """Whether the user has the right `need` on the unit."""
        return RIGHTS[need](self, unit)

    def can_read(self, unit: Unit) -> bool:
        return self.is_superuser or unit.id in self.read_unit_ids or _under(unit, self.read_paths)

    def can_edit(self, unit: Unit) -> bool:
        """Staff and unit leaders log progress for their own unit."""
        return unit.id in self.edit_unit_ids

    def can_review(self, unit: Unit) -> bool:
        """The office (its subtree) and guides (their units) accept or return submissions."""
        return self.is_superuser or unit.id in self.review_unit_ids or _under(unit, self.review_paths)

    def guides(self, unit: Unit) -> bool:
        """The user looks after the unit as a member of its guidance group (not as its office)."""
        return unit.id in self.review_unit_ids

    def can_lead(self, unit: Unit) -> bool:
        return unit.id in self.edit_unit_ids and Role.UNIT_LEADER in self.roles

    @property
    def manages_units(self) -> bool:
        return self.is_superuser or bool(self.manage_paths)

    def can_manage(self, unit: Unit) -> bool:
        """The office adds and changes units, and the people in them, only inside its own subtree."""
        return self.is_superuser or _under(unit, self.manage_paths)


RIGHTS: dict[Need, Callable[[Scope, Unit], bool]] = {
    "view": Scope.can_read,
    "edit": Scope.can_edit,
    "lead": Scope.can_lead,
    "review": Scope.can_review,
    "manage": Scope.can_manage,
}


def _units_q(prefix: str, unit_ids: frozenset[int], paths: tuple[str, ...]) -> Q:
    q = Q(**{f"{prefix}id__in": sorted(unit_ids)}) if unit_ids else Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


def _under(unit: Unit, paths: tuple[str, ...]) -> bool:
    return any(unit.path.startswith(path) for path in paths)


EMPTY = Scope()


def scope_for(user: AnyUser) -> Scope:
    """The user's scope, cached on the user object for the length of the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY
    cached = user.__dict__.get("_tracker_scope")
    if isinstance(cached, Scope):
        return cached
    scope = _build_scope(user)
    user.__dict__["_tracker_scope"] = scope
    return scope


def _build_scope(user: User) -> Scope:
    if user.is_superuser:
        return Scope(is_superuser=True, roles=frozenset({"superuser"}))
    read_ids: set[int] = set()
    edit_ids: set[int] = set()
    review_ids: set[int] = set()
    read_paths: list[str] = []
    review_paths: list[str] = []
    group_ids: list[int] = []
    roles: set[str] = set()
    for role, unit_id, path, group_id in RoleAssignment.objects.filter(user=user).values_list(
        "role", "unit_id", "unit__path", "guidance_group_id"
    ):
        roles.add(role)
        if role in (Role.STAFF, Role.UNIT_LEADER):
            read_ids.add(unit_id)
            edit_ids.add(unit_id)
        elif role in SUBTREE_ROLES:
            read_paths.append(path)
            if role == Role.OFFICE:
                review_paths.append(path)
        elif role == Role.GUIDE:
            group_ids.append(group_id)
    if group_ids:
        guided = set(
            GuidanceGroup.units.through.objects.filter(guidancegroup_id__in=group_ids).values_list("unit_id", flat=True)
        )
        read_ids |= guided
        review_ids |= guided
    return Scope(
        read_unit_ids=frozenset(read_ids),
        read_paths=_outermost(read_paths),
        edit_unit_ids=frozenset(edit_ids),
        review_unit_ids=frozenset(review_ids),
        review_paths=_outermost(review_paths),
        manage_paths=_outermost(review_paths),
        roles=frozenset(roles),
    )


def _outermost(paths: list[str]) -> tuple[str, ...]:
    """Drop paths nested in another one, so the SQL filter has no redundant branches."""
    kept: list[str] = []
    for path in sorted(set(paths), key=lambda p: (len(p), p)):
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return tuple(kept)


class NotInScope(Http404):
    """A row outside the user's scope (or missing): a 404 like any other, recorded for the audit."""


def get_for_user_or_404(queryset: QuerySet[M], user: AnyUser, **lookup: Any) -> M:
    """Fetch one row through the user's scope; a miss is a 404 and is logged as a probe."""
    try:
        row: M = queryset.for_user(user).get(**lookup)  # type: ignore[attr-defined]
    except ObjectDoesNotExist:  # the model's DoesNotExist, whatever the model
        log.warning(
            "out-of-scope or missing %s %s requested by user %s",
            queryset.model._meta.label,
            lookup,
            getattr(user, "pk", None),
        )
        raise NotInScope from None
    return row
