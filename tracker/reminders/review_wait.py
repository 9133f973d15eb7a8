"""Submissions waiting for review: a weekly reminder to each guide and office that must review them.

A task submitted REVIEW_WAIT_WORKDAYS working days ago or more and still not accepted or returned
reminds every person who may review its unit (guidance group members of the unit, offices above
it), once per ISO week, under the bell and on their channels (mail included: the reminder mail
does not list these).
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Count, Min
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tracker.core import workdays
from tracker.notify.services import Note, notify_each
from tracker.orgs.models import Role
from tracker.orgs.scope import scope_for
from tracker.work.models import Task, TaskStatus

REVIEW_WAIT_WORKDAYS = 2


def review_waiting_notify(*, today: date) -> int:
    """Remind each reviewer with submissions waiting; returns how many reminders were new."""
    cutoff = workdays.add_workdays(today, -REVIEW_WAIT_WORKDAYS)
    waiting = Task.objects.filter(
        status=TaskStatus.SUBMITTED, submitted_at__date__lte=cutoff, campaign__is_active=True
    ).order_by()
    if not waiting.exists():
        return 0
    year, week, _day = today.isocalendar()
    reviewers = (
        get_user_model().objects.filter(is_active=True, role_assignments__role__in=[Role.GUIDE, Role.OFFICE]).distinct()
    )
    notes = []
    review_url = reverse("work:review_queue")
    for reviewer in reviewers:
        mine = waiting.filter(scope_for(reviewer).review_q("unit__")).aggregate(
            n=Count("pk"), oldest=Min("submitted_at")
        )
        if not mine["n"]:
            continue
        notes.append(
            Note(
                recipient=reviewer.pk,
                kind="review_wait",
                key="review-wait",
                step=f"{year}-W{week:02d}",
                subject=format_lazy(_("{n} submission(s) waiting for your review"), n=mine["n"]),
                body=format_lazy(_("The oldest was submitted on {date}."), date=mine["oldest"].date().isoformat()),
                url=review_url,
            )
        )
    return len(notify_each(notes).created)
