"""Planned research (调研计划): a unit's plans with the crowding warning while planning, the research
calendar (week or month) with "suggest another date", and turning a plan into the visit record."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker.campaigns.selectors import current_campaign_or_404
from tracker.core.concurrency import StaleVersion
from tracker.core.types import AuthedRequest
from tracker.orgs.access import access_unit
from tracker.orgs.scope import scope_for
from tracker.people import selectors, services
from tracker.people.access import access_plan
from tracker.people.forms import PlanForm, RecordForm, SuggestForm
from tracker.people.models import PlannedVisit, PlanStatus

NEARBY_SHOWN = 10


@require_http_methods(["GET", "POST"])
@login_required
def plans(request: AuthedRequest, pk: int) -> HttpResponse:
    """A unit's planned visits, and the form to plan one (warned, naming the others, if crowded)."""
    unit = access_unit(request.user, pk, "edit" if request.method == "POST" else "view")
    campaign = current_campaign_or_404()
    form = PlanForm(request.POST or None)
    context: dict = {"unit": unit, "form": form, "can_edit": scope_for(request.user).can_edit(unit)}
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.planned_visit_create(
                unit=unit,
                campaign=campaign,
                by=request.user,
                site=data["site"],
                planned_on=data["planned_on"],
                leader_name=data["leader_name"],
                purpose=data["purpose"],
                confirm_crowding=request.POST.get("confirm_crowding") == "on",
                crowding_reason=data["crowding_reason"],
            )
        except services.PlanCrowded as exc:
            context["nearby"] = exc.nearby[:NEARBY_SHOWN]
            context["nearby_total"] = len(exc.nearby)
            if exc.reason_missing:
                form.add_error("crowding_reason", _("Give the reason this visit is still needed, then save again."))
            status = 409
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The visit is planned."))
            return redirect("people:plans", unit.pk)
    if form.errors and status == 200:
        status = 422
    context["plans"] = PlannedVisit.objects.filter(unit=unit, campaign=campaign).select_related("visit")
    context["record_form"] = RecordForm(initial={"visited_on": timezone.localdate()})
    return render(request, "people/plans.html", context, status=status)


def _back(plan: PlannedVisit, request: AuthedRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("people:plans", plan.unit_id)


@require_POST
@login_required
def plan_record(request: AuthedRequest, pk: int) -> HttpResponse:
    """The plan happened: it becomes the visit in the research ledger, site and leader carried over."""
    plan = access_plan(request.user, pk, "edit")
    form = RecordForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date of the visit."))
        return _back(plan, request)
    try:
        visit = services.planned_visit_record(
            plan=plan,
            by=request.user,
            visited_on=form.cleaned_data["visited_on"],
            findings=form.cleaned_data["findings"],
            expected_version=form.cleaned_data["version"],
        )
    except StaleVersion:
        messages.error(request, _("Someone changed this plan after you opened it. Reload the page."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The visit is recorded in the research ledger."))
        return redirect(visit.get_absolute_url())
    return _back(plan, request)


@require_POST
@login_required
def plan_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = access_plan(request.user, pk, "edit")
    try:
        services.planned_visit_cancel(plan=plan, by=request.user, expected_version=int(request.POST.get("version", 0)))
        messages.success(request, _("The plan is cancelled."))
    except (StaleVersion, ValueError):
        messages.error(request, _("Someone changed this plan after you opened it. Reload the page."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(plan, request)


@require_POST
@login_required
def plan_suggest(request: AuthedRequest, pk: int) -> HttpResponse:
    """The office or guidance group suggests another date to spread the visits."""
    plan = access_plan(request.user, pk, "review")
    form = SuggestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the suggested date."))
        return _back(plan, request)
    try:
        services.planned_visit_suggest(
            plan=plan,
            by=request.user,
            suggested_on=form.cleaned_data["suggested_on"],
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        )
        messages.success(request, _("Another date is suggested to the unit."))
    except StaleVersion:
        messages.error(request, _("Someone changed this plan after you opened it. Reload the page."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(plan, request)


def _period(request: AuthedRequest) -> tuple[str, date, date]:
    """The week (Monday to Sunday) or month around ?day=YYYY-MM-DD, today by default."""
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    if request.GET.get("view") == "month":
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return "month", start, end
    start = day - timedelta(days=day.weekday())
    return "week", start, start + timedelta(days=6)


@require_GET
@login_required
def calendar(request: AuthedRequest) -> HttpResponse:
    """The research calendar across units, for the office, guides and leaders (as the crowding page)."""
    scope = scope_for(request.user)
    if not scope.sees_crowding:
        raise PermissionDenied
    campaign = current_campaign_or_404()
    view, start, end = _period(request)
    step = timedelta(days=7) if view == "week" else timedelta(days=31)
    days = selectors.research_calendar(user=request.user, campaign=campaign, start=start, end=end)
    context = {
        "view": view,
        "start": start,
        "end": end,
        "previous": (start - step).isoformat(),
        "next": (end + timedelta(days=1)).isoformat(),
        "days": days,
        "empty": not any(day.plans or day.visits for day in days),
        "burden": selectors.site_burden(user=request.user, campaign=campaign),
        "can_suggest": scope.reviews_anything,
        "planned": PlanStatus.PLANNED,
        "path": request.get_full_path(),
    }
    return render(request, "people/calendar.html", context)
