"""The roll-ups' minute job: fold in changes and, after midnight or a threshold edit, rebuild."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from tracker.campaigns.selectors import current_campaign
from tracker.rollups.services import rollups_refresh
from tracker.work.lights import LightRule


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=10, max_retries=3, soft_time_limit=540, time_limit=600)
def refresh_rollups() -> dict:
    """Beat, every minute: readers then seldom find anything to fold in themselves."""
    campaign = current_campaign()
    if campaign is None:
        return {"campaign": None}
    state = rollups_refresh(campaign=campaign, rule=LightRule.for_campaign(campaign))
    return {"campaign": campaign.pk, "rule": state.rule_key}
