"""Reads of the jobs app."""

from __future__ import annotations

from django.db.models import QuerySet

from tracker.core.types import AnyUser
from tracker.jobs.models import Job

RECENT_JOBS = 50


def jobs_of(*, user: AnyUser, limit: int = RECENT_JOBS) -> QuerySet[Job]:
    """The person's latest jobs, newest first (the page "My background jobs")."""
    return Job.objects.for_user(user).defer("params", "outcome")[:limit]


def latest_job(*, user: AnyUser, kind: str) -> Job | None:
    """The person's newest job of one kind, for a page that offers to start it again."""
    return Job.objects.for_user(user).filter(kind=kind).first()
