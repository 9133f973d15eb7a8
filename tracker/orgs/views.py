"""The list of units in the user's scope, with their progress."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tracker.campaigns.selectors import current_campaign
from tracker.work import selectors
from tracker.work.lights import LightRule

PAGE_SIZE = 50


@require_GET
@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    campaign = current_campaign()
    search = request.GET.get("q", "").strip()[:100]
    units = (
        selectors.units_with_counts(
            user=request.user, campaign=campaign, rule=LightRule.for_campaign(campaign), search=search
        )
        if campaign
        else None
    )
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page")) if units is not None else None
    context = {"page": page, "search": search, "campaign": campaign}
    template = "orgs/unit_list.html#results" if request.htmx else "orgs/unit_list.html"
    return render(request, template, context)
