"""Reads of the campaign definition."""

from __future__ import annotations

from django.http import Http404

from tracker.campaigns.models import Campaign


def current_campaign() -> Campaign | None:
    """The campaign the app runs: the active one that started last, or None before seeding."""
    return Campaign.objects.filter(is_active=True).order_by("-starts_on").first()


def current_campaign_or_404() -> Campaign:
    """The current campaign, for pages that make no sense without one."""
    campaign = current_campaign()
    if campaign is None:
        raise Http404("no active campaign")
    return campaign
