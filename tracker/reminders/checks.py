"""System check: links in mail must point at an address this app answers to.

Mail is composed by the Celery worker, outside any request, so its links are built from
SITE_URL alone; a host the app does not serve gives every recipient a dead link.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register
from django.http.request import validate_host


@register("reminders")
def check_site_url(**kwargs) -> list[CheckMessage]:
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [
            Warning(
                f"SITE_URL {settings.SITE_URL!r} is not an absolute http(s) address.",
                hint="Set SITE_URL to the address people open the app at, e.g. https://tracker.example.gov.cn.",
                id="reminders.W001",
            )
        ]
    if not validate_host(parts.hostname, settings.ALLOWED_HOSTS):
        return [
            Warning(
                f"SITE_URL's host {parts.hostname!r} is not in ALLOWED_HOSTS: links in mail would not open.",
                hint="Set SITE_URL to the address the app is served at (make run sets it from PORT).",
                id="reminders.W002",
            )
        ]
    return []
