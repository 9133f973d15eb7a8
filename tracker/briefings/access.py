"""One briefing through the user's rights (see tracker.orgs.access)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from tracker.briefings.models import BriefingJob
from tracker.briefings.selectors import briefing_jobs
from tracker.core.types import AnyUser
from tracker.orgs.access import access
from tracker.orgs.scope import scope_for


def require_briefer(user: AnyUser) -> None:
    """Briefings are for the office and leadership: 404 for those without dashboards (as on every
    dashboard page), 403 for guides and unit leaders, who have dashboards but no briefings."""
    scope = scope_for(user)
    if not scope.sees_dashboards:
        raise Http404
    if not scope.makes_briefings:
        raise PermissionDenied


def access_briefing_job(user: AnyUser, pk: int) -> BriefingJob:
    """A briefing is its requester's."""
    require_briefer(user)
    return access(briefing_jobs(user=user), user, pk=pk)
