"""The city office's campaign page: create a campaign (from seeds/ or a clone), add batches, close it.

It lives in `work`, not `campaigns`, because adding a batch generates its units' tasks.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tracker.campaigns import services as campaign_services
from tracker.campaigns.models import Campaign
from tracker.campaigns.seeding import SEEDS_DIR, campaign_seed
from tracker.campaigns.selectors import campaigns_editable
from tracker.core.types import AuthedRequest
from tracker.work.campaign_forms import BatchForm, CampaignCreateForm
from tracker.work.instantiation import tasks_follow_windows, tasks_generate

PAGE = "work/campaigns.html"


def _require_city_office(request: AuthedRequest) -> None:
    if not campaigns_editable(request.user):
        raise PermissionDenied


def _page(request: AuthedRequest, *, create=None, batch=None, batch_for=None, status=200) -> HttpResponse:
    campaigns = Campaign.objects.prefetch_related("batches").order_by("-starts_on")
    context = {
        "campaigns": campaigns,
        "create_form": create or CampaignCreateForm(),
        "batch_form": batch or BatchForm(),
        "blank_batch_form": BatchForm(),
        "batch_for": batch_for,
    }
    return render(request, PAGE, context, status=status)


@require_GET
@login_required
def campaigns(request: AuthedRequest) -> HttpResponse:
    _require_city_office(request)
    return _page(request)


@require_POST
@login_required
def campaign_create(request: AuthedRequest) -> HttpResponse:
    _require_city_office(request)
    form = CampaignCreateForm(request.POST)
    if not form.is_valid():
        return _page(request, create=form, status=422)
    data = form.cleaned_data
    kind, _sep, ref = data["source"].partition(":")
    try:
        if kind == "seed":
            campaign = campaign_seed(
                path=SEEDS_DIR / ref,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                code=data["code"],
                name_zh=data["name_zh"],
            ).campaign
        else:
            campaign = campaign_services.campaign_clone(
                source=get_object_or_404(Campaign, pk=int(ref)),
                code=data["code"],
                name_zh=data["name_zh"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                by=request.user,
            )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _page(request, create=form, status=422)
    messages.success(request, _("%(name)s created; add its batches and units.") % {"name": campaign.name})
    return redirect("work:campaigns")


@require_POST
@login_required
def batch_create(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_city_office(request)
    campaign = get_object_or_404(Campaign, pk=pk)
    form = BatchForm(request.POST)
    if not form.is_valid():
        return _page(request, batch=form, batch_for=campaign, status=422)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            batch = campaign_services.batch_create(
                campaign=campaign,
                code=data["code"],
                name_zh=data["name_zh"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                order=campaign.batches.count(),
            )
            unit_ids = campaign_services.units_matching(
                categories=data["categories"], area=data["area"], unit_ids=data["unit_codes"]
            )
            campaign_services.participation_set(campaign=campaign, unit_ids=unit_ids, batch=batch)
            created = tasks_generate(campaign=campaign)
            tasks_follow_windows(campaign=campaign, unit_ids=unit_ids)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _page(request, batch=form, batch_for=campaign, status=422)
    messages.success(
        request,
        _("%(batch)s added with %(units)d units; %(tasks)d tasks created.")
        % {"batch": batch.name, "units": len(unit_ids), "tasks": created},
    )
    return redirect("work:campaigns")


@require_POST
@login_required
def campaign_close(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_city_office(request)
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        campaign_services.campaign_close(campaign=campaign, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("%(name)s closed: it is kept as a read-only archive.") % {"name": campaign.name})
    return redirect("work:campaigns")
