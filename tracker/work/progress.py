"""A task's progress, status and counters: one rule, derived from the facts, written in one place.

The facts are the task's live entries (each written by a person, or made by a ledger row that
counts towards the task: `Entry.ledger`) and its review events. The rule (`derive`):

- status: the latest review event decides (submitted, accepted → done, returned); without one
  the task is in progress once it has a live entry, else not started;
- progress: 100 when done; otherwise the higher of the latest percentage a person set on a live
  entry (0 if none) and the ledger count, min(100, ledger entries × 100 // records needed), so a
  machine count never lowers a value a person set;
- entry_count, last_entry_on and last_activity_on from the live entries (a task without any keeps
  last_activity_on at the day it started, which is not derived from entries).

`task_recount` is the only writer of these fields: entry and review services and the ledger sync
call it after they changed the facts, under the task's row lock; it bumps `version`, so a page
showing the task before the change is refused (tracker.core.concurrency). `progress_check`
recomputes every task from scratch for `manage.py check_progress`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tracker.campaigns.models import Campaign
from tracker.core.history import stamp_change
from tracker.core.types import User
from tracker.work.models import Entry, EventKind, Task, TaskEvent, TaskStatus

# The latest of these review events (in the order they were written) sets the status.
WORKFLOW_STATUS: dict[str, TaskStatus] = {
    EventKind.SUBMITTED: TaskStatus.SUBMITTED,
    EventKind.ACCEPTED: TaskStatus.DONE,
    EventKind.RETURNED: TaskStatus.RETURNED,
}
DERIVED_FIELDS = ("progress", "status", "entry_count", "last_entry_on")


@dataclass(frozen=True)
class Facts:
    """What the rule reads: counts and latest values of a task's live entries and review events."""

    entry_count: int
    last_entry_on: date | None
    ledger_entries: int
    person_percent: int | None
    workflow_kind: str | None
    target_count: int


@dataclass(frozen=True)
class Derived:
    progress: int
    status: str
    entry_count: int
    last_entry_on: date | None


def ledger_percent(ledger_entries: int, target_count: int) -> int:
    """The share of the records a template needs that its ledger holds, capped at 100."""
    return min(100, ledger_entries * 100 // max(1, target_count))


def derive(facts: Facts) -> Derived:
    """The progress rule (see the module docstring and the README's "Progress")."""
    status = WORKFLOW_STATUS.get(facts.workflow_kind or "")
    if status is None:
        status = TaskStatus.IN_PROGRESS if facts.entry_count else TaskStatus.TODO
    if status == TaskStatus.DONE:
        progress = 100
    else:
        progress = max(facts.person_percent or 0, ledger_percent(facts.ledger_entries, facts.target_count))
    return Derived(
        progress=progress, status=str(status), entry_count=facts.entry_count, last_entry_on=facts.last_entry_on
    )


def _count(queryset: QuerySet) -> Coalesce:
    counted = queryset.order_by().values("task").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_facts(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Annotate each task with the facts the rule reads (one query, correlated subqueries)."""
    live = Entry.objects.filter(task=OuterRef("pk"))  # the default manager: live entries only
    events = TaskEvent.objects.filter(task=OuterRef("pk"), kind__in=list(WORKFLOW_STATUS))
    return tasks.annotate(
        f_entry_count=_count(live),
        f_last_entry_on=Subquery(live.order_by("-occurred_on").values("occurred_on")[:1]),
        f_ledger_entries=_count(live.exclude(ledger="")),
        f_person_percent=Subquery(live.filter(ledger="", percent__isnull=False).order_by("-id").values("percent")[:1]),
        f_workflow_kind=Subquery(events.order_by("-id").values("kind")[:1]),
        f_target_count=Coalesce("template__target_count", Value(1)),
    )


def _facts(row: Any) -> Facts:
    def get(name: str) -> Any:
        return row[name] if isinstance(row, dict) else getattr(row, name)

    return Facts(
        entry_count=get("f_entry_count"),
        last_entry_on=get("f_last_entry_on"),
        ledger_entries=get("f_ledger_entries"),
        person_percent=get("f_person_percent"),
        workflow_kind=get("f_workflow_kind"),
        target_count=get("f_target_count"),
    )


def task_facts(*, task: Task) -> Facts:
    return _facts(with_facts(Task.objects.filter(pk=task.pk)).get())


def task_recount(*, task: Task, by: User | None, reason: str | None = None) -> Task:
    """Derive the task's progress, status and counters from its facts and save it as a new version.

    Call inside the transaction that changed the facts, holding the task's row lock
    (`select_for_update`), after the entry or event is written. `reason` goes into the history.
    """
    derived = derive(task_facts(task=task))
    for name in DERIVED_FIELDS:
        setattr(task, name, getattr(derived, name))
    task.last_activity_on = derived.last_entry_on or timezone.localdate(task.created_at)
    task.version += 1
    stamp_change(task, by=by, reason=reason)
    task.save()
    return task


@dataclass(frozen=True)
class ProgressDifference:
    """A stored task field that differs from what the rule derives from the facts."""

    task_id: int
    unit_id: int
    field: str
    stored: Any
    expected: Any

    def __str__(self) -> str:
        return f"task {self.task_id} (unit {self.unit_id}): {self.field} is {self.stored!r}, expected {self.expected!r}"


def progress_check(*, campaign: Campaign, tasks: QuerySet[Task] | None = None) -> Iterator[ProgressDifference]:
    """Every task of the campaign against the rule, recomputed from its entries and events."""
    tasks = Task.objects.filter(campaign=campaign) if tasks is None else tasks
    names = ("pk", "unit_id", "last_activity_on", *DERIVED_FIELDS)
    rows = with_facts(tasks).order_by("pk").values(*names, *(f"f_{name}" for name in Facts.__dataclass_fields__))
    for row in rows.iterator(chunk_size=2000):
        derived = derive(_facts(row))
        for name in DERIVED_FIELDS:
            if row[name] != getattr(derived, name):
                yield ProgressDifference(row["pk"], row["unit_id"], name, row[name], getattr(derived, name))
        if derived.last_entry_on and row["last_activity_on"] != derived.last_entry_on:
            yield ProgressDifference(
                row["pk"], row["unit_id"], "last_activity_on", row["last_activity_on"], derived.last_entry_on
            )


@dataclass(frozen=True)
class ProgressSource:
    """Where a task's number comes from, for its page."""

    progress: int
    done_by: Any = None  # the reviewer who accepted it
    done_on: date | None = None
    ledger: str = ""  # the ledger's label when rows of a ledger count
    counted: int = 0
    target: int = 0
    counted_percent: int = 0
    person_entry: Entry | None = None  # the entry whose percentage is shown
    from_ledger: bool = False  # the ledger count is what is shown


def progress_source(*, task: Task, entries: Sequence[Entry], events: Sequence[TaskEvent]) -> ProgressSource:
    """The facts behind the task's progress (a review, a ledger count, a person's entry), from the
    live entries and the events the task page has already loaded: no further query."""
    people = [e for e in entries if not e.ledger and e.percent is not None]
    person = max(people, key=lambda e: e.pk, default=None)
    workflow = [e for e in events if e.kind in WORKFLOW_STATUS]
    latest_event = max(workflow, key=lambda e: e.pk, default=None)
    template = task.template if task.template_id else None
    facts = Facts(
        entry_count=len(entries),
        last_entry_on=max((e.occurred_on for e in entries), default=None),
        ledger_entries=sum(1 for e in entries if e.ledger),
        person_percent=person.percent if person else None,
        workflow_kind=latest_event.kind if latest_event else None,
        target_count=template.target_count if template else 1,
    )
    derived = derive(facts)
    if derived.status == TaskStatus.DONE:
        assert latest_event is not None  # done only by an accept event
        return ProgressSource(
            progress=100, done_by=latest_event.actor, done_on=timezone.localdate(latest_event.created_at)
        )
    counted_percent = ledger_percent(facts.ledger_entries, facts.target_count)
    ledger = str(template.get_ledger_display()) if template and template.ledger else ""
    return ProgressSource(
        progress=derived.progress,
        ledger=ledger,
        counted=facts.ledger_entries,
        target=facts.target_count,
        counted_percent=counted_percent,
        person_entry=person,
        from_ledger=bool(ledger) and counted_percent > 0 and counted_percent >= (facts.person_percent or 0),
    )
