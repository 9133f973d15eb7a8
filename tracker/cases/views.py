"""The 典型案例 page (everyone in scope), proposing a task or deed, and the office's decision."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker.campaigns.selectors import current_campaign_or_404
from tracker.cases import selectors, services
from tracker.cases.access import access_case, access_proposable_deed, access_proposable_task
from tracker.cases.forms import DecideForm, ProposeForm
from tracker.core.concurrency import CONFLICT_STATUS, StaleVersion
from tracker.core.types import AuthedRequest

PAGE_SIZE = 30


def _list_page(request: AuthedRequest, *, status: int = 200, stale: bool = False) -> HttpResponse:
    campaign = current_campaign_or_404()
    featured = Paginator(selectors.featured_cases(user=request.user, campaign=campaign), PAGE_SIZE)
    context = {
        "campaign": campaign,
        "page": featured.get_page(request.GET.get("page")),
        "proposals": selectors.proposals(user=request.user, campaign=campaign),
        "stale": stale,
    }
    return render(request, "cases/case_list.html", context, status=status)


@require_GET
@login_required
def case_list(request: AuthedRequest) -> HttpResponse:
    return _list_page(request)


def _propose(request: AuthedRequest, *, subject, back: str, **kind) -> HttpResponse:
    form = ProposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_propose(by=request.user, citation=form.cleaned_data["citation"], **kind)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("cases:list")
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "subject": subject, "back": back}
    return render(request, "cases/case_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def task_propose(request: AuthedRequest, pk: int) -> HttpResponse:
    task = access_proposable_task(request.user, pk)
    return _propose(request, subject=task, back=reverse("work:task_detail", args=[task.pk]), task=task)


@require_http_methods(["GET", "POST"])
@login_required
def deed_propose(request: AuthedRequest, pk: int) -> HttpResponse:
    deed = access_proposable_deed(request.user, pk)
    back = reverse("ledgers:row_detail", args=["deeds", deed.pk])
    return _propose(request, subject=deed, back=back, deed=deed)


@require_POST
@login_required
def case_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk, "manage")
    form = DecideForm(request.POST)
    if not form.is_valid():
        return _list_page(request, status=422)
    try:
        services.case_decide(
            case=case,
            by=request.user,
            feature=form.cleaned_data["feature"],
            note=form.cleaned_data["note"],
            version=form.cleaned_data["version"],
        )
    except StaleVersion:
        return _list_page(request, status=CONFLICT_STATUS, stale=True)
    return redirect("cases:list")
