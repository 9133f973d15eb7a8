"""Tasks and ledgers are one (一表通): a ledger row counts towards the unit's matching tasks.

A template names a ledger and an optional filter (campaigns.TaskTemplate.ledger / ledger_filter);
a row counts towards a task of such a template when it is live, belongs to the task's unit and
campaign, matches the filter and, for a monthly template, falls in the task's month. Each counting
row has one entry on the task's timeline (`Entry.ledger` set, linked by LedgerEntryLink), so the
task page, the lights and the unit page see the ledger without anyone typing the same fact twice.

After every write to a row, `tasks_sync` brings exactly the tasks the row counts towards, before
or after the write, up to date: their entries follow the row, and `work.progress.task_recount`
derives their progress. No other task is touched. `ledger_entries_check` compares the entries
with a recount of every ledger, for `manage.py check_progress`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tracker.campaigns.models import Campaign, Ledger
from tracker.core.history import stamp_change
from tracker.core.types import User
from tracker.ledgers.models import LedgerEntryLink, LedgerRow
from tracker.ledgers.registry import LEDGERS
from tracker.work.models import Entry, Task
from tracker.work.progress import ProgressDifference, progress_check, task_recount


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


def counts_towards(row: LedgerRow, task: Task) -> bool:
    """Whether the row is one of the records the task needs (the task's template is loaded)."""
    template = task.template
    return (
        row.deleted_at is None
        and template is not None
        and template.is_active
        and template.ledger == row.LEDGER
        and row.unit_id == task.unit_id
        and row.campaign_id == task.campaign_id
        and _matches(row, template.ledger_filter)
        and _in_period(task, row.ledger_date())
    )


def _entry_text(row: LedgerRow) -> str:
    # Stored text, read later by everyone: written in the campaign's language, not the writer's.
    with translation.override(settings.LANGUAGE_CODE):
        return _("Recorded in the ledger “%(ledger)s”: %(row)s") % {
            "ledger": Ledger(row.LEDGER).label,
            "row": row.summary(),
        }


def _save_entry(entry: Entry, by: User) -> None:
    stamp_change(entry, by=by)
    entry.save()


def _follow(row: LedgerRow, task: Task, link: LedgerEntryLink | None, counts: bool, by: User) -> bool:
    """Make the task's entry for this row say what the row says now; returns whether it changed."""
    if not counts:
        if link is None or link.entry.deleted_at is not None:
            return False
        link.entry.deleted_at, link.entry.deleted_by = timezone.now(), by
        _save_entry(link.entry, by)
        return True
    occurred_on = min(max(row.ledger_date(), task.campaign.starts_on), timezone.localdate())
    text = _entry_text(row)
    if link is None:
        entry = Entry(task=task, author=by, occurred_on=occurred_on, text=text, ledger=row.LEDGER)
        _save_entry(entry, by)
        LedgerEntryLink.objects.create(task=task, entry=entry, ledger=row.LEDGER, row_id=row.pk)
        return True
    entry = link.entry
    if entry.deleted_at is None and (entry.occurred_on, entry.text) == (occurred_on, text):
        return False
    entry.deleted_at, entry.deleted_by = None, None
    entry.occurred_on, entry.text = occurred_on, text
    _save_entry(entry, by)
    return True


def tasks_sync(*, row: LedgerRow, by: User) -> list[Task]:
    """Bring the tasks this row counts towards, now or before this write, up to date; returns them.

    Call inside the transaction that wrote the row: the tasks are locked while they are recounted.
    A task the row never counted towards is not read for writing, let alone saved.
    """
    ledger = row.LEDGER
    links = {
        link.task_id: link
        for link in LedgerEntryLink.objects.filter(ledger=ledger, row_id=row.pk).select_related("entry")
    }
    candidates = Task.objects.filter(campaign_id=row.campaign_id, unit_id=row.unit_id).filter(
        Q(template__ledger=ledger, template__is_active=True) | Q(pk__in=list(links))
    )
    # of=("self",): lock the task rows only, not the joined template and campaign.
    tasks = candidates.select_for_update(of=("self",)).select_related("template", "campaign").order_by("id")
    changed = []
    for task in tasks:
        counts = counts_towards(row, task)
        if not counts and task.pk not in links:
            continue  # never counted, does not count: not this row's task
        if _follow(row, task, links.get(task.pk), counts, by):
            task_recount(task=task, by=by, reason=f"ledger {ledger} #{row.pk}")
            changed.append(task)
    return changed


@dataclass(frozen=True)
class LedgerEntryDifference:
    """A ledger row that counts towards a task without a live entry on it, or the reverse."""

    ledger: str
    row_id: int
    task_id: int
    problem: str  # "missing": the row counts, no live entry; "extra": a live entry, the row does not count

    def __str__(self) -> str:
        return f"ledger {self.ledger} row {self.row_id} → task {self.task_id}: {self.problem} entry"


def ledger_entries_check(*, campaign: Campaign) -> Iterator[LedgerEntryDifference]:
    """Every ledger recounted: the rows counting towards each task against the task's live ledger entries."""
    tasks_by_unit: dict[tuple[str, int], list[Task]] = {}
    counted_tasks = (
        Task.objects.filter(campaign=campaign, template__ledger__gt="", template__is_active=True)
        .select_related("template")
        .order_by("id")
    )
    for task in counted_tasks.iterator(chunk_size=2000):
        assert task.template is not None  # selected by its template's ledger
        tasks_by_unit.setdefault((task.template.ledger, task.unit_id), []).append(task)
    live = {
        (ledger, row_id, task_id)
        for ledger, row_id, task_id in LedgerEntryLink.objects.filter(
            task__campaign=campaign, entry__deleted_at__isnull=True
        ).values_list("ledger", "row_id", "task_id")
    }
    expected = set()
    for ledger, spec in LEDGERS.items():
        for row in spec.model.objects.filter(campaign=campaign).iterator(chunk_size=2000):
            for task in tasks_by_unit.get((ledger, row.unit_id), ()):
                if counts_towards(row, task):
                    expected.add((ledger, row.pk, task.pk))
    for ledger, row_id, task_id in sorted(expected - live):
        yield LedgerEntryDifference(ledger, row_id, task_id, "missing")
    for ledger, row_id, task_id in sorted(live - expected):
        yield LedgerEntryDifference(ledger, row_id, task_id, "extra")
    # A live ledger entry without a link would count without any row behind it.
    unlinked = Entry.objects.filter(task__campaign=campaign).exclude(ledger="").filter(ledger_link__isnull=True)
    for entry_ledger, task_id in unlinked.values_list("ledger", "task_id"):
        yield LedgerEntryDifference(entry_ledger, 0, task_id, "unlinked")


def ledger_entries_fix(*, differences: list[LedgerEntryDifference], by: User | None) -> int:
    """Sync every row named in `differences` again; returns how many rows were synced."""
    rows = {(d.ledger, d.row_id) for d in differences if d.row_id}
    synced = 0
    for ledger, row_id in sorted(rows):
        row = LEDGERS[ledger].model.all_objects.select_related("created_by").get(pk=row_id)
        author = by or row.created_by
        if author is None:
            continue  # nobody to write its entries as: check_progress keeps reporting it for a person
        tasks_sync(row=row, by=author)
        synced += 1
    return synced


def progress_differences(*, campaign: Campaign) -> list[LedgerEntryDifference | ProgressDifference]:
    """Everything `check_progress` reports: ledger rows against task entries, then tasks against the rule."""
    return [*ledger_entries_check(campaign=campaign), *progress_check(campaign=campaign)]


def progress_repair(*, campaign: Campaign, by: User | None, reason: str) -> int:
    """Bring every task back to the rule through the one writer; returns how many tasks were saved.

    The rows whose entries disagree with the ledger are synced again first, so the tasks are then
    recounted from the right entries; `reason` goes into each repaired task's history.
    """
    with transaction.atomic():
        ledger_entries_fix(differences=list(ledger_entries_check(campaign=campaign)), by=by)
    task_ids = sorted({d.task_id for d in progress_check(campaign=campaign)})
    for pk in task_ids:
        with transaction.atomic():
            task_recount(task=Task.objects.select_for_update().get(pk=pk), by=by, reason=reason)
    return len(task_ids)
