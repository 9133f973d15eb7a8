"""The roll-ups' minute job: fold in changes and, after midnight or a threshold edit, rebuild."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from tracker.campaigns.models import Campaign
from tracker.rollups.services import rollups_refresh
from tracker.work.lights import LightRule


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=10, max_retries=3, soft_time_limit=540, time_limit=600)
def refresh_rollups(campaign_id: int | None = None) -> dict:
    """Beat, every minute: readers then seldom find anything to fold in themselves.

    Every running campaign (several batches may run at once), or the one whose id is given; a
    closed campaign's archive is refreshed by its readers when they open it.
    """
    campaigns = (
        Campaign.objects.filter(is_active=True) if campaign_id is None else Campaign.objects.filter(pk=campaign_id)
    )
    rules = {}
    for campaign in campaigns.order_by("-starts_on"):
        rules[campaign.pk] = rollups_refresh(campaign=campaign, rule=LightRule.for_campaign(campaign)).rule_key
    if not rules:
        return {"campaign": None}
    # The first key keeps the shape the beat's earlier result had: the latest campaign.
    first = next(iter(rules))
    return {"campaign": first, "rule": rules[first], "campaigns": rules}
