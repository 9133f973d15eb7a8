"""`{% calendar_banner %}`: tells the office when its campaign runs into a year the calendar does not know."""

from __future__ import annotations

from typing import Any

from django import template

from tracker.core import workdays

register = template.Library()


def _campaign(context: template.Context) -> Any:
    """The page's campaign, under the names the pages use for it."""
    for holder, name in ((None, "campaign"), ("o", "campaign"), ("task", "campaign")):
        value = context.get(holder) if holder else context
        value = getattr(value, name, None) if holder else context.get(name)
        if value is not None:
            return value
    return None


@register.inclusion_tag("holidays/fragment_banner.html", takes_context=True)
def calendar_banner(context: template.Context) -> dict:
    """Read from the per-process memo of entered years: no query on a warm page."""
    campaign = _campaign(context)
    years = workdays.unknown_years(campaign.starts_on, campaign.ends_on) if campaign is not None else []
    return {"years": years}
