"""Show a ledger column's value on a page the way the sheet holds it: dates, numbers, text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import template
from django.utils.formats import date_format

register = template.Library()


@register.filter
def shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 2.0 → "2", 10 → "10" (not "1E+1")
    return str(value)


@register.filter
def cell(row, column) -> str:
    """`{{ row|cell:column }}`: the column's value for this row, as shown text."""
    return shown(column.value(row))
