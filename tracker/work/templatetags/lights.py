"""`{% light_badge task.light %}`: a traffic light as a labelled badge;
`{% light_legend campaign %}`: what the lights mean under the campaign's thresholds.

A tag, not an included template: a matrix page shows hundreds of lights, and an {% include %}
per light cost the overview and the matrix a fifth of their rendering time.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tracker.campaigns.models import Campaign
from tracker.work.lights import Light, group_legend, light_legend

register = template.Library()

TITLES = {
    Light.RED: _("Red: overdue"),
    Light.YELLOW: _("Yellow: due soon or no recent entry"),
    Light.NEUTRAL: _("Not yet due: nothing is asked of it yet"),
    Light.GREEN: _("Green: done or on track"),
}


@register.simple_tag
def light_badge(light: str | None) -> str:
    light = Light(light) if light in Light.values else Light.GREEN
    return format_html('<span class="light light-{}" title="{}">{}</span>', light.value, TITLES[light], light.label)


@register.inclusion_tag("partials/fragment_light_legend.html", name="light_legend")
def legend_tag(campaign: Campaign | None, groups: bool = False) -> dict:
    """The legend of the lights; `groups` adds how a unit's or a measure's light rolls up."""
    if campaign is None:
        return {"lines": [], "groups": ""}
    return {"lines": light_legend(campaign), "groups": group_legend(campaign) if groups else ""}
