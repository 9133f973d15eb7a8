"""Tasks and ledgers are one (一表通): a ledger row counts towards the unit's matching tasks.

A template names a ledger and an optional filter (campaigns.TaskTemplate.ledger / ledger_filter).
After every write to a ledger row, `tasks_sync` recounts the unit's matching rows for each such
task (within the task's month for monthly templates), sets its progress, and keeps one timeline
entry per counted row, so the task page, the lights and the unit page see the ledger without
anyone typing the same fact twice. A task that is submitted or done is left as the reviewer saw it.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tracker.campaigns.models import Ledger
from tracker.core.history import stamp_change
from tracker.core.types import User
from tracker.ledgers.models import LedgerEntryLink, LedgerRow
from tracker.work.models import Entry, Task, TaskStatus


def filter_q(ledger_filter: dict) -> Q:
    """The template's filter as a query: a list value means any of its values."""
    q = Q()
    for name, value in (ledger_filter or {}).items():
        q &= Q(**{f"{name}__in": value}) if isinstance(value, list) else Q(**{name: value})
    return q


def _matches(row: LedgerRow, ledger_filter: dict) -> bool:
    for name, value in (ledger_filter or {}).items():
        wanted = value if isinstance(value, list) else [value]
        if str(getattr(row, name)) not in {str(v) for v in wanted}:
            return False
    return True


def _in_period(task: Task, day: date) -> bool:
    if task.period_starts_on is None:
        return True
    return task.period_starts_on <= day <= (task.period_ends_on or day)


def _count(task: Task, model: type[LedgerRow]) -> int:
    assert task.template is not None  # a task counted from a ledger comes from a template
    rows = model.objects.filter(unit_id=task.unit_id, campaign_id=task.campaign_id).filter(
        filter_q(task.template.ledger_filter)
    )
    if task.period_starts_on is not None:
        date_lookup = model.DATE_FIELD or "created_at__date"
        rows = rows.filter(**{f"{date_lookup}__range": (task.period_starts_on, task.period_ends_on)})
    return rows.count()


def _entry_text(row: LedgerRow) -> str:
    # Stored text, read later by everyone: written in the campaign's language, not the writer's.
    with translation.override(settings.LANGUAGE_CODE):
        return _("Recorded in the ledger “%(ledger)s”: %(row)s") % {
            "ledger": Ledger(row.LEDGER).label,
            "row": row.summary(),
        }


def tasks_sync(*, row: LedgerRow, by: User) -> list[Task]:
    """Bring the unit's tasks counted from this row's ledger up to date; returns the tasks changed.

    Call inside the transaction that wrote the row: the tasks are locked while they are recounted.
    """
    model = type(row)
    ledger = model.LEDGER
    # of=("self",): lock the task rows only, not the joined template.
    tasks = list(
        Task.objects.select_for_update(of=("self",))
        .filter(
            campaign_id=row.campaign_id,
            unit_id=row.unit_id,
            template__ledger=ledger,
            template__is_active=True,
        )
        .select_related("template", "campaign")
        .order_by("id")
    )
    if not tasks:
        return []
    links = {
        link.task_id: link
        for link in LedgerEntryLink.objects.filter(ledger=ledger, row_id=row.pk, task__in=tasks).select_related("entry")
    }
    day = row.ledger_date()
    changed = []
    for task in tasks:
        if not task.is_open:
            continue
        assert task.template is not None  # selected by its template's ledger
        counts = row.deleted_at is None and _matches(row, task.template.ledger_filter) and _in_period(task, day)
        count = _count(task, model)
        progress = min(100, count * 100 // max(1, task.template.target_count))
        link = links.get(task.pk)
        if counts and link is None:
            occurred_on = min(max(day, task.campaign.starts_on), timezone.localdate())
            entry = Entry.objects.create(
                task=task, author=by, occurred_on=occurred_on, text=_entry_text(row), percent=progress
            )
            LedgerEntryLink.objects.create(task=task, entry=entry, ledger=ledger, row_id=row.pk)
            task.entry_count += 1
            task.last_activity_on = max(task.last_activity_on, occurred_on)
            task.last_entry_on = max(task.last_entry_on or occurred_on, occurred_on)
        elif not counts and link is not None:
            link.entry.delete()  # the link goes with it; the entry's history keeps what it said
            task.entry_count = max(0, task.entry_count - 1)
            task.last_entry_on = Entry.objects.filter(task=task).aggregate(last=Max("occurred_on"))["last"]
        elif progress == task.progress:
            continue
        task.progress = progress
        if task.status == TaskStatus.TODO and count:
            task.status = TaskStatus.IN_PROGRESS
        stamp_change(task, by=by, reason=f"ledger {ledger} #{row.pk}")
        task.save()
        changed.append(task)
    return changed
