"""Review results under the bell and on the unit's channels: who submitted the task, and its owner."""

from __future__ import annotations

from django.urls import reverse
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tracker.core.types import User
from tracker.notify.services import notify
from tracker.work.models import EventKind, Task, TaskEvent

SUBJECTS = {
    EventKind.ACCEPTED: _("Accepted: {task}"),
    EventKind.RETURNED: _("Returned for rework: {task}"),
}


def review_notify(*, task: Task, event: TaskEvent, by: User) -> None:
    """Tell the owner and whoever submitted the task that it was accepted or returned (with the note)."""
    submitter = (
        TaskEvent.objects.filter(task=task, kind=EventKind.SUBMITTED)
        .order_by("-created_at", "-id")
        .values_list("actor_id", flat=True)
    ).first()
    recipients = {pk for pk in (task.owner_id, submitter) if pk and pk != by.pk}
    title = lazy(lambda: task.display_title, str)()
    notify(
        recipients=recipients,
        kind="review",
        key=f"task:{task.pk}",
        step=f"{event.kind}:{event.pk}",
        subject=format_lazy(SUBJECTS[EventKind(event.kind)], task=title),
        body=event.note,
        url=reverse("work:task_detail", args=[task.pk]),
        by=by,
    )
