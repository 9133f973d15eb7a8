"""The office's calendar page: which years are known, and entering a year's holidays with a preview."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tracker.core.types import AuthedRequest
from tracker.holidays import selectors, services
from tracker.holidays.forms import CalendarYearForm
from tracker.orgs.scope import scope_for

PAGE = "holidays/calendar.html"


def _require_editor(request: AuthedRequest) -> None:
    if not selectors.calendar_editable(request.user):
        raise PermissionDenied


def _require_office(request: AuthedRequest) -> None:
    if not scope_for(request.user).manages_units:
        raise PermissionDenied


def _page(request: AuthedRequest, form: CalendarYearForm, *, status: int = 200, preview=None) -> HttpResponse:
    year = form.cleaned_data.get("year") if form.is_bound and hasattr(form, "cleaned_data") else None
    year = year or form.initial.get("year")
    context = {
        "can_edit": selectors.calendar_editable(request.user),
        "form": form,
        "years": selectors.year_statuses(),
        "preview": preview,
        "year": year,
        "overrides": selectors.year_overrides(year=year) if year else [],
    }
    return render(request, PAGE, context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def calendar(request: AuthedRequest) -> HttpResponse:
    """GET: the years and the entry form (any office reads it). POST: a preview of what the year changes."""
    if request.method == "GET":
        _require_office(request)
        missing = [status.year for status in selectors.year_statuses() if status.missing]
        return _page(request, CalendarYearForm(initial={"year": missing[0] if missing else timezone.localdate().year}))
    _require_editor(request)
    form = CalendarYearForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=422)
    data = form.cleaned_data
    preview = selectors.calendar_preview(user=request.user, year=data["year"], days=data["days"])
    return _page(request, form, preview=preview)


@require_POST
@login_required
def calendar_save(request: AuthedRequest) -> HttpResponse:
    """Write the previewed year (the same text, parsed again): overrides and the year's record, with history."""
    _require_editor(request)
    form = CalendarYearForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=422)
    data = form.cleaned_data
    services.calendar_year_enter(year=data["year"], days=data["days"], by=request.user, source=data["source"])
    messages.success(request, _("The holidays of %(year)s are saved.") % {"year": data["year"]})
    return redirect("holidays:calendar")
