"""Celery job of the briefings: takes the job's id, re-reads it, builds the file."""

from __future__ import annotations

from celery import shared_task

from tracker.briefings import services

SOFT_TIME_LIMIT = 300  # a city-wide briefing takes seconds; minutes mean something is wrong


@shared_task(soft_time_limit=SOFT_TIME_LIMIT, time_limit=SOFT_TIME_LIMIT + 30)
def build_briefing(job_id: int) -> dict:
    job = services.briefing_job_run(job_id=job_id)
    return {"job": job_id, "built": job is not None}
