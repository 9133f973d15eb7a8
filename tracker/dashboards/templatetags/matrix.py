"""`{% matrix_cell cell unit_url unit_name %}`: one cell of the units × measures matrix.

A page holds 300 cells; written as template markup each cost a dozen variable lookups, which
made rendering the largest part of the matrix's time. The markup is the same.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from tracker.dashboards.selectors import Cell

register = template.Library()


@register.simple_tag
def matrix_cell(cell: Cell, unit_url: str, unit_name: str) -> str:
    counts = cell.counts
    if not counts.total:
        return format_html('<td class="num cell"><span class="muted">—</span></td>')
    return format_html(
        '<td class="num cell"><a href="{}?measure={}" title="{} · {}: {}/{}"><span class="dot dot-{}"></span>{}%'
        '<span class="visually-hidden"> {}</span></a></td>',
        unit_url,
        cell.measure.code,
        unit_name,
        cell.measure.name,
        counts.done,
        counts.total,
        counts.light,
        counts.percent_done,
        counts.light_label,
    )
