"""Every request works on the campaign its person chose in the switcher; a closed one is read-only.

The choice is a row (CampaignChoice), copied into the session at login and at each switch, so
the middleware reads it without a query and `current_campaign()` costs what it always did. A
write (any unsafe method) to a closed campaign is refused here, in one place, with a message;
the switch itself, the language, logging in and out and the Django admin stay open.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from tracker.campaigns.models import Campaign
from tracker.campaigns.selectors import activated_id

SESSION_KEY = "tracker_campaign"
# Writes that are no campaign's data, or name their campaign themselves (the office's campaign
# page): always allowed, also while an archive is shown.
OPEN_ROUTES = frozenset(
    {
        "set_language",
        "login",
        "logout",
        "password_reset_confirm",
        "work:campaign_create",
        "work:batch_create",
        "work:campaign_close",
    }
)
OPEN_NAMESPACES = frozenset({"campaigns", "admin"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def remember(request: HttpRequest, campaign: Campaign) -> None:
    """Put the chosen campaign into the session: its id, and what the header shows of it."""
    request.session[SESSION_KEY] = {"id": campaign.pk, "name": campaign.name, "closed": campaign.is_closed}


def _open_route(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return True
    return match.view_name in OPEN_ROUTES or bool(set(match.namespaces) & OPEN_NAMESPACES)


class CampaignMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        campaign_id = chosen.get("id") if isinstance(chosen, dict) else None
        with activated_id(campaign_id):
            if campaign_id and request.method not in SAFE_METHODS and not _open_route(request):
                closed = Campaign.objects.filter(pk=campaign_id, closed_on__isnull=False).first()
                if closed is not None:
                    return render(request, "campaigns/archive_refused.html", {"campaign": closed}, status=403)
            return self.get_response(request)
