"""The hold a 交办 puts on its task's entries until the unit acknowledges it (签收): see tracker.work.holds."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from tracker.directives.models import AssignmentTarget
from tracker.work.holds import Hold
from tracker.work.models import Task, TaskKind


def unacknowledged_assignment(task: Task) -> Hold | None:
    # Only a 交办's task pays for the query; every other task passes without one.
    if task.kind != TaskKind.ASSIGNMENT:
        return None
    target = AssignmentTarget.objects.filter(task_id=task.pk, acknowledged_at__isnull=True).only("pk").first()
    if target is None:
        return None
    return Hold(
        reason=_(
            "Acknowledge the assignment first (请先签收): entries can be added once the unit has acknowledged it."
        ),
        action_url=reverse("directives:target_acknowledge", args=[target.pk]),
        action_label=_("Acknowledge (签收)"),
    )
