"""One survey through the user's scope and rights (see tracker.orgs.access)."""

from __future__ import annotations

from tracker.core.types import AnyUser
from tracker.orgs.access import access
from tracker.orgs.scope import Need
from tracker.surveys.models import Survey


def access_survey(user: AnyUser, pk: int, need: Need = "view") -> Survey:
    return access(Survey.objects.select_related("unit", "deed", "item"), user, need, pk=pk)
