"""The crowding watch (扎堆调研) of a page: computed live for most scopes, a job's snapshot for wide ones.

See `tracker.ledgers.models.crowding`. `crowding_page` is what the page shows; `crowding_refresh`
starts the job that renews a wide scope's snapshot (at most one at a time per person);
`run_crowding_snapshot` is that job.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.campaigns.models import Campaign
from tracker.core.types import User
from tracker.jobs import registry
from tracker.jobs.models import Job, JobStatus
from tracker.jobs.runner import JobContext, JobError
from tracker.jobs.selectors import latest_job
from tracker.jobs.services import job_start
from tracker.ledgers import selectors
from tracker.ledgers.models import CrowdingSnapshot
from tracker.ledgers.selectors import CrowdedSite, DuplicatedTopic
from tracker.orgs.models import Unit
from tracker.orgs.scope import Scope, scope_for

CROWDING_SNAPSHOT = "crowding_snapshot"
# A city office may see hundreds of crowded sites; the busiest and latest come first, the rest are counted.
CROWDING_SHOWN = 50


@dataclass
class Crowding:
    """What the crowding partial shows. `computed_at` is set when it is a snapshot (None: live)."""

    sites: list[CrowdedSite] = field(default_factory=list)
    sites_total: int = 0
    topics: list[DuplicatedTopic] = field(default_factory=list)
    topics_total: int = 0
    computed_at: datetime | None = None
    job: Job | None = None  # the job renewing the snapshot, while it runs
    failed: Job | None = None  # the last renewal, when it failed within the snapshot's age
    wide: bool = False  # a snapshot scope, even before its first snapshot exists

    def context(self, campaign: Campaign) -> dict[str, Any]:
        return {
            "crowded_sites": self.sites,
            "crowded_total": self.sites_total,
            "duplicated_topics": self.topics,
            "duplicated_total": self.topics_total,
            "window_days": campaign.research_window_days,
            "snapshot_at": self.computed_at,
            "snapshot_job": self.job,
            "snapshot_failed": self.failed,
            "snapshot_wide": self.wide,
        }


def scope_key(scope: Scope) -> str:
    """Equal scopes, equal keys: the subtrees and single units a person reads, hashed."""
    if scope.is_superuser:
        return "all"
    text = "|".join([*sorted(scope.read_paths), *map(str, sorted(scope.read_unit_ids))])
    return hashlib.sha256(text.encode()).hexdigest()[:64]


def is_wide(scope: Scope) -> bool:
    """More units than CROWDING_LIVE_MAX_UNITS (one count; a guide's few units are never wide)."""
    if not (scope.is_superuser or scope.read_paths):
        return False
    limit = settings.CROWDING_LIVE_MAX_UNITS
    return Unit.objects.filter(scope.unit_q()).order_by()[: limit + 1].count() > limit


def crowding_live(*, user: User, campaign: Campaign) -> Crowding:
    sites, sites_total = selectors.crowded_sites_page(user=user, campaign=campaign, limit=CROWDING_SHOWN)
    topics, topics_total = selectors.duplicated_topics_page(user=user, campaign=campaign, limit=CROWDING_SHOWN)
    return Crowding(sites=sites, sites_total=sites_total, topics=topics, topics_total=topics_total)


def crowding_page(*, user: User, campaign: Campaign) -> Crowding:
    """The crowding watch for `user`: live, or the scope's snapshot, renewed by a job when stale."""
    scope = scope_for(user)
    if not is_wide(scope):
        return crowding_live(user=user, campaign=campaign)
    snapshot = CrowdingSnapshot.objects.filter(campaign=campaign, scope_key=scope_key(scope)).first()
    last = latest_job(user=user, kind=CROWDING_SNAPSHOT)
    crowding = _from_snapshot(snapshot) if snapshot else Crowding()
    crowding.wide = True
    if last is not None and last.is_active:
        crowding.job = last
    elif last is not None and last.status != JobStatus.DONE and not _stale_since(last.created_at):
        crowding.failed = last  # not renewed again on every visit: the page offers to retry
    elif _stale(snapshot):
        crowding.job = _start(user, campaign)
    return crowding


def crowding_refresh(*, user: User, campaign: Campaign) -> Job:
    """Start renewing the snapshot of the user's scope, unless the user's last renewal still runs."""
    last = latest_job(user=user, kind=CROWDING_SNAPSHOT)
    return last if last is not None and last.is_active else _start(user, campaign)


def _start(user: User, campaign: Campaign) -> Job:
    return job_start(kind=CROWDING_SNAPSHOT, owner=user, params={"campaign": campaign.pk})


def _stale(snapshot: CrowdingSnapshot | None) -> bool:
    return snapshot is None or _stale_since(snapshot.computed_at)


def _stale_since(moment: datetime) -> bool:
    return moment < timezone.now() - timedelta(minutes=settings.CROWDING_SNAPSHOT_MAX_AGE_MINUTES)


def _from_snapshot(snapshot: CrowdingSnapshot) -> Crowding:
    site_rows = [
        (visitors, date.fromisoformat(last), date.fromisoformat(first), *rest)
        for visitors, last, first, *rest in snapshot.sites
    ]
    sites, _sites_total = selectors.crowded_sites_from_rows(site_rows)
    topics, _topics_total = selectors.duplicated_topics_from_rows(snapshot.topics, snapshot.topics_total)
    return Crowding(
        sites=sites,
        sites_total=snapshot.sites_total,
        topics=topics,
        topics_total=snapshot.topics_total,
        computed_at=snapshot.computed_at,
    )


def run_crowding_snapshot(ctx: JobContext) -> None:
    """The job: cluster the visits and group the topics of the owner's scope, keep the shown rows."""
    campaign = Campaign.objects.filter(pk=int(ctx.params.get("campaign") or 0)).first()
    if campaign is None:
        raise JobError(gettext_lazy("The campaign of this crowding watch no longer exists."))
    sites_total, topics_total = crowding_snapshot_store(user=ctx.owner, campaign=campaign, progress=ctx.progress)
    ctx.progress(2)
    ctx.outcome.update({"sites": sites_total, "topics": topics_total})


def crowding_snapshot_store(
    *, user: User, campaign: Campaign, progress: Callable[..., object] | None = None
) -> tuple[int, int]:
    """Compute and keep the snapshot of the user's scope now; how many sites and titles it found."""
    report = progress or (lambda *args, **kwargs: None)
    computed_at = timezone.now()
    report(0, total=2, message=_("Clustering the research visits"))
    sites = selectors.crowded_site_rows(user=user, campaign=campaign, limit=CROWDING_SHOWN)
    report(1, message=_("Grouping the research topics"))
    topics, topics_total = selectors.duplicated_topic_rows(user=user, campaign=campaign, limit=CROWDING_SHOWN)
    sites_total = sites[0][7] if sites else 0  # every row carries the total
    CrowdingSnapshot.objects.update_or_create(
        campaign=campaign,
        scope_key=scope_key(scope_for(user)),
        defaults={
            "computed_at": computed_at,
            "sites": [[v, last.isoformat(), first.isoformat(), *rest] for v, last, first, *rest in sites],
            "sites_total": sites_total,
            "topics": [list(row) for row in topics],
            "topics_total": topics_total,
        },
    )
    return sites_total, topics_total


def register() -> None:
    registry.register(
        CROWDING_SNAPSHOT,
        run_crowding_snapshot,
        label=gettext_lazy("Crowded research watch"),
        detail_url=lambda job: reverse("ledgers:crowding"),
    )
