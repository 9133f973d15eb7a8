"""The door to one person's account for the office: outside its subtree, not found (404)."""

from __future__ import annotations

from django.db.models import Prefetch

from tracker.core.types import AnyUser, User
from tracker.orgs.models import RoleAssignment
from tracker.orgs.scope import get_for_user_or_404
from tracker.personnel.selectors import people


def access_person(user: AnyUser, pk: int) -> User:
    assignments = RoleAssignment.objects.select_related("unit", "guidance_group")
    rows = people().prefetch_related(Prefetch("role_assignments", queryset=assignments))
    person: User = get_for_user_or_404(rows, user, pk=pk)
    return person
