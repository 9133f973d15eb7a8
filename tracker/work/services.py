"""Writes of the unit's task workflow. Views, admin and commands all come through here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.campaigns.models import Campaign, Measure
from tracker.core.concurrency import StaleVersion, check_version
from tracker.core.history import stamp_change
from tracker.core.types import Upload, User
from tracker.core.validators import check_text, safe_filename
from tracker.orgs import services as orgs_services
from tracker.orgs.access import require
from tracker.orgs.models import Unit, UnitCategory
from tracker.orgs.scope import scope_for
from tracker.work.holds import entry_hold
from tracker.work.instantiation import tasks_generate
from tracker.work.models import OPEN_STATUSES, Entry, EventKind, Evidence, Task, TaskEvent, TaskStatus
from tracker.work.notices import review_notify
from tracker.work.previews import dispatch_previews
from tracker.work.progress import task_recount
from tracker.work.selectors import MAX_BATCH, unit_people
from tracker.work.uploads import content_sha256, evidence_problems

MAX_FILES_PER_ENTRY = 10
MAX_ENTRY_CHARS = 4000
MAX_NOTE_CHARS = 2000
MAX_TITLE_CHARS = 200


_require_edit = partial(require, need="edit")
_require_review = partial(require, need="review")


def _lock(task: Task, expected_version: int | None) -> Task:
    """Re-read the task under a row lock and refuse a save from an outdated page."""
    # select_for_update needs the surrounding transaction.atomic of the caller.
    locked = Task.objects.select_for_update().get(pk=task.pk)
    check_version(locked, expected_version)
    if locked.archived_at is not None:
        raise ValidationError(_("This task's required action was retired; the task is archived and read-only."))
    return locked


def _checked_note(field: str, value: str | None, *, required: str | None = None) -> str:
    errors: dict[str, list[str]] = {}
    text = check_text(errors, field, value, max_length=MAX_NOTE_CHARS, required=required)
    if errors:
        raise ValidationError(errors)
    return text


def _save(obj: models.Model, by: User) -> None:
    """Save with `by` as the history's author, also outside a request (jobs, commands, imports)."""
    stamp_change(obj, by=by)
    obj.save()


def _event(task: Task, kind: str, by: User, note: str = "") -> TaskEvent:
    return TaskEvent.objects.create(task=task, kind=kind, actor=by, note=note)


def entry_add(
    *,
    task: Task,
    by: User,
    text: str,
    occurred_on: date | None = None,
    percent: int | None = None,
    files: Sequence[Upload] = (),
    expected_version: int | None = None,
) -> Entry:
    """Log what was done against a task, with optional progress and evidence files.

    `expected_version` is the task version the page showed: an entry from a page older than the
    task's last change is refused (StaleVersion), as any other stale edit.
    """
    _require_edit(by, task.unit)
    if hold := entry_hold(task):
        raise ValidationError(hold.reason)
    today = timezone.localdate()
    occurred_on = occurred_on or today
    errors: dict[str, list[str]] = {}
    text = check_text(
        errors,
        "text",
        text,
        max_length=MAX_ENTRY_CHARS,
        required=_("Say what was done."),
        too_long=_("Keep it under %(n)d characters; attach longer documents as files."),
    )
    if occurred_on > today:
        errors.setdefault("occurred_on", []).append(_("The date cannot be in the future."))
    elif occurred_on < task.campaign.starts_on:
        errors.setdefault("occurred_on", []).append(_("The date is before the campaign started."))
    if percent is not None and not 0 <= percent <= 100:
        errors.setdefault("percent", []).append(_("Progress must be between 0 and 100."))
    if problems := evidence_problems(files, limit=MAX_FILES_PER_ENTRY, too_many=_("At most %(n)d files per entry.")):
        errors["files"] = problems
    if errors:
        raise ValidationError(errors)

    stored: list[Evidence] = []
    try:
        with transaction.atomic():
            locked = _lock(task, expected_version)
            if locked.status not in OPEN_STATUSES:
                raise ValidationError(_("This task is closed for entries while it is awaiting review or done."))
            entry = Entry(task=locked, author=by, occurred_on=occurred_on, text=text, percent=percent)
            _save(entry, by)
            for upload in files:
                evidence = Evidence(
                    entry=entry,
                    original_name=safe_filename(upload.name or ""),
                    size=upload.size or 0,
                    content_type=(getattr(upload, "content_type", "") or "")[:100],
                    sha256=content_sha256(upload),
                )
                evidence.file.save(upload.name or "evidence", upload, save=False)
                stored.append(evidence)
                _save(evidence, by)
            task_recount(task=locked, by=by)
            dispatch_previews([evidence.pk for evidence in stored])
    except Exception:
        # The rows rolled back; remove the files so a failed upload leaves nothing behind.
        for evidence in stored:
            if evidence.file.name:
                evidence.file.storage.delete(evidence.file.name)
        raise
    return entry


@transaction.atomic
def task_change_owner(*, task: Task, by: User, owner: User | None, expected_version: int) -> Task:
    _require_edit(by, task.unit)
    if owner is not None and not unit_people(unit=task.unit).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": [_("The owner must be one of the unit's staff or leaders.")]})
    locked = _lock(task, expected_version)
    locked.owner = owner
    locked.version += 1
    _save(locked, by)
    _event(locked, EventKind.OWNER_CHANGED, by, owner.get_full_name() or owner.get_username() if owner else "")
    return locked


@transaction.atomic
def task_submit(*, task: Task, by: User, expected_version: int, note: str = "") -> Task:
    """The unit says the task is done; the office or guidance group then reviews it."""
    _require_edit(by, task.unit)
    note = _checked_note("note", note)
    locked = _lock(task, expected_version)
    if locked.status not in OPEN_STATUSES:
        raise ValidationError(_("Only a task that is open can be submitted."))
    if locked.entry_count == 0:
        raise ValidationError(_("Add at least one entry describing what was done before submitting."))
    locked.submitted_at = timezone.now()
    _event(locked, EventKind.SUBMITTED, by, note)
    return task_recount(task=locked, by=by)


@transaction.atomic
def task_accept(*, task: Task, by: User, expected_version: int, note: str = "") -> Task:
    _require_review(by, task.unit)
    note = _checked_note("reason", note)
    locked = _lock(task, expected_version)
    if locked.status != TaskStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted task can be accepted."))
    review_notify(task=locked, event=_event(locked, EventKind.ACCEPTED, by, note), by=by)
    return task_recount(task=locked, by=by)


class BatchStale(StaleVersion):
    """A task of a batch changed since the page listing it was loaded; nothing of the batch was saved."""

    def __init__(self, stale: StaleVersion, task: Task):
        super().__init__(stale.current, stale.seen_version)
        self.task = task


@transaction.atomic
def tasks_accept_batch(*, items: Sequence[tuple[Task, int]], by: User, note: str = "") -> list[Task]:
    """Accept several submitted tasks with one common note: all of them, or none.

    `items` pairs each task with the version the page showed. Tasks are locked in id order so two
    batches over the same tasks wait for each other instead of deadlocking.
    """
    if not items:
        raise ValidationError(_("Select at least one task to accept."))
    if len(items) > MAX_BATCH:
        raise ValidationError(_("Accept at most %(n)d tasks at a time.") % {"n": MAX_BATCH})
    note = _checked_note("reason", note)
    accepted = []
    for task, version in sorted(items, key=lambda item: item[0].pk):
        try:
            accepted.append(task_accept(task=task, by=by, expected_version=version, note=note))
        except StaleVersion as stale:
            raise BatchStale(stale, task) from stale
        except ValidationError as exc:
            raise ValidationError(
                _("“%(task)s” (%(unit)s): %(problem)s")
                % {"task": task.display_title, "unit": task.unit.name, "problem": " ".join(exc.messages)}
            ) from exc
    return accepted


@transaction.atomic
def task_return(*, task: Task, by: User, reason: str, expected_version: int) -> Task:
    """Send a submitted task back to the unit; the reason is shown on the task page."""
    _require_review(by, task.unit)
    reason = _checked_note("reason", reason, required=_("Say why the task is returned, so the unit knows what to fix."))
    locked = _lock(task, expected_version)
    if locked.status != TaskStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted task can be returned."))
    review_notify(task=locked, event=_event(locked, EventKind.RETURNED, by, reason), by=by)
    return task_recount(task=locked, by=by)


@transaction.atomic
def task_create_self_chosen(
    *,
    campaign: Campaign,
    unit: Unit,
    by: User,
    measure: Measure,
    title: str,
    due_on: date,
    description: str = "",
    owner: User | None = None,
) -> Task:
    """A unit adds its own task (自选动作), under one of the measures."""
    _require_edit(by, unit)
    errors: dict[str, list[str]] = {}
    title = check_text(errors, "title", title, max_length=MAX_TITLE_CHARS, required=_("Give the task a title."))
    description = check_text(errors, "description", description, max_length=MAX_ENTRY_CHARS)
    if not campaign.starts_on <= due_on <= campaign.ends_on:
        errors["due_on"] = [
            _("The due date must fall within the campaign (%(start)s – %(end)s).")
            % {"start": campaign.starts_on, "end": campaign.ends_on}
        ]
    if errors:
        raise ValidationError(errors)
    task = Task(
        campaign=campaign,
        unit=unit,
        measure=measure,
        title=title,
        description=description,
        due_on=due_on,
        owner=owner,
        created_by=by,
        last_activity_on=timezone.localdate(),
    )
    _save(task, by)
    _event(task, EventKind.CREATED, by)
    return task


def _require_entry_keeper(user: User, entry: Entry) -> None:
    scope = scope_for(user)
    unit = entry.task.unit
    if not (scope.can_lead(unit) or (scope.can_edit(unit) and entry.author_id == user.pk)):
        raise PermissionDenied(_("Only the entry's author or the unit leader can delete or restore it."))


def _entry_change(entry: Entry, by: User, *, delete: bool) -> Entry:
    _require_entry_keeper(by, entry)
    task = _lock(entry.task, None)
    locked = Entry.all_objects.select_for_update().get(pk=entry.pk)
    if locked.is_deleted == delete:
        return locked  # a double click or a second tab: already done
    if locked.ledger:
        raise ValidationError(_("This entry comes from a ledger row; change or delete the row in the ledger instead."))
    if task.status not in OPEN_STATUSES:
        raise ValidationError(_("Entries cannot change while the task is awaiting review or done."))
    if timezone.localdate() > task.campaign.ends_on:
        raise ValidationError(_("The campaign has ended; its entries stay as they are."))
    locked.deleted_at = timezone.now() if delete else None
    locked.deleted_by = by if delete else None
    _save(locked, by)
    task_recount(task=task, by=by)
    return locked


@transaction.atomic
def entry_delete(*, entry: Entry, by: User) -> Entry:
    """Take an entry out of the task's log; it stays restorable, with its evidence, and in history."""
    return _entry_change(entry, by, delete=True)


@transaction.atomic
def entry_restore(*, entry: Entry, by: User) -> Entry:
    """Bring a deleted entry back into the task's log."""
    return _entry_change(entry, by, delete=False)


@transaction.atomic
def unit_create(
    *,
    name: str,
    code: str,
    level: str,
    parent: Unit | None = None,
    category: UnitCategory | None = None,
    participates: bool = True,
) -> Unit:
    """Add a unit to the tree; a participating unit with a category gets its campaign tasks on commit."""
    unit = orgs_services.unit_create(
        name=name, code=code, level=level, parent=parent, category=category, participates=participates
    )
    _tasks_on_commit(unit)
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, name: str, level: str, category: UnitCategory | None, participates: bool) -> bool:
    """Change a unit's own fields; returns whether anything changed.

    A unit that now takes part with a category gets its missing tasks on commit; tasks it has
    are never removed, so a unit dropped from the campaign keeps its history.
    """
    changed = orgs_services.unit_update(unit=unit, name=name, level=level, category=category, participates=participates)
    if changed:
        _tasks_on_commit(unit)
    return changed


def _tasks_on_commit(unit: Unit) -> None:
    if unit.participates and unit.category_id is not None:
        transaction.on_commit(lambda: tasks_generate(units=[unit]))
