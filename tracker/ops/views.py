"""/healthz for load balancers and monitoring (open to anyone, it says nothing secret), and the
office's audit page and export for the security officer."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tracker.core.types import AuthedRequest
from tracker.ops.audit import Period, audit_workbook, per_day, refused
from tracker.ops.health import health_check
from tracker.orgs.scope import scope_for

DEFAULT_DAYS = 30
MAX_DAYS = 366
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    health = health_check()
    return JsonResponse(health.as_json(), status=503 if health.status == "down" else 200)


def _period(request: AuthedRequest) -> tuple[Period, bool]:
    """The period asked for (?from=&to=, ISO dates), or the last 30 days; False when it was corrected."""
    default = Period.last_days(DEFAULT_DAYS)
    try:
        start = date.fromisoformat(request.GET.get("from", "")) if request.GET.get("from") else default.start
        end = date.fromisoformat(request.GET.get("to", "")) if request.GET.get("to") else default.end
    except ValueError:
        return default, False
    if start > end or (end - start).days >= MAX_DAYS:
        return default, False
    return Period(start=start, end=end), True


def _security_officer(request: AuthedRequest) -> None:
    if not scope_for(request.user).manages_units:
        raise PermissionDenied


@require_GET
@login_required
def audit(request: AuthedRequest) -> HttpResponse:
    _security_officer(request)
    period, valid = _period(request)
    context = {
        "period": period,
        "valid": valid,
        "days": per_day(user=request.user, period=period),
        "latest": refused(user=request.user, period=period)[:50],
    }
    return render(request, "ops/audit.html", context)


@require_GET
@login_required
def audit_export(request: AuthedRequest) -> HttpResponse:
    _security_officer(request)
    period, _valid = _period(request)
    response = HttpResponse(audit_workbook(user=request.user, period=period), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="audit-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"'
    return response
