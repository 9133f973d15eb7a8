"""Session limits: idle and absolute timeouts, and the end of a disabled account's sessions.

Django already refuses a disabled account (ModelBackend.get_user returns None for an inactive
user) but leaves its session row behind; here that session is destroyed on its next use, on
every device, so "disabled" means "logged out everywhere" at once, not at cookie expiry.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect

from tracker.accounts.signals import LOGIN_AT, SEEN_AT

log = logging.getLogger("tracker.access")


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self._enforce(request)
        response = self.get_response(request)
        return self._htmx_login_redirect(request, response)

    def _enforce(self, request) -> None:
        session = request.session
        # Only a request with a session cookie can be logged in; others cost no query here.
        if not session.session_key:
            return
        if not request.user.is_authenticated:
            if BACKEND_SESSION_KEY in session:
                log.info("session of a disabled or deleted account ended")
                session.flush()
            return
        now = int(time.time())
        login_at = session.get(LOGIN_AT, now)
        seen_at = session.get(SEEN_AT, login_at)
        if now - seen_at > settings.SESSION_IDLE_TIMEOUT or now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT:
            log.info("session of user %s timed out", request.user.pk)
            logout(request)  # also makes request.user anonymous
            return
        if LOGIN_AT not in session:
            session[LOGIN_AT] = login_at  # a session from before these limits: its clock starts now
        if now - seen_at >= settings.SESSION_ACTIVITY_RESOLUTION:
            session[SEEN_AT] = now

    @staticmethod
    def _htmx_login_redirect(request, response):
        """An htmx request sent to the login page reloads the page instead of swapping the form in."""
        if getattr(request, "htmx", False) and response.status_code == 302:
            login_url = resolve_url(settings.LOGIN_URL)
            if response.get("Location", "").startswith(login_url):
                return HttpResponseClientRedirect(response["Location"])
        return response
