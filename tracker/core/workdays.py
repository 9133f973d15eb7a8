"""Working days after the official PRC calendar, including make-up workdays (调休).

Order of authority: the office's overrides (`WorkdayOverride`, edited in the admin), then
`chinese_calendar` for the years the State Council has published, then Monday–Friday, the
best guess before a year's calendar is announced.

The overrides table is tiny and read on every light computation, so each process keeps it in
memory for a minute; a save or delete in this process forgets it at once, and the reminder
sweep reloads it before deciding anything.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import chinese_calendar

OVERRIDES_TTL_SECONDS = 60.0

_memo: tuple[float, dict[date, bool]] | None = None


def overrides() -> dict[date, bool]:
    """The office's overrides, date → is a working day."""
    global _memo
    now = time.time()
    if _memo is None or _memo[0] < now:
        from tracker.core.models import WorkdayOverride  # the app registry is ready by the first call

        _memo = (now + OVERRIDES_TTL_SECONDS, dict(WorkdayOverride.objects.values_list("date", "is_workday")))
    return _memo[1]


def forget_overrides() -> None:
    global _memo
    _memo = None


def prime_overrides(mapping: dict[date, bool], *, ttl: float = OVERRIDES_TTL_SECONDS) -> None:
    """Use `mapping` without reading the table (the test suite starts every test from an empty one)."""
    global _memo
    _memo = (time.time() + ttl, dict(mapping))


def is_workday(day: date) -> bool:
    override = overrides().get(day)
    if override is not None:
        return override
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_workdays(start: date, count: int) -> date:
    """The date `count` working days after `start` (start itself not counted); before it when `count` < 0."""
    step = timedelta(days=1 if count >= 0 else -1)
    day = start
    remaining = abs(count)
    while remaining > 0:
        day += step
        if is_workday(day):
            remaining -= 1
    return day


def workdays_between(start: date, end: date) -> int:
    """How many working days fall after `start` up to and including `end` (0 if end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_workday(day):
            count += 1
    return count


def next_workday(day: date) -> date:
    """`day` itself when it is a working day, otherwise the first working day after it."""
    while not is_workday(day):
        day += timedelta(days=1)
    return day
