"""Celery jobs of the task workflow: take ids, re-read, call the service."""

from __future__ import annotations

from celery import shared_task

from tracker.work.previews import evidence_preview_build

SOFT_TIME_LIMIT = 60  # a preview takes well under a second; a minute means a pathological file


@shared_task(soft_time_limit=SOFT_TIME_LIMIT, time_limit=SOFT_TIME_LIMIT + 15)
def build_evidence_preview(evidence_id: int) -> str | None:
    return evidence_preview_build(evidence_id=evidence_id)
