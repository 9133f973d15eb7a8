"""Model cases and what may be proposed as one, through the user's scope (see tracker.orgs.access)."""

from __future__ import annotations

from tracker.cases.models import ModelCase
from tracker.core.types import AnyUser
from tracker.ledgers.models import PracticalDeed
from tracker.orgs.access import access
from tracker.orgs.scope import Need
from tracker.work.models import Task


def access_case(user: AnyUser, pk: int, need: Need = "view") -> ModelCase:
    return access(ModelCase.objects.select_related("unit", "campaign"), user, need, pk=pk)


def access_proposable_task(user: AnyUser, pk: int) -> Task:
    """A task a guide or the office may propose: seen in scope (404), reviewed by them (403)."""
    return access(Task.objects.select_related("unit", "campaign", "template", "measure"), user, "review", pk=pk)


def access_proposable_deed(user: AnyUser, pk: int) -> PracticalDeed:
    return access(PracticalDeed.objects.select_related("unit", "campaign"), user, "review", pk=pk)
