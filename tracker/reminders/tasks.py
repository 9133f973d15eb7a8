"""Celery jobs of the reminder system. They take plain values, call a service and return."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.db import DatabaseError

from tracker.reminders import services

log = logging.getLogger("tracker.reminders")


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=30, retry_backoff_max=600, max_retries=5)
def send_reminders(day: str | None = None) -> dict:
    """The daily sweep (beat); `day` is an ISO date for a catch-up run, today by default."""
    result = services.reminders_sweep(today=date.fromisoformat(day) if day else None, fan_out=True)
    log.info(
        "reminder sweep %s: %d reminders for %d people (%d mail slices for the workers)",
        result.today,
        result.decided,
        result.people,
        len(result.slices),
    )
    return {"day": result.today.isoformat(), "workday": result.workday, "people": result.people}


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=10, max_retries=5)
def relay_outbox(ids: list[int] | None = None) -> dict:
    """Send what the outbox holds (beat, every minute; also enqueued after each commit that queues mail).

    After a failed try the mail's next attempt is recorded in the database; this job schedules
    itself for then, so retries keep their backoff even without beat.
    """
    result = services.outbox_relay(ids=ids)
    if result.more:
        relay_outbox.apply_async()
    elif result.next_in is not None:
        # Capped well under the broker's visibility timeout; the periodic relay covers longer waits.
        relay_outbox.apply_async(countdown=min(result.next_in, 600))
    return {"sent": result.sent, "retrying": result.retrying, "failed": result.failed}


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=30, retry_backoff_max=600, max_retries=5)
def compose_mails(slice_id: int) -> dict:
    """One slice of a large sweep's mails (`services.mail_slice_compose`)."""
    piece = services.mail_slice_compose(slice_id=slice_id)
    if piece is None:
        return {"slice": slice_id, "done_already": True}
    return {"slice": slice_id, "people": piece.people, "mails": piece.mails}
