"""The assessment score page (sortable, paged), its parameters form and its Excel export.

For everyone with dashboards, each over their own scope; unit staff get a 404 as on every
dashboard page. Only the city office changes the parameters (others: 403).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from tracker.campaigns.selectors import current_campaign_or_404
from tracker.core.concurrency import CONFLICT_STATUS, StaleVersion
from tracker.core.types import AuthedRequest
from tracker.orgs.access import is_city_office
from tracker.orgs.scope import scope_for
from tracker.scoring import exports, selectors, services
from tracker.scoring.forms import ScoreSettingsForm

_STALE = _("Someone else changed the parameters meanwhile; these are the current ones.")

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_dashboards(request: AuthedRequest) -> None:
    if not scope_for(request.user).sees_dashboards:
        raise Http404


@require_GET
@login_required
def scores(request: AuthedRequest) -> HttpResponse:
    _require_dashboards(request)
    return _page(request, form=None)


def _page(request: AuthedRequest, *, form: ScoreSettingsForm | None, status: int = 200) -> HttpResponse:
    campaign = current_campaign_or_404()
    settings = selectors.score_settings(campaign)
    sort = request.GET.get("sort", "-score")[:20]
    rows = selectors.unit_scores(user=request.user, campaign=campaign, today=timezone.localdate(), sort=sort)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    editable = is_city_office(request.user)
    context = {
        "campaign": campaign,
        "settings": settings,
        "page": page,
        "offset": page.start_index() - 1 if rows else 0,
        "sort": sort,
        "form": form or (ScoreSettingsForm(instance=settings) if editable else None),
        "sorts": selectors.SORTS,
    }
    return render(request, "scoring/scores.html", context, status=status)


@require_POST
@login_required
def settings_save(request: AuthedRequest) -> HttpResponse:
    _require_dashboards(request)
    if not is_city_office(request.user):
        raise PermissionDenied
    campaign = current_campaign_or_404()
    form = ScoreSettingsForm(request.POST, instance=selectors.score_settings(campaign))
    if not form.is_valid():
        return _page(request, form=form, status=422)
    try:
        services.score_settings_update(
            by=request.user,
            campaign=campaign,
            completion_weight=form.cleaned_data["completion_weight"],
            on_time_weight=form.cleaned_data["on_time_weight"],
            late_penalty=form.cleaned_data["late_penalty"],
            expected_version=form.cleaned_data["version"],
        )
    except StaleVersion:
        fresh = ScoreSettingsForm(instance=selectors.score_settings(campaign))
        fresh.add_error(None, _STALE)
        return _page(request, form=fresh, status=CONFLICT_STATUS)
    return redirect("scoring:scores")


@require_GET
@login_required
def export(request: AuthedRequest) -> FileResponse:
    _require_dashboards(request)
    campaign = current_campaign_or_404()
    today = timezone.localdate()
    rows = selectors.unit_scores(user=request.user, campaign=campaign, today=today, sort=request.GET.get("sort", ""))
    handle = exports.scores_workbook(scores=rows, settings=selectors.score_settings(campaign))
    return FileResponse(
        handle, as_attachment=True, filename=f"scores-{campaign.code}-{today:%Y%m%d}.xlsx", content_type=XLSX
    )
