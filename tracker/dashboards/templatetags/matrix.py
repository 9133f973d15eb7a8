"""`{% matrix_body rows %}`: the rows of the units × measures matrix, written in Python.

A page holds 50 rows of about 15 cells. As template markup (a loop, a tag a cell, a dozen lookups
a row) rendering was about half of the matrix's time; here each row is a few string joins, names
escaped once each. The markup is what the template wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from tracker.core.links import id_url
from tracker.dashboards.selectors import Cell
from tracker.orgs.models import Unit
from tracker.work.lights import Light
from tracker.work.templatetags.lights import light_badge

register = template.Library()


def _cells(
    cells: Sequence[Cell], unit_url: str, unit_name: str, measures: dict[int, tuple[str, str]], labels: dict[str, str]
) -> str:
    parts = []
    for cell in cells:
        counts = cell.counts
        if not counts.total:
            parts.append('<td class="num cell"><span class="muted">—</span></td>')
            continue
        measure = cell.measure
        if (names := measures.get(measure.pk)) is None:  # escaped once a page
            names = measures[measure.pk] = (escape(measure.code), escape(measure.name))
        code, name = names
        parts.append(
            f'<td class="num cell"><a href="{unit_url}?measure={code}" title="{unit_name} · {name}: '
            f'{counts.done}/{counts.total}"><span class="dot dot-{escape(counts.light)}"></span>{counts.percent_done}%'
            f'<span class="visually-hidden"> {labels[counts.light]}</span></a></td>'
        )
    return "".join(parts)


@register.simple_tag(takes_context=True)
def matrix_body(context: template.Context, rows: Sequence[tuple[Unit, Sequence[Cell]]]) -> SafeString:
    """Every `<tr>` of a page of `matrix_rows` (units annotated by `unit_rollups`, `rank_page`,
    `assessment` and `extensions`)."""
    scope, request = context.get("scope"), context.get("request")
    urges = bool(scope and scope.reviews_anything)
    back = escape(quote(request.get_full_path(), safe="/")) if request is not None else ""
    scores_url = reverse("scoring:scores")
    measures: dict[int, tuple[str, str]] = {}
    labels: dict[str, str] = {light.value: escape(light.label) for light in Light}
    urge_label = escape(gettext("Urge (催办)"))
    out = []
    for unit, cells in rows:
        u: Any = unit  # annotated by the selectors
        url = id_url("work:unit_detail", unit.pk)
        name = escape(unit.name)
        where = f"{escape(unit.parent.name)} · " if unit.parent_id and unit.parent else ""
        category = escape(unit.category.name) if unit.category else ""
        head = f'<a href="{url}">{name}</a><br><small class="muted">{where}{category}</small>'
        extensions = u.extensions
        if extensions:
            text = ngettext("%(n)s extension", "%(n)s extensions", extensions) % {"n": extensions}
            head += f'<br><small class="extensions">{escape(text)}</small>'
        if urges and u.task_red:
            head += (
                f'<br><a class="urge-link" href="{id_url("reminders:unit_urge", unit.pk)}?next={back}">{urge_label}</a>'
            )
        assessment = u.assessment
        score = f'<a href="{scores_url}">{floatformat(assessment.score, 1)}</a>' if assessment else "—"
        out.append(
            f'<tr data-unit="{unit.pk}"><td class="num">{u.rank}</td><th scope="row">{head}</th>'
            f"<td>{light_badge(u.task_light)}</td>"
            f'<td class="num">{u.task_percent}%<br><small class="muted">{u.task_done}/{u.task_total}</small></td>'
            f'<td class="num">{u.task_red}</td><td class="num">{u.task_yellow}</td>'
            f'<td class="num">{score}</td>{_cells(cells, url, name, measures, labels)}</tr>'
        )
    return mark_safe("".join(out))  # every value above is escaped or a number
