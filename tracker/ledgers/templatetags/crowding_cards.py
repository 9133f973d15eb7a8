"""`{% crowded_site_cards sites total %}`: the crowded sites of the crowding watch, written in Python.

Fifty sites with their latest visits are some 300 linked rows; as template markup they were most
of the page's time. The markup is what the template wrote.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from tracker.ledgers.selectors import CrowdedSite

register = template.Library()


def _day(value) -> str:
    return escape(date_filter(value, "SHORT_DATE_FORMAT"))


@register.simple_tag
def crowded_site_cards(sites: Sequence[CrowdedSite], total: int) -> SafeString:
    """Every `<li class="row-card">` of the crowded sites, and the "N busiest of M" line after them."""
    despite = f' · <span class="muted">{escape(gettext("saved despite the warning"))}</span>'
    out = []
    for site in sites:
        visits = "".join(
            f'<li><a href="{visit.get_absolute_url()}">{_day(visit.visited_on)}</a> · {escape(visit.unit.name)} · '
            f"{escape(visit.leader_name)}{despite if visit.crowding_confirmed else ''}</li>"
            for visit in site.visits
        )
        if site.visit_count > len(site.visits):
            more = gettext("The %(shown)s latest of %(total)s visits are shown.")
            visits += f'<li class="muted">{escape(more % {"shown": len(site.visits), "total": site.visit_count})}</li>'
        count = escape(gettext("%(n)s visits") % {"n": site.visit_count})
        units = escape("、").join(escape(unit) for unit in site.units)
        out.append(
            f'<li class="row-card"><strong>{escape(site.site)}</strong><span class="tag">{count}</span>'
            f'<div class="task-meta"><span>{_day(site.first)} – {_day(site.last)}</span><span>{units}</span></div>'
            f'<ul class="visits">{visits}</ul></li>'
        )
    if sites and total > len(sites):
        busiest = gettext("The %(shown)s busiest of %(total)s crowded sites are shown.")
        out.append(f'<li class="muted">{escape(busiest % {"shown": len(sites), "total": total})}</li>')
    return mark_safe("".join(out))  # every value above is escaped or a number
