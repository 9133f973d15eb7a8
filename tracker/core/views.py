"""Landing: send each role to where its work is."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tracker.orgs.scope import scope_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if len(scope.edit_unit_ids) == 1:
        # Unit staff and unit leaders work on their unit's tasks; the leader's summary is one click away.
        return redirect("work:unit_detail", pk=next(iter(scope.edit_unit_ids)))
    if scope.sees_dashboards:
        return redirect("dashboards:overview")
    if scope.review_paths or scope.review_unit_ids or scope.is_superuser:
        return redirect("work:review_queue")
    if scope.read_paths or scope.read_unit_ids:
        return redirect("orgs:unit_list")
    return render(request, "core/no_role.html")
