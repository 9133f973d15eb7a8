"""`{% light_badge task.light %}`: a traffic light as a labelled badge.

A tag, not an included template: a matrix page shows hundreds of lights, and an {% include %}
per light cost the overview and the matrix a fifth of their rendering time.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tracker.work.lights import Light

register = template.Library()

TITLES = {
    Light.RED: _("Red: overdue"),
    Light.YELLOW: _("Yellow: due soon or no recent entry"),
    Light.GREEN: _("Green: done or on track"),
}


@register.simple_tag
def light_badge(light: str | None) -> str:
    light = Light(light) if light in Light.values else Light.GREEN
    return format_html('<span class="light light-{}" title="{}">{}</span>', light.value, TITLES[light], light.label)
