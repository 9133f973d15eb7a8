"""`{% task_rows tasks %}`: the rows of a unit's task list, written in Python.

A unit page lists about sixty tasks; as template markup each row cost some thirty node renders,
the largest part of the page staff open most. The markup is what the template wrote.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import truncatechars
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from tracker.core.links import id_url
from tracker.work.models import Task, TaskStatus
from tracker.work.templatetags.lights import light_badge

register = template.Library()


@register.simple_tag
def task_rows(tasks: Iterable[Task]) -> SafeString:
    """Every `<li class="task-row">` of a list of tasks read by `unit_tasks` (light, return reason)."""
    self_chosen = f'<span class="tag">{escape(gettext("self-chosen"))}</span>'
    due = escape(gettext("due"))
    returned = escape(gettext("Returned by the reviewer:"))
    progress_label = escape(gettext("Progress"))
    out = []
    for task in tasks:
        owner = ""
        if task.owner_id and task.owner is not None:
            owner = f"<span>{escape(task.owner.get_full_name() or task.owner.get_username())}</span>"
        reason = getattr(task, "return_reason", None)
        why = ""
        if task.status == TaskStatus.RETURNED and reason:
            why = f'<p class="returned-reason"><strong>{returned}</strong> {escape(truncatechars(reason, 200))}</p>'
        out.append(
            f'<li class="task-row">{light_badge(getattr(task, "light", None))}<div class="task-main">'
            f'<a href="{id_url("work:task_detail", task.pk)}" class="task-title">{escape(task.display_title)}</a>'
            f"{self_chosen if task.is_self_chosen else ''}"
            f'<div class="task-meta"><span class="status status-{escape(task.status)}">'
            f"{escape(task.get_status_display())}</span>"
            f"<span>{due} {escape(date_filter(task.due_on, 'SHORT_DATE_FORMAT'))}</span>{owner}</div>{why}"
            f'<progress max="100" value="{task.progress}" aria-label="{progress_label}">{task.progress}%</progress>'
            "</div></li>"
        )
    return mark_safe("".join(out))  # every value above is escaped or a number
