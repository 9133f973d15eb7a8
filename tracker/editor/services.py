"""Writes of the template editor: propose a change, confirm it, and apply it (a Celery job).

Applying is all-or-nothing: the template, its history record and every task it touches are
written in one transaction, from `change_effect` computed under the template's row lock. A
failed apply leaves everything as it was and can be confirmed again (retry). Nothing a unit did
is deleted: tasks with entries or a workflow step are archived, only untouched ones removed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.campaigns.models import Campaign, TaskTemplate
from tracker.core.concurrency import StaleVersion, check_version
from tracker.core.history import stamp_change
from tracker.core.types import User
from tracker.editor.access import change_checker, require_editor
from tracker.editor.models import ChangeKind, ChangeStatus, TemplateChange
from tracker.editor.selectors import FIELDS, FK_FIELDS, change_effect
from tracker.jobs.runner import JobContext, JobError
from tracker.jobs.services import job_start
from tracker.orgs.models import Unit
from tracker.orgs.scope import scope_for
from tracker.rollups.services import rollups_mark
from tracker.work.instantiation import tasks_generate
from tracker.work.models import OPEN_STATUSES, Entry, Task
from tracker.work.progress import derive, task_facts, task_recount

log = logging.getLogger("tracker.editor")
HISTORY_BATCH = 2000
JOB_KIND = "template_change"
# What the apply job's bar says at each step.
STEPS = (
    gettext_lazy("Comparing the wanted tasks with the existing ones"),
    gettext_lazy("Archiving and removing tasks"),
    gettext_lazy("Moving due dates"),
    gettext_lazy("Adding tasks"),
)
Progress = Callable[..., None]


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
    """Start the apply job (queued on commit). A failed change may be confirmed again: the retry.

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
        locked.job = job_start(kind=JOB_KIND, owner=by, params={"change": locked.pk}, total=len(STEPS))
        locked.status, locked.error = ChangeStatus.QUEUED, ""
        locked.save(update_fields=["status", "error", "job", "updated_at"])
    return locked


def run_template_change(ctx: JobContext) -> None:
    """The job kind "template_change" (registered in EditorConfig.ready)."""
    change = change_run(change_id=int(ctx.params["change"]), progress=ctx.progress)
    if change is None:
        failed = TemplateChange.objects.filter(pk=ctx.params["change"]).values_list("error", flat=True).first()
        raise JobError(failed or _("The change could not be applied; nothing was changed."))
    ctx.outcome.update(change.result)


def change_run(*, change_id: int, progress: Progress | None = None) -> TemplateChange | None:
    """Apply a queued (or failed) change and record how it went; None when it did not apply.

    A stale or invalid change fails with its reason; a cancel or a crash leaves nothing written
    (the apply is one transaction) and the change can be confirmed again.
    """
    change = TemplateChange.objects.select_related("campaign", "template", "created_by").get(pk=change_id)
    if change.status == ChangeStatus.DONE:
        return change  # a second delivery of the same job
    TemplateChange.objects.filter(pk=change_id).update(status=ChangeStatus.RUNNING, started_at=timezone.now())
    try:
        result = change_apply(change=change, progress=progress)
    except (StaleVersion, ValidationError) as error:
        message = (
            _("The required action was changed by someone else meanwhile; open it again and redo the change.")
            if isinstance(error, StaleVersion)
            else "；".join(error.messages)
        )
        _fail(change_id, message)
        return None
    except BaseException as error:  # a cancel, the time limit, a crash: the change must not stay "running"
        log.exception("template change %s failed", change_id)
        _fail(change_id, _("The change could not be applied; nothing was changed."))
        raise error
    TemplateChange.objects.filter(pk=change_id).update(
        status=ChangeStatus.DONE, result=result, finished_at=timezone.now(), updated_at=timezone.now()
    )
    change.refresh_from_db()
    return change


def _fail(change_id: int, message: str) -> None:
    TemplateChange.objects.filter(pk=change_id).update(
        status=ChangeStatus.FAILED, error=message, finished_at=timezone.now(), updated_at=timezone.now()
    )


@transaction.atomic
def change_apply(*, change: TemplateChange, progress: Progress | None = None) -> dict[str, int]:
    """Write the change and its effect on the tasks in one transaction; returns the counts done.

    `progress(done, total, message)` is told each step (the job's bar); it may raise to cancel,
    which rolls everything back.
    """
    step = _stepper(progress)
    by = change.created_by
    reason = change.reason or str(change.get_kind_display())
    target_before = change.template.target_count if change.template is not None else None
    template = _write_template(change, by, reason)
    # Diff under the template's row lock: the lists acted on are those of this very moment.
    if change.template_id is None:
        change.template = template
        TemplateChange.objects.filter(pk=change.pk).update(template=template)
    step(0)
    effect = change_effect(change=change)
    step(1)
    now = timezone.now()
    units: set[int] = set()
    if effect.remove:
        units |= set(Task.objects.filter(pk__in=effect.remove).values_list("unit_id", flat=True))
        Task.objects.filter(pk__in=effect.remove).delete()  # never worked on; history keeps a "-"
    units |= _update(effect.archive, by, reason, archived_at=now)
    units |= _update(effect.restore, by, reason, archived_at=None)
    step(2)
    for due_on in set(effect.move.values()):
        units |= _update([pk for pk, due in effect.move.items() if due == due_on], by, reason, due_on=due_on)
    step(3)
    counts = effect.counts
    if template.is_active:
        counts["added"] = tasks_generate(campaign=change.campaign, templates=[template])
        if template.ledger and target_before not in (None, template.target_count):
            _recount(template, by, reason)
    if units:
        rollups_mark(campaign_id=change.campaign_id, unit_ids=units)
    step(len(STEPS))
    return counts


def _stepper(progress: Progress | None) -> Callable[[int], None]:
    def step(done: int) -> None:
        if progress is not None:
            progress(done, len(STEPS), STEPS[min(done, len(STEPS) - 1)])

    return step


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
