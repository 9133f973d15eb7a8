"""The lockout check of django-axes, in front of Django's own ModelBackend."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check, skipped when there is no request.

    Every web login (the login page, the admin) passes its request, so lockout always applies
    to what an attacker can reach. Without a request there is no address to count against
    (a shell, a management command, a Celery task checking a password); axes would raise
    instead of answering, so such calls go straight to ModelBackend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
