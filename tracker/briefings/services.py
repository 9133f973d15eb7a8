"""Writes of the briefings: ask for one (the worker is enqueued after commit) and build it."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tracker.briefings import document
from tracker.briefings.models import BriefingJob, BriefingStatus
from tracker.briefings.selectors import briefing_data
from tracker.campaigns.models import Campaign
from tracker.core.types import User
from tracker.orgs.scope import scope_for

log = logging.getLogger("tracker.briefings")


def briefing_job_create(*, by: User, campaign: Campaign, starts_on: date, ends_on: date, language: str) -> BriefingJob:
    """Record the request and hand it to a worker once the row is committed (it reads it by id).

    Only the office and the leadership group ask for briefings: the file reports on their subtree.
    """
    if not scope_for(by).makes_briefings:
        raise PermissionDenied(_("Only the office or the leadership group can ask for a briefing."))
    with transaction.atomic():
        job = BriefingJob.objects.create(
            created_by=by, campaign=campaign, starts_on=starts_on, ends_on=ends_on, language=language
        )
        transaction.on_commit(lambda: _dispatch(job.pk))
    return job


def _dispatch(job_id: int) -> None:
    from tracker.briefings.tasks import build_briefing

    try:
        build_briefing.delay(job_id)
    except Exception:  # the broker's errors vary by transport; the job stays queued and can be asked again
        log.warning("could not enqueue briefing %s", job_id, exc_info=True)


def _claim(job_id: int) -> bool:
    """Take a queued job, or one whose worker died past the time limit; a second delivery gets False."""
    stale = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return bool(
        BriefingJob.objects.filter(
            Q(status=BriefingStatus.QUEUED) | Q(status=BriefingStatus.RUNNING, started_at__lt=stale), pk=job_id
        ).update(status=BriefingStatus.RUNNING, started_at=timezone.now(), progress=0, error="")
    )


def briefing_job_progress(*, job_id: int, percent: int) -> None:
    # Outside any transaction, so the polling page sees each step at once.
    BriefingJob.objects.filter(pk=job_id, status=BriefingStatus.RUNNING).update(progress=max(0, min(100, percent)))


def briefing_job_run(*, job_id: int) -> BriefingJob | None:
    """Build the file of a queued job. Safe to call twice: only one caller claims the job."""
    if not _claim(job_id):
        return None
    job = BriefingJob.objects.select_related("campaign", "created_by").get(pk=job_id)
    try:
        with translation.override(job.language):
            data = briefing_data(
                user=job.created_by, campaign=job.campaign, starts_on=job.starts_on, ends_on=job.ends_on
            )
            content = document.build(data, progress=lambda p: briefing_job_progress(job_id=job.pk, percent=p))
        job.file.save(job.file_name, ContentFile(content), save=False)
        job.status, job.progress, job.finished_at = BriefingStatus.DONE, 100, timezone.now()
        job.save(update_fields=["file", "status", "progress", "finished_at", "updated_at"])
    except BaseException as error:  # includes the soft time limit; the job must not stay "running"
        log.exception("briefing %s failed", job_id)
        BriefingJob.objects.filter(pk=job_id).update(
            status=BriefingStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000], finished_at=timezone.now()
        )
        if not isinstance(error, Exception):
            raise
        return None
    return job
