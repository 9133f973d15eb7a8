"""The crowding watch of a wide scope, kept as a snapshot a background job computes.

Clustering every research visit of a province (about 300,000) takes seconds, too long for a
request; an office whose scope holds more than `CROWDING_LIVE_MAX_UNITS` units reads the rows its
last job wrote instead, with the time they were computed, and the page starts a new job when they
are older than `CROWDING_SNAPSHOT_MAX_AGE`. Smaller scopes are computed live on every request.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tracker.campaigns.models import Campaign


class CrowdingSnapshot(models.Model):
    """The crowded sites and duplicated topics of one scope, as the selectors' rows (JSON)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    # Who may read it: the scope's key (tracker.ledgers.crowding.scope_key); equal scopes share it.
    scope_key = models.CharField(max_length=64)
    computed_at = models.DateTimeField()
    sites = models.JSONField(default=list)  # crowded_site_rows, dates as ISO strings
    sites_total = models.IntegerField(default=0)
    topics = models.JSONField(default=list)  # duplicated_topic_rows
    topics_total = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("crowding snapshot")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "scope_key"], name="crowding_snapshot_one_per_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.scope_key} @ {self.computed_at:%Y-%m-%d %H:%M}"
