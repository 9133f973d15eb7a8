"""`{{ chips|for_field:field.name }}`: the values offered under one field of a quick record."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def for_field(chips, name: str):
    return (chips or {}).get(name)
