"""Holds on a task's entries that apps above work place (work cannot import them).

A 交办 (tracker.directives) takes no entries before the unit has acknowledged it (签收): the
directives app registers a check here in its AppConfig.ready, `entry_add` refuses while a check
returns a hold, and the task page shows the hold and the step that lifts it instead of the form.
The truth (was it acknowledged?) stays with the app that owns it; work only asks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tracker.work.models import Task


@dataclass(frozen=True)
class Hold:
    """Why no entry may be added to the task yet, and the POST that lifts the hold."""

    reason: str
    action_url: str
    action_label: str


EntryCheck = Callable[[Task], Hold | None]
_checks: list[EntryCheck] = []


def register_entry_check(check: EntryCheck) -> None:
    if check not in _checks:
        _checks.append(check)


def entry_hold(task: Task) -> Hold | None:
    """The first hold on the task's entries, or None when entries may be added."""
    for check in _checks:
        if hold := check(task):
            return hold
    return None
