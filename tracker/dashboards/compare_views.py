"""The comparison page: two campaigns or batches side by side, for whoever has dashboards."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tracker.campaigns.selectors import current_campaign
from tracker.core.types import AuthedRequest
from tracker.dashboards.selectors.compare import Side, comparison, side_for, side_options
from tracker.orgs.scope import log as access_log
from tracker.orgs.scope import scope_for


def _defaults(options: list[Side]) -> tuple[str, str]:
    """The campaign shown now against the one before it (or its own first batch)."""
    current = current_campaign()
    keys = [side.key for side in options if side.batch is None]
    first = f"c{current.pk}" if current and f"c{current.pk}" in keys else (keys[0] if keys else "")
    others = [key for key in keys if key != first] or [side.key for side in options if side.key != first]
    return first, others[0] if others else first


@require_GET
@login_required
def compare(request: AuthedRequest) -> HttpResponse:
    if not scope_for(request.user).sees_dashboards:
        access_log.warning("dashboard %s requested by user %s without a dashboard role", request.path, request.user.pk)
        raise Http404
    options = side_options()
    default_a, default_b = _defaults(options)
    chosen = [
        side_for(request.GET.get(name) or default, options) for name, default in (("a", default_a), ("b", default_b))
    ]
    sides = [side for side in chosen if side is not None]
    context = {
        "options": options,
        "sides": sides,
        "keys": [side.key for side in sides],
        "unknown": len(sides) < len(chosen),
        "result": comparison(user=request.user, sides=sides, today=timezone.localdate()) if sides else None,
    }
    return render(request, "dashboards/compare.html", context)
