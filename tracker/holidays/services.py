"""Writing a year's holiday arrangement: the overrides and the record that the year is entered."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from tracker.core import workdays
from tracker.core.history import stamp_change
from tracker.core.models import CalendarYear, WorkdayOverride
from tracker.core.types import User
from tracker.holidays.notice import Day
from tracker.holidays.selectors import calendar_editable


def calendar_year_enter(*, year: int, days: list[Day], by: User, source: str) -> CalendarYear:
    """Make `days` the year's arrangement: the year's overrides become exactly these, each change in history."""
    if not calendar_editable(by):
        raise PermissionDenied
    if any(d.day.year != year for d in days):
        raise ValueError("every day must lie in the year")
    with transaction.atomic():
        wanted = {d.day: d for d in days}
        # One row at a time, so simple_history records who changed or removed which day.
        for override in WorkdayOverride.objects.select_for_update().filter(date__year=year):
            day = wanted.pop(override.date, None)
            if day is None:
                stamp_change(override, by=by)
                override.delete()
            elif (override.is_workday, override.note) != (day.is_workday, day.note):
                override.is_workday, override.note = day.is_workday, day.note
                stamp_change(override, by=by)
                override.save(update_fields=["is_workday", "note", "updated_at"])
        for day in wanted.values():
            override = WorkdayOverride(date=day.day, is_workday=day.is_workday, note=day.note)
            stamp_change(override, by=by)
            override.save()
        entry = CalendarYear.objects.select_for_update().filter(year=year).first() or CalendarYear(year=year)
        entry.source, entry.entered_by = source, by
        stamp_change(entry, by=by)
        entry.save()
    workdays.forget_overrides()
    return entry
