"""Quiet hours: when a push may go out.

Nothing is pushed between NOTIFY_QUIET_START and NOTIFY_QUIET_END (local time; 22:00–07:30 by
default) nor on a day off (tracker.core.workdays); held pushes go at the end of the quiet hours
on the next working morning. An urgent item (a 督办 the campaign lets through) goes at once.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from tracker.core import workdays


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def is_quiet(moment: datetime) -> bool:
    local = timezone.localtime(moment)
    if not workdays.is_workday(local.date()):
        return True
    start, end = _clock(settings.NOTIFY_QUIET_START), _clock(settings.NOTIFY_QUIET_END)
    now = local.time()
    if start <= end:
        return start <= now < end
    return now >= start or now < end


def push_time(moment: datetime | None = None, *, urgent: bool = False) -> datetime:
    """`moment` (now by default) when a push may go then; otherwise the next working morning."""
    moment = moment or timezone.now()
    if urgent or not is_quiet(moment):
        return moment
    local = timezone.localtime(moment)
    end = _clock(settings.NOTIFY_QUIET_END)
    day = local.date()
    # Before the morning's end of quiet on a working day: that same morning; otherwise the next working day's.
    if not (workdays.is_workday(day) and local.time() < end):
        day = workdays.next_workday(day + timedelta(days=1))
    return timezone.make_aware(datetime.combine(day, end))
