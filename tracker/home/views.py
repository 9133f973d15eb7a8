"""Pages that gather from every app: the landing page (each role sees what to do next, with a
link to where that work is) and the list of units in the user's scope with their progress."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tracker.campaigns.selectors import current_campaign
from tracker.core.types import AuthedRequest
from tracker.directives.access import is_leader
from tracker.directives.selectors import arrived, pending_extensions, recent_since, threads_for_leadership
from tracker.home.selectors import next_steps, units_with_tallies
from tracker.orgs.scope import scope_for
from tracker.rollups.services import rollups_refresh
from tracker.work.lights import LightRule

PAGE_SIZE = 50


@require_GET
@login_required
def home(request: AuthedRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.roles:
        return render(request, "home/no_role.html")
    campaign = current_campaign()
    context: dict[str, Any] = {"campaign": campaign}
    if campaign is not None:
        rule = LightRule.for_campaign(campaign)
        if scope.sees_many_units:
            # The area's counts are read from the roll-ups: fold in what changed since the last read.
            rollups_refresh(campaign=campaign, rule=rule)
        context["steps"] = next_steps(user=request.user, campaign=campaign, rule=rule)
        context["days_elapsed"] = campaign.days_elapsed(rule.today)
    context["arrived"], context["unread_notices"] = arrived(user=request.user, recent_since=recent_since())
    if scope.reviews_anything:
        context["pending_extensions"] = pending_extensions(user=request.user).count()
    if is_leader(scope):
        context["leadership_threads"] = threads_for_leadership(user=request.user)
    return render(request, "home/home.html", context)


@require_GET
@login_required
def unit_list(request: AuthedRequest) -> HttpResponse:
    campaign = current_campaign()
    search = request.GET.get("q", "").strip()[:100]
    units = None
    if campaign:
        rule = LightRule.for_campaign(campaign)
        # Fold in what changed since the last read (usually nothing: the minute job got there first).
        rollups_refresh(campaign=campaign, rule=rule)
        units = units_with_tallies(user=request.user, campaign=campaign, rule=rule, search=search)
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page")) if units is not None else None
    context = {"page": page, "search": search, "campaign": campaign}
    template = "home/unit_list.html#results" if request.htmx else "home/unit_list.html"
    return render(request, template, context)
