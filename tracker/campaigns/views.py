"""The campaign switcher: which campaign (批次) every page of this person shows."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tracker.campaigns import selectors, services
from tracker.campaigns.middleware import remember
from tracker.campaigns.models import Campaign
from tracker.core.types import AuthedRequest


@login_required
@require_http_methods(["GET", "POST"])
def switch(request: AuthedRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = ""
    if request.method == "POST":
        raw = request.POST.get("campaign", "")
        campaign = get_object_or_404(Campaign, pk=int(raw)) if raw.isdigit() else None
        if campaign is None:
            messages.error(request, _("Choose a campaign."))
            return redirect("campaigns:switch")
        services.campaign_choose(user=request.user, campaign=campaign)
        remember(request, campaign)
        messages.success(request, _("Now showing %(name)s.") % {"name": campaign.name})
        return redirect(next_url or "home")
    current = selectors.current_campaign()
    context = {
        "campaigns": selectors.switchable_campaigns(),
        "current": current,
        "next": next_url,
    }
    return render(request, "campaigns/switch.html", context)
