"""Landing: each role sees what to do next, with a link to where that work is."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tracker.campaigns.selectors import current_campaign
from tracker.core.selectors import next_steps
from tracker.orgs.scope import scope_for
from tracker.work.lights import LightRule


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.roles:
        return render(request, "core/no_role.html")
    campaign = current_campaign()
    context = {"campaign": campaign}
    if campaign is not None:
        rule = LightRule.for_campaign(campaign)
        context["steps"] = next_steps(user=request.user, campaign=campaign, rule=rule)
        context["days_elapsed"] = campaign.days_elapsed(rule.today)
    return render(request, "core/home.html", context)
