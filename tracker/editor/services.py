"""Writes of the template editor: propose a change, confirm it, and apply it (a Celery job).

Applying is all-or-nothing: the template, its history record and every task it touches are
written in one transaction, from `change_effect` computed under the template's row lock. A
failed apply leaves everything as it was and can be confirmed again (retry). Nothing a unit did
is deleted: tasks with entries or a workflow step are archived, only untouched ones removed.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.campaigns.models import Campaign, TaskTemplate
from tracker.core.concurrency import StaleVersion, check_version
from tracker.core.history import stamp_change
from tracker.core.types import User
from tracker.editor.access import change_checker, require_editor
from tracker.editor.models import ChangeKind, ChangeStatus, TemplateChange
from tracker.editor.selectors import FIELDS, FK_FIELDS, change_effect
from tracker.orgs.models import Unit
from tracker.orgs.scope import scope_for
from tracker.rollups.services import rollups_mark
from tracker.work.instantiation import tasks_generate
from tracker.work.models import OPEN_STATUSES, Entry, Task
from tracker.work.progress import derive, task_facts, task_recount

log = logging.getLogger("tracker.editor")
HISTORY_BATCH = 2000


def change_propose(
    *,
    by: User,
    campaign: Campaign,
    kind: str,
    template: TaskTemplate | None = None,
    data: dict[str, Any] | None = None,
    reason: str = "",
    base_version: int | None = None,
) -> TemplateChange:
    """Record a draft change for the preview; nothing else is written until it is confirmed."""
    require_editor(by)
    data = dict(data or {})
    if template is None:
        if kind != ChangeKind.CREATE:
            raise ValidationError(_("Choose the required action to change."))
        _check_owner(by, data.get("owner_unit"))
    elif not change_checker(by)(template):
        raise PermissionDenied(_("This required action belongs to a higher level; it is read-only to you."))
    elif not template.is_active:
        raise ValidationError(_("This required action is retired; it can no longer be changed."))
    return TemplateChange.objects.create(
        campaign=campaign,
        template=template,
        kind=kind,
        data=data,
        reason=reason.strip()[:200],
        base_version=base_version if template is not None else None,
        created_by=by,
    )


def _check_owner(by: User, owner_id: int | None) -> None:
    if owner_id is None:
        if not change_checker(by)(TaskTemplate()):
            raise PermissionDenied(_("Only the city office adds required actions for the whole campaign."))
        return
    owner = Unit.objects.filter(pk=owner_id).first()
    if owner is None or not scope_for(by).can_manage(owner):
        raise PermissionDenied(_("You can add required actions only for units of your own subtree."))


def change_confirm(*, change: TemplateChange, by: User) -> TemplateChange:
    """Queue the apply job (after commit). A failed change may be confirmed again: that is the retry.

    Refused with StaleVersion when the template changed since the office opened it.
    """
    require_editor(by)
    with transaction.atomic():
        locked = TemplateChange.objects.select_for_update().get(pk=change.pk)
        if locked.status not in (ChangeStatus.DRAFT, ChangeStatus.FAILED):
            return locked  # a double click or a second tab: already on its way
        if locked.template_id is not None:
            current = TaskTemplate.objects.get(pk=locked.template_id)
            check_version(current, locked.base_version)
        locked.status, locked.progress, locked.error = ChangeStatus.QUEUED, 0, ""
        locked.save(update_fields=["status", "progress", "error", "updated_at"])
        transaction.on_commit(lambda: _dispatch(locked.pk))
    return locked


def _dispatch(change_id: int) -> None:
    from tracker.editor.tasks import apply_template_change

    try:
        apply_template_change.delay(change_id)
    except Exception:  # the broker's errors vary by transport; the change stays queued and can be confirmed again
        log.warning("could not enqueue template change %s", change_id, exc_info=True)


def _claim(change_id: int) -> bool:
    """Take a queued change, or one whose worker died past the time limit; a second delivery gets False."""
    stale = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return bool(
        TemplateChange.objects.filter(
            Q(status=ChangeStatus.QUEUED) | Q(status=ChangeStatus.RUNNING, started_at__lt=stale), pk=change_id
        ).update(status=ChangeStatus.RUNNING, started_at=timezone.now(), progress=0, error="")
    )


def change_run(*, change_id: int) -> TemplateChange | None:
    """The job: apply a queued change. Safe to deliver twice: only one caller claims it."""
    if not _claim(change_id):
        return None
    change = TemplateChange.objects.select_related("campaign", "template", "created_by").get(pk=change_id)
    try:
        result = change_apply(change=change)
    except (StaleVersion, ValidationError) as error:
        message = (
            _("The required action was changed by someone else meanwhile; open it again and redo the change.")
            if isinstance(error, StaleVersion)
            else "；".join(error.messages)
        )
        _fail(change_id, message)
        return None
    except BaseException as error:  # includes the soft time limit; the change must not stay "running"
        log.exception("template change %s failed", change_id)
        _fail(change_id, f"{type(error).__name__}: {error}"[:2000])
        if not isinstance(error, Exception):
            raise
        return None
    TemplateChange.objects.filter(pk=change_id).update(
        status=ChangeStatus.DONE, progress=100, result=result, finished_at=timezone.now(), updated_at=timezone.now()
    )
    change.refresh_from_db()
    return change


def _fail(change_id: int, message: str) -> None:
    TemplateChange.objects.filter(pk=change_id).update(
        status=ChangeStatus.FAILED, error=message, finished_at=timezone.now(), updated_at=timezone.now()
    )


@transaction.atomic
def change_apply(*, change: TemplateChange) -> dict[str, int]:
    """Write the change and its effect on the tasks in one transaction; returns the counts done."""
    by = change.created_by
    reason = change.reason or str(change.get_kind_display())
    target_before = change.template.target_count if change.template is not None else None
    template = _write_template(change, by, reason)
    # Diff under the template's row lock: the lists acted on are those of this very moment.
    if change.template_id is None:
        change.template = template
        TemplateChange.objects.filter(pk=change.pk).update(template=template)
    effect = change_effect(change=change)
    now = timezone.now()
    units: set[int] = set()
    if effect.remove:
        units |= set(Task.objects.filter(pk__in=effect.remove).values_list("unit_id", flat=True))
        Task.objects.filter(pk__in=effect.remove).delete()  # never worked on; history keeps a "-"
    units |= _update(effect.archive, by, reason, archived_at=now)
    units |= _update(effect.restore, by, reason, archived_at=None)
    for due_on in set(effect.move.values()):
        units |= _update([pk for pk, due in effect.move.items() if due == due_on], by, reason, due_on=due_on)
    counts = effect.counts
    if template.is_active:
        counts["added"] = tasks_generate(campaign=change.campaign, templates=[template])
        if template.ledger and target_before not in (None, template.target_count):
            _recount(template, by, reason)
    if units:
        rollups_mark(campaign_id=change.campaign_id, unit_ids=units)
    return counts


def _write_template(change: TemplateChange, by: User, reason: str) -> TaskTemplate:
    if change.kind == ChangeKind.CREATE:
        template = TaskTemplate(campaign=change.campaign, code=f"local-{uuid.uuid4().hex[:10]}")
    else:
        template = TaskTemplate.objects.select_for_update().get(pk=change.template_id or 0)
        check_version(template, change.base_version)
        template.version += 1
    if change.kind == ChangeKind.RETIRE:
        template.is_active = False
    else:
        for name in FIELDS:
            if name in change.data:
                setattr(template, name, change.data[name])
        for name in FK_FIELDS:
            if name in change.data and (name != "owner_unit" or change.kind == ChangeKind.CREATE):
                setattr(template, f"{name}_id", change.data[name])
    stamp_change(template, by=by, reason=reason)
    template.save()
    if change.kind != ChangeKind.RETIRE:
        template.categories.set(change.data.get("categories", []))
    return template


def _update(ids: list[int], by: User, reason: str, **values: Any) -> set[int]:
    """Update tasks in bulk and give each a history record naming who and why."""
    if not ids:
        return set()
    tasks = Task.objects.filter(pk__in=ids)
    tasks.update(**values, updated_at=timezone.now())
    changed = list(tasks)
    Task.history.bulk_history_create(
        changed, batch_size=HISTORY_BATCH, update=True, default_user=by, default_change_reason=reason
    )
    return {task.unit_id for task in changed}


def _recount(template: TaskTemplate, by: User, reason: str) -> None:
    """Open tasks counting ledger rows take their progress from the new target.

    Only tasks whose number moves are saved, so their history shows a real change.
    """
    open_ids = list(
        Task.objects.filter(template=template, archived_at__isnull=True, status__in=OPEN_STATUSES).values_list(
            "pk", flat=True
        )
    )
    # Through the entries' task index, from the template's own tasks (not a join over every entry).
    counted = set(Entry.objects.filter(task_id__in=open_ids).exclude(ledger="").values_list("task_id", flat=True))
    tasks = Task.objects.select_for_update(of=("self",)).filter(pk__in=sorted(counted)).select_related("template")
    for task in tasks:
        if derive(task_facts(task=task)).progress != task.progress:
            task_recount(task=task, by=by, reason=reason)
