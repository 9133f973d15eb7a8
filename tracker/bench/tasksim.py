"""One simulated task: its rows and history rows as the services would have written them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tracker.work.models import TaskStatus

TASK_FIELDS = (
    "id",
    "created_at",
    "updated_at",
    "campaign_id",
    "unit_id",
    "template_id",
    "measure_id",
    "period_index",
    "period_starts_on",
    "period_ends_on",
    "title",
    "description",
    "owner_id",
    "due_on",
    "status",
    "progress",
    "last_activity_on",
    "last_entry_on",
    "entry_count",
    "is_featured",
    "created_by_id",
    "version",
    "submitted_at",
)
HISTORY_FIELDS = ("history_date", "history_change_reason", "history_type", "history_user_id")
TASK_HISTORY_FIELDS = tuple(f for f in TASK_FIELDS if f != "updated_at") + HISTORY_FIELDS
ENTRY_FIELDS = ("id", "task_id", "author_id", "occurred_on", "text", "percent", "created_at")
ENTRY_HISTORY_FIELDS = ENTRY_FIELDS + HISTORY_FIELDS
EVENT_FIELDS = ("task_id", "kind", "actor_id", "note", "created_at")


@dataclass
class _TaskSim:
    """One task while it is being simulated: its initial state, its entries, events and end state."""

    campaign_id: int
    unit_id: int
    template_id: int | None
    measure_id: int
    measure_code: str
    period_index: int
    period_starts_on: date | None
    period_ends_on: date | None
    due_on: date
    weight: int  # records the template asks for: more of them, more entries
    diligence: float
    people: list[int]
    created_at: datetime
    initial_activity: date
    title: str = ""
    created_by: int | None = None
    id: int = 0
    owner: int | None = None
    status: str = TaskStatus.TODO
    progress: int = 0
    entry_count: int = 0
    last_activity: date | None = None
    last_entry: date | None = None
    submitted_at: datetime | None = None
    is_featured: bool = False
    version: int = 1
    updated_at: datetime | None = None
    last_actor: int | None = None
    entries: list[list] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)

    def finish(self, status: str, last_at: datetime, last_actor: int | None) -> None:
        self.status = status
        self.updated_at = last_at
        self.last_actor = last_actor
        if self.last_activity is None:
            self.last_activity = self.initial_activity

    def _row(self, *, initial: bool) -> tuple:
        if initial:
            state: tuple[Any, ...] = (None, TaskStatus.TODO, 0, self.initial_activity, 0, False, 1)
        else:
            state = (
                self.owner,
                self.status,
                self.progress,
                self.last_activity,
                self.entry_count,
                self.is_featured,
                self.version,
            )
        owner, status, progress, last_activity, entry_count, featured, version = state
        return (
            self.id,
            self.created_at,
            self.updated_at if not initial else self.created_at,
            self.campaign_id,
            self.unit_id,
            self.template_id,
            self.measure_id,
            self.period_index,
            self.period_starts_on,
            self.period_ends_on,
            self.title,
            "",
            owner,
            self.due_on,
            status,
            progress,
            last_activity,
            None if initial else self.last_entry,
            entry_count,
            featured,
            self.created_by,
            version,
            None if initial else self.submitted_at,
        )

    def row(self) -> tuple:
        return self._row(initial=False)

    def history(self) -> list[tuple]:
        """'+' as instantiation (or the self-chosen service) created it; '~' for where it ended."""
        created = self._row(initial=True)
        reason = "generated" if self.template_id else None
        rows = [(*created[:2], *created[3:], self.created_at, reason, "+", self.created_by)]
        final = self.row()
        if final[3:] != created[3:] or self.updated_at != self.created_at:
            rows.append((*final[:2], *final[3:], self.updated_at, None, "~", self.last_actor))
        return rows
