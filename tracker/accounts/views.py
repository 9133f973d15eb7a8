"""The page shown while a username is locked out on this device (django-axes calls it)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

LOCKED_OUT = 429


def lockout(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """Same page, same status for a real and an unknown username: the lockout reveals nothing."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/lockout.html", {"minutes": minutes}, status=LOCKED_OUT)
