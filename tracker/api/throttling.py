"""Requests per person (per token's owner) and period: API_RATE, e.g. "600/hour" (429 beyond)."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle


class PersonRateThrottle(UserRateThrottle):
    def get_rate(self) -> str | None:
        # Read at request time (DRF's own class reads the setting once, at import).
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
