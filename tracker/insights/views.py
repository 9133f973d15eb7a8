"""The formalism signals page, for the office and guidance groups."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tracker.campaigns.selectors import current_campaign_or_404
from tracker.core.types import AuthedRequest
from tracker.insights import selectors
from tracker.orgs.scope import scope_for


@require_GET
@login_required
def signals(request: AuthedRequest) -> HttpResponse:
    """Four kinds of signal in the user's scope, each row linking to what it found."""
    if not scope_for(request.user).reviews_anything:
        raise PermissionDenied
    campaign = current_campaign_or_404()
    user = request.user
    context = {
        "shared": selectors.shared_evidence(user=user, campaign=campaign),
        "similar": selectors.similar_entries(user=user, campaign=campaign),
        "rushed": selectors.deadline_rush(user=user, campaign=campaign),
        "stale": selectors.stale_visits(user=user, campaign=campaign, today=timezone.localdate()),
        "rush_days": selectors.RUSH_DAYS,
        "stale_weeks": selectors.STALE_WEEKS,
    }
    return render(request, "insights/signals.html", context)
