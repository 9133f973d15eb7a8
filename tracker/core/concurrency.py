"""Optimistic locking, one rule for every versioned row (tasks, ledger rows).

A page carries the `version` of the row it shows; a write from it re-reads the row under a row
lock and is refused when the version moved on, instead of silently overwriting what someone else
saved meanwhile. Views turn the refusal into a 409 that shows the current state and what changed.
"""

from __future__ import annotations

from typing import Any

# The HTTP status every view answers a stale write with.
CONFLICT_STATUS = 409


class StaleVersion(Exception):
    """The row changed since the user loaded it; the save would overwrite someone else's change."""

    def __init__(self, current: Any, seen_version: int):
        super().__init__(f"stale version {seen_version}, now {current.version}")
        self.current = current
        self.seen_version = seen_version


def check_version(locked: Any, expected_version: int | None) -> None:
    """Refuse a write from a page that showed an older version of `locked` (re-read under a row lock).

    `expected_version=None` is a write that does not come from a page (a job, a command, a sync).
    """
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(locked, expected_version)
