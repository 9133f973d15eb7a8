"""People rows and plans through the user's scope and rights (see tracker.orgs.access)."""

from __future__ import annotations

from tracker.core.types import AnyUser
from tracker.orgs.access import access
from tracker.orgs.scope import Need
from tracker.people.models import PlannedVisit, RosterMember


def access_member(user: AnyUser, pk: int, need: Need = "view") -> RosterMember:
    return access(RosterMember.objects.select_related("unit"), user, need, pk=pk)


def access_plan(user: AnyUser, pk: int, need: Need = "view") -> PlannedVisit:
    return access(PlannedVisit.objects.select_related("unit", "campaign"), user, need, pk=pk)
