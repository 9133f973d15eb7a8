"""Writes of the jobs app: start, cancel, retry, run a job; reap dead ones; delete expired downloads."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import get_language

from tracker.core.types import User
from tracker.jobs import registry
from tracker.jobs.models import Job, JobStatus
from tracker.jobs.runner import Heartbeat, JobCancelled, JobContext, JobError

log = logging.getLogger("tracker.jobs")


def job_start(*, kind: str, owner: User, params: dict[str, Any] | None = None, total: int = 0) -> Job:
    """A queued job of a registered kind; the worker is asked to run it when the transaction commits."""
    registry.get(kind)  # an unknown kind is a programming error, raised here and not in the worker
    job = Job.objects.create(
        kind=kind, owner=owner, params=params or {}, total=total, language=get_language() or settings.LANGUAGE_CODE
    )
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from tracker.jobs.tasks import run_job

    try:
        run_job.delay(job_id)
    except Exception:
        # The broker is down: say so now rather than leave the job "queued" forever; it can be retried.
        log.exception("job %s could not be queued", job_id)
        Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.FAILED, interrupted=True, finished_at=timezone.now()
        )


def job_cancel(*, job: Job) -> Job:
    """A queued job ends at once; a running one is asked to stop at its next progress report."""
    now = timezone.now()
    if not Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELLED, cancel_requested=True, finished_at=now, updated_at=now
    ):
        Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(cancel_requested=True, updated_at=now)
    job.refresh_from_db()
    return job


def job_retry(*, job: Job) -> Job:
    """A new attempt with the same parameters, for a job that failed, died or was cancelled."""
    if not job.can_retry or not registry.is_registered(job.kind):
        return job  # nothing to retry, or a kind this version no longer runs
    new = job_start(kind=job.kind, owner=job.owner, params=job.params, total=job.total)
    Job.objects.filter(pk=new.pk).update(attempt=job.attempt + 1, retry_of=job)
    new.refresh_from_db()
    return new


def job_run(*, job_id: int) -> Job | None:
    """Run a queued job to its end (the Celery task's body). Safe to call twice: only one caller
    takes a queued job. Must not be called inside a transaction: progress is committed as it goes."""
    now = timezone.now()
    if not Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, updated_at=now
    ):
        return None
    job = Job.objects.select_related("owner").get(pk=job_id)
    context = JobContext(job)
    # Inside a transaction (tests run jobs inline) no other connection could see the row.
    heartbeat = None if transaction.get_connection().in_atomic_block else Heartbeat(job_id, context.cancelled)
    if heartbeat is not None:
        heartbeat.start()
    try:
        with translation.override(job.language):
            status, error = _run(job, context)
    finally:
        if heartbeat is not None:
            heartbeat.stop()
        context.close()
    if status != JobStatus.DONE:
        context.discard_result()
    finished = timezone.now()
    Job.objects.filter(pk=job_id).update(
        status=status,
        error=error,
        done=context._done if status != JobStatus.DONE else max(context._done, context._total),
        total=context._total,
        outcome=context.outcome,
        result=context.result_path,
        result_name=context.result_name,
        expires_at=finished + timedelta(hours=settings.JOBS_RESULT_HOURS) if context.result_path else None,
        finished_at=finished,
        heartbeat_at=finished,
        updated_at=finished,
    )
    job.refresh_from_db()
    return job


def _run(job: Job, context: JobContext) -> tuple[str, str]:
    try:
        context.check_cancelled()
        registry.get(job.kind).run(context)
    except JobCancelled:
        return JobStatus.CANCELLED, ""
    except JobError as failure:
        return JobStatus.FAILED, str(failure.message)
    except SoftTimeLimitExceeded:
        log.error("job %s (%s) ran out of time", job.pk, job.kind)
        return JobStatus.FAILED, str(translation.gettext("The job took longer than allowed and was stopped."))
    except Exception:
        log.exception("job %s (%s) failed", job.pk, job.kind)
        return JobStatus.FAILED, ""
    return JobStatus.DONE, ""


def jobs_reap(*, now: Any = None) -> int:
    """Running jobs without a heartbeat for JOBS_STALE_SECONDS: their worker died. They become
    failed (interrupted), so the page stops at a clear end with a retry, never at "90 %" forever."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.JOBS_STALE_SECONDS)
    return Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=limit).update(
        status=JobStatus.FAILED, interrupted=True, finished_at=now, updated_at=now
    )


def job_reap_if_stale(*, job: Job) -> Job:
    """The poll of a job whose worker went quiet settles it at once, without waiting for beat."""
    if job.is_stale:
        jobs_reap()
        job.refresh_from_db()
    return job


def jobs_purge_files(*, now: Any = None) -> int:
    """Delete the downloads past their 24 hours; the job rows stay as a record of what was done."""
    now = now or timezone.now()
    purged = 0
    for pk, name in Job.objects.filter(expires_at__lt=now).exclude(result="").values_list("pk", "result"):
        default_storage.delete(name)
        purged += Job.objects.filter(pk=pk).update(result="", updated_at=now)
    return purged
