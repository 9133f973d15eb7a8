"""Working days after the official PRC calendar, including make-up workdays (调休).

Order of authority: the office's overrides (`WorkdayOverride`, entered on the office's calendar
page), then `chinese_calendar` for the years the State Council has published, then Monday–Friday,
the best guess before a year's calendar is announced. A year neither the package knows nor the
office has entered (`CalendarYear`) is *unknown*: its holidays are guessed, and the office is told.

The overrides table is tiny and read on every light computation, so each process keeps it (and
the entered years) in memory for a minute; a save or delete in this process forgets them at
once, and the reminder sweep reloads them before deciding anything.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import chinese_calendar

OVERRIDES_TTL_SECONDS = 60.0

_memo: tuple[float, dict[date, bool]] | None = None
_years_memo: tuple[float, frozenset[int]] | None = None

# The years whose State Council notice the installed chinese-calendar carries.
OFFICIAL_YEARS = frozenset(day.year for day in chinese_calendar.constants.holidays)


def overrides() -> dict[date, bool]:
    """The office's overrides, date → is a working day."""
    global _memo
    now = time.time()
    if _memo is None or _memo[0] < now:
        from tracker.core.models import WorkdayOverride  # the app registry is ready by the first call

        _memo = (now + OVERRIDES_TTL_SECONDS, dict(WorkdayOverride.objects.values_list("date", "is_workday")))
    return _memo[1]


def entered_years() -> frozenset[int]:
    """The years whose holiday arrangement the office has entered."""
    global _years_memo
    now = time.time()
    if _years_memo is None or _years_memo[0] < now:
        from tracker.core.models import CalendarYear

        _years_memo = (now + OVERRIDES_TTL_SECONDS, frozenset(CalendarYear.objects.values_list("year", flat=True)))
    return _years_memo[1]


def unknown_years(start: date, end: date) -> list[int]:
    """Years from `start` to `end` whose holidays nobody has told us: guessed as Monday–Friday."""
    known = OFFICIAL_YEARS | entered_years()
    return [year for year in range(start.year, end.year + 1) if year not in known]


def forget_overrides() -> None:
    global _memo, _years_memo
    _memo = None
    _years_memo = None


def prime_overrides(
    mapping: dict[date, bool], *, ttl: float = OVERRIDES_TTL_SECONDS, years: frozenset[int] = frozenset()
) -> None:
    """Use `mapping` (and `years` as entered) without reading the tables (each test starts from empty ones)."""
    global _memo, _years_memo
    _memo = (time.time() + ttl, dict(mapping))
    _years_memo = (time.time() + ttl, frozenset(years))


def is_workday(day: date) -> bool:
    override = overrides().get(day)
    if override is not None:
        return override
    return published_is_workday(day)


def published_is_workday(day: date) -> bool:
    """The day without the office's overrides: the State Council's calendar, or Monday–Friday."""
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
