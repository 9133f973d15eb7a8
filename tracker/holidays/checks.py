"""System check: a campaign year whose holidays nobody has entered counts them as working days."""

from __future__ import annotations

from typing import Any

from django.core.checks import Warning, register
from django.db import DatabaseError


@register()
def unknown_calendar_years(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    from tracker.holidays.selectors import missing_years

    try:
        years = missing_years()
    except DatabaseError:  # no tables yet (before the first migrate)
        return []
    return [
        Warning(
            f"The working-day calendar does not know {year}: an active campaign runs into it, and its public "
            "holidays are counted as working days.",
            hint=f"The city office enters the State Council's {year} holiday notice on the calendar page (/calendar/).",
            id="holidays.W001",
        )
        for year in years
    ]
