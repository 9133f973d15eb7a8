"""/healthz for load balancers and monitoring; open to anyone, it says nothing secret."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tracker.ops.health import health_check


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    health = health_check()
    return JsonResponse(health.as_json(), status=503 if health.status == "down" else 200)
