"""Reads of people's accounts for the office: who is in its subtree, and one person's access events."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from tracker.core.types import AnyUser, User
from tracker.orgs.models import GuidanceGroup, RoleAssignment
from tracker.orgs.scope import scope_for
from tracker.personnel.models import AccountEvent


class PeopleQuerySet(QuerySet[Any]):
    """Accounts, with the door every read goes through (`for_user`, as ScopedQuerySet has)."""

    def for_user(self, user: AnyUser) -> PeopleQuerySet:
        """The accounts the user's office manages: people whose every role lies in its subtree.

        A person with a role on a unit outside the subtree (or a guide of a group with such a
        unit) is left to the office above: a district office never resets a city-level person.
        """
        scope = scope_for(user)
        if scope.is_superuser:
            return self
        if not scope.manages_units:
            return self.none()
        roles = RoleAssignment.objects.filter(user=OuterRef("pk"))
        memberships = GuidanceGroup.units.through.objects.filter(guidancegroup__role_assignments__user=OuterRef("pk"))
        inside = scope.manage_q("unit__")
        return self.filter(
            Exists(roles.filter(inside)) | Exists(memberships.filter(inside)),
            ~Exists(roles.filter(unit__isnull=False).exclude(inside)),
            ~Exists(memberships.exclude(inside)),
        )


def people() -> PeopleQuerySet:
    return PeopleQuerySet(get_user_model())


def people_page_rows(*, user: AnyUser, search: str = "") -> QuerySet[User]:
    """The office's list of accounts, searched by name or username, with their roles (one query more)."""
    rows = people().for_user(user)
    if search:
        rows = rows.filter(Q(first_name__icontains=search) | Q(username__icontains=search))
    assignments = RoleAssignment.objects.select_related("unit", "guidance_group").order_by("role", "unit__path")
    return rows.order_by("username").prefetch_related(Prefetch("role_assignments", queryset=assignments))


def account_events(*, person: User, limit: int = 50) -> list[AccountEvent]:
    return list(AccountEvent.objects.filter(user=person).select_related("by")[:limit])
