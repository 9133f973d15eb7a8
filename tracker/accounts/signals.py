"""Stamp the session at login, so SessionLimitsMiddleware can enforce idle and absolute timeouts."""

from __future__ import annotations

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from tracker.core.types import User

LOGIN_AT = "tracker_login_at"
SEEN_AT = "tracker_seen_at"


@receiver(user_logged_in, dispatch_uid="tracker.accounts.stamp_session")
def stamp_session(sender, request, user: User, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now
