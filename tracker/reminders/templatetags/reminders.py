from django import template
from django.template.loader import render_to_string
from django.urls import reverse

from tracker.orgs.scope import scope_for
from tracker.reminders.forms import UrgeForm

register = template.Library()


@register.simple_tag(takes_context=True)
def urge_box(context, task) -> str:
    """The 催办 form on a task page, for the office and the unit's guidance group only."""
    request = context["request"]
    if not scope_for(request.user).can_review(task.unit):
        return ""
    return render_to_string(
        "reminders/urge.html#urge-form",
        {
            "form": UrgeForm(),
            "task": task,
            "unit": task.unit,
            "action": reverse("reminders:task_urge", args=[task.pk]),
            "next": reverse("work:task_detail", args=[task.pk]),
        },
        request=request,
    )
