"""Celery job of the template editor: takes the change's id, re-reads it, applies it."""

from __future__ import annotations

from celery import shared_task

from tracker.editor import services

SOFT_TIME_LIMIT = 600  # a city-wide change takes seconds; ten minutes mean something is wrong


@shared_task(soft_time_limit=SOFT_TIME_LIMIT, time_limit=SOFT_TIME_LIMIT + 30)
def apply_template_change(change_id: int) -> dict:
    change = services.change_run(change_id=change_id)
    return {"change": change_id, "applied": change is not None}
