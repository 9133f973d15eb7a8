"""One task, entry or evidence file through the user's scope and rights (see tracker.orgs.access)."""

from __future__ import annotations

from django.http import Http404

from tracker.core.types import AnyUser
from tracker.orgs.access import access
from tracker.orgs.scope import Need, scope_for
from tracker.work.lights import LightRule
from tracker.work.models import Entry, Evidence, Task


def access_task(user: AnyUser, pk: int, need: Need = "view", *, rule: LightRule | None = None) -> Task:
    """The task with what its page shows; with `rule`, annotated with its traffic light."""
    tasks = Task.objects.select_related("template", "measure", "owner", "unit", "campaign")
    return access(tasks.with_light(rule) if rule is not None else tasks, user, need, pk=pk)


def access_entry(user: AnyUser, pk: int, need: Need = "view") -> Entry:
    """An entry, deleted ones included (they can be restored)."""
    return access(Entry.all_objects.select_related("task__unit", "task__campaign"), user, need, pk=pk)


def access_evidence(user: AnyUser, pk: int) -> Evidence:
    """An evidence file; one of a deleted entry only for the unit's staff, who may restore the entry."""
    evidence = access(Evidence.objects.select_related("entry__task__unit"), user, pk=pk)
    if evidence.entry.is_deleted and not scope_for(user).can_edit(evidence.entry.task.unit):
        raise Http404("evidence of a deleted entry")
    return evidence
