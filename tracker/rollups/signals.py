"""Writers note the units they changed; the roll-ups catch up before the next read (services.rollups_refresh).

Receivers, not calls in every service, because every path that saves a task must be covered:
the entry and review services, ledger progress, self-chosen tasks, the admin, test factories.
`tasks_generate` bulk-inserts and sends `work.signals.tasks_inserted` instead; the demo and
bench generators call `rollups_mark` or `rollups_invalidate` themselves.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tracker.orgs.models import Unit
from tracker.rollups.models import DirtyUnit, RollupState
from tracker.rollups.services import rollups_mark
from tracker.work.models import Task
from tracker.work.signals import tasks_inserted


@receiver(post_save, sender=Task, dispatch_uid="rollups_task_saved")
@receiver(post_delete, sender=Task, dispatch_uid="rollups_task_deleted")
def task_changed(sender, instance: Task, raw: bool = False, **kwargs) -> None:
    if raw:  # loaddata: the rows arrive as they were; a rebuild follows (rollups_invalidate)
        return
    DirtyUnit.objects.create(campaign_id=instance.campaign_id, unit_id=instance.unit_id)


@receiver(tasks_inserted, dispatch_uid="rollups_tasks_inserted")
def tasks_bulk_inserted(sender, campaign_id: int, unit_ids: set[int], **kwargs) -> None:
    rollups_mark(campaign_id=campaign_id, unit_ids=unit_ids)


@receiver(post_delete, sender=Unit, dispatch_uid="rollups_unit_deleted")
def unit_deleted(sender, instance: Unit, **kwargs) -> None:
    # Its ancestors' subtree rows still count it; only a rebuild takes it out.
    RollupState.objects.update(rule_key="", days_built=False)
