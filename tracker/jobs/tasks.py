"""Celery tasks of the jobs app: run one job (by id), reap dead jobs and purge old downloads (beat)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from tracker.jobs import services


@shared_task(
    ignore_result=True,
    soft_time_limit=settings.JOBS_SOFT_TIME_LIMIT,
    time_limit=settings.JOBS_SOFT_TIME_LIMIT + 60,
)
def run_job(job_id: int) -> None:
    services.job_run(job_id=job_id)


@shared_task(ignore_result=True)
def reap_jobs() -> int:
    return services.jobs_reap()


@shared_task(ignore_result=True)
def purge_job_files() -> int:
    return services.jobs_purge_files()
