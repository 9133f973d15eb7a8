"""Celery jobs of the notification outbox: take plain values, call the relay service, return."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from tracker.notify import services


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=10, max_retries=5)
def relay_deliveries(ids: list[int] | None = None) -> dict:
    """Push what the outbox holds (beat, every minute; also enqueued after each commit that queues some).

    A failed try records its next attempt in the row; the job schedules itself for then, so
    retries keep their backoff even without beat.
    """
    result = services.deliveries_relay(ids=ids)
    if result.more:
        relay_deliveries.apply_async()
    elif result.next_in is not None:
        relay_deliveries.apply_async(countdown=min(result.next_in, 600))
    return {"sent": result.sent, "retrying": result.retrying, "failed": result.failed}
