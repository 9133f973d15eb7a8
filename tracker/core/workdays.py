"""Working days after the official PRC calendar, including make-up workdays (调休).

`chinese_calendar` knows the State Council's published years; for any other year we fall back
to Monday–Friday, which is the best guess before the calendar is announced.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar


def is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_workdays(start: date, count: int) -> date:
    """The date `count` working days after `start` (start itself not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day
