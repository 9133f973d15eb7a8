"""Dashboards: the overview, the units × measures matrix and their Excel exports.

One set of pages for every role that has dashboards, scoped by the user's `Scope`: the office and
leadership see their subtree, a guide their groups' units, a unit leader their own unit. Unit
staff get a 404 on every URL here, as if the pages did not exist.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import push_url

from tracker.campaigns.models import Campaign, Measure
from tracker.campaigns.selectors import current_campaign_or_404
from tracker.core.paging import CountedPaginator
from tracker.core.types import AuthedRequest
from tracker.dashboards import exports, jobs, selectors
from tracker.dashboards.selectors import UnitFilters
from tracker.directives.selectors import extension_counts
from tracker.jobs.registry import label_of
from tracker.jobs.selectors import latest_job
from tracker.jobs.services import job_start
from tracker.orgs.scope import log as access_log
from tracker.orgs.scope import scope_for
from tracker.rollups.services import rollups_refresh
from tracker.scoring.selectors import scores_by_unit
from tracker.work.lights import GROUP_LIGHTS, LightRule, completion_percent

MATRIX_PAGE = "dashboards/matrix.html"
MATRIX_PAGE_SIZE = 50
EXPORT_PAGE = "dashboards/export_start.html"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _dashboard(request: AuthedRequest) -> tuple[Campaign, LightRule]:
    """The campaign and its light rule, or a 404 for users without dashboards (unit staff)."""
    if not scope_for(request.user).sees_dashboards:
        access_log.warning("dashboard %s requested by user %s without a dashboard role", request.path, request.user.pk)
        raise Http404
    campaign = current_campaign_or_404()
    rule = LightRule.for_campaign(campaign)
    # Fold in what changed since the last read (usually nothing: the minute job got there first).
    rollups_refresh(campaign=campaign, rule=rule)
    return campaign, rule


@require_GET
@login_required
def overview(request: AuthedRequest) -> HttpResponse:
    campaign, rule = _dashboard(request)
    page = request.GET.get("page", "")
    number = int(page) if page.isdigit() and len(page) < 9 else 1
    data = selectors.overview(user=request.user, campaign=campaign, rule=rule, area_page_number=number)
    context = {"o": data, "charts": _charts(data)}
    return render(request, "dashboards/overview.html", context)


def _charts(data: selectors.Overview) -> dict:
    """Chart.js inputs, handed to static/tracker/charts.js as JSON data (never as script)."""
    return {
        "trend": {
            "type": "line",
            "labels": [point.day.isoformat() for point in data.trend],
            "percent": True,
            "series": [
                {"label": _("Completion"), "data": [point.percent for point in data.trend], "color": "#12b76a"},
                {
                    "label": _("Time elapsed"),
                    "data": [completion_percent(i + 1, data.clock.total_days) for i in range(len(data.trend))],
                    "color": "#98a2b3",
                    "dashed": True,
                },
            ],
        },
        "activity": {
            "type": "bar",
            "labels": [point.day.isoformat() for point in data.trend],
            "series": [
                {"label": _("Entries"), "data": [point.entries for point in data.trend], "color": "#175cd3"},
                {"label": _("Submitted"), "data": [point.submitted for point in data.trend], "color": "#f5b400"},
            ],
        },
        "measures": {
            "type": "bar",
            "horizontal": True,
            "percent": True,
            "labels": [measure.name for measure in data.measures],
            "series": [
                {"label": _("Completion"), "data": [m.task_percent for m in data.measures], "color": "#12b76a"},
            ],
        },
    }


@require_GET
@login_required
def matrix(request: AuthedRequest) -> HttpResponse:
    """Units × measures, filtered, sorted and ranked in SQL, 50 rows a page."""
    campaign, rule = _dashboard(request)
    filters = UnitFilters.from_query(request.GET)
    measures = list(Measure.objects.all())
    sorted_by = selectors.sort_measures(filters, measures)
    units = selectors.unit_rollups(
        user=request.user, campaign=campaign, rule=rule, filters=filters, measures=sorted_by, ranked=False
    )
    count = selectors.matrix_count(user=request.user, campaign=campaign, rule=rule, filters=filters)
    page = CountedPaginator(units, MATRIX_PAGE_SIZE, count=count).get_page(request.GET.get("page"))
    shown = list(page)
    selectors.rank_page(shown, user=request.user, campaign=campaign, rule=rule, filters=filters)
    scores = scores_by_unit(user=request.user, campaign=campaign, today=rule.today, units=shown)
    for unit in shown:
        unit.assessment = scores.get(unit.pk)  # shown in the row
    context = {
        "campaign": campaign,
        "filters": filters,
        "measures": measures,
        "page": page,
        "rows": _with_extensions(selectors.matrix_rows(shown, campaign=campaign, rule=rule, measures=measures)),
        "columns": _columns(filters, measures),
        "export_query": urlencode(filters.query()),
    }
    if request.htmx:
        return render(request, f"{MATRIX_PAGE}#matrix", context)
    context["categories"] = selectors.category_options()
    context["areas"] = selectors.area_options(user=request.user, selected=filters.under)
    context["lights"] = [(light.value, light.label) for light in GROUP_LIGHTS]
    return render(request, MATRIX_PAGE, context)


def _with_extensions(rows: list) -> list:
    """Note on each unit of the page how many extensions it was granted (one query)."""
    counts = extension_counts(unit_ids=[unit.pk for unit, _cells in rows]) if rows else {}
    for unit, _cells in rows:
        unit.extensions = counts.get(unit.pk, 0)
    return rows


def _columns(filters: UnitFilters, measures: list[Measure]) -> list[dict]:
    """Sortable column headers: label, link and the current direction for aria-sort."""
    keys = [
        ("rank", _("Rank")),
        ("unit", _("Unit")),
        ("light", _("Light")),
        ("percent", _("Completion")),
        ("red", _("Red")),
        ("yellow", _("Yellow")),
        ("score", _("Score")),
    ] + [(f"m-{m.code}", m.name) for m in measures]
    columns = []
    for key, label in keys:
        direction = "ascending" if filters.sort == key else "descending" if filters.sort == f"-{key}" else ""
        columns.append({"key": key, "label": label, "query": urlencode(filters.sort_link(key)), "direction": direction})
    return columns


def _xlsx(handle, name: str, campaign: Campaign, rule: LightRule) -> FileResponse:
    return FileResponse(
        handle, as_attachment=True, filename=f"{name}-{campaign.code}-{rule.today:%Y%m%d}.xlsx", content_type=XLSX
    )


@require_http_methods(["GET", "POST"])
@login_required
def matrix_export(request: AuthedRequest) -> HttpResponseBase:
    """The matrix as filtered and sorted on screen (same query string), every row, as .xlsx."""
    campaign, rule = _dashboard(request)
    filters = UnitFilters.from_query(request.GET)
    measures = list(Measure.objects.all())
    units = selectors.unit_rollups(user=request.user, campaign=campaign, rule=rule, filters=filters, measures=measures)

    def inline() -> FileResponse:
        handle = exports.matrix_workbook(units=units.iterator(chunk_size=exports.CHUNK), measures=measures)
        return _xlsx(handle, "matrix", campaign, rule)

    params = {"campaign": campaign.pk, "query": filters.query()}
    return _export(request, kind=jobs.MATRIX_EXPORT, rows=units.count(), params=params, inline=inline)


@require_http_methods(["GET", "POST"])
@login_required
def ledger_export(request: AuthedRequest) -> HttpResponseBase:
    """The task ledger of the user's whole scope as .xlsx."""
    campaign, rule = _dashboard(request)
    tasks = selectors.ledger_tasks(user=request.user, campaign=campaign, rule=rule)

    def inline() -> FileResponse:
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as target:
            exports.ledger_xlsx(path=target.name, tasks=tasks)
            handle = open(target.name, "rb")  # FileResponse closes it; the name is gone already
        return _xlsx(handle, "ledger", campaign, rule)

    return _export(
        request, kind=jobs.LEDGER_EXPORT, rows=tasks.count(), params={"campaign": campaign.pk}, inline=inline
    )


def _export(
    request: AuthedRequest, *, kind: str, rows: int, params: dict[str, Any], inline: Callable[[], FileResponse]
) -> HttpResponseBase:
    """A small export is the file at once; a large one asks to start a background job (POST), then
    shows its progress. Without this a 100,000-row ledger held a web worker past its timeout."""
    if rows <= exports.INLINE_MAX_ROWS and request.method == "GET":
        return inline()
    if request.method == "POST":
        job = job_start(kind=kind, owner=request.user, params=params, total=rows)
        if request.htmx:
            return push_url(render(request, "jobs/job_detail.html#progress", {"job": job}), job.get_absolute_url())
        return redirect(job)
    context = {"label": label_of(kind), "rows": rows, "recent": latest_job(user=request.user, kind=kind)}
    return render(request, EXPORT_PAGE, context)
