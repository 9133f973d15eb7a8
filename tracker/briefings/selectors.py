"""What a briefing says, read through the same dashboard selectors as the overview page.

`briefing_data` gathers everything in a fixed number of queries; `document.py` only lays it out.
The overall numbers, the measure table, the ranking, the red list and the stale units are the
objects `tracker.dashboards.selectors` hands to the overview and the matrix, so the file and the
screen cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q

from tracker.briefings.models import BriefingJob, BriefingJobQuerySet
from tracker.campaigns.models import Campaign
from tracker.cases.models import ModelCase
from tracker.cases.selectors import featured_cases
from tracker.core.types import AnyUser, User
from tracker.dashboards import selectors as dashboards
from tracker.dashboards.selectors import Overview, UnitFilters
from tracker.ledgers.models import RectificationItem, RectificationStatus, ResearchVisit
from tracker.ledgers.selectors import CrowdedSite, crowded_sites_page
from tracker.orgs.models import Unit
from tracker.rollups.services import rollups_refresh
from tracker.work.lights import Light, LightRule

RANKING_SIZE = 5  # top and bottom of the ranking
LIST_SIZE = 15  # red list, stale units, model cases, overdue items


def briefing_jobs(*, user: AnyUser) -> BriefingJobQuerySet:
    return BriefingJob.objects.for_user(user).select_related("campaign")


@dataclass
class Rectification:
    opened: int
    closed: int
    open_now: int
    overdue: int
    overdue_items: list[RectificationItem]


@dataclass
class Research:
    visits: int
    unannounced: int
    crowded: list[CrowdedSite]


@dataclass
class Briefing:
    """One person's briefing for `starts_on`–`ends_on`; counts without dates are as of `today`."""

    campaign: Campaign
    starts_on: date
    ends_on: date
    today: date
    overview: Overview
    top: list[Unit]
    bottom: list[Unit]
    ranked: int
    red: list[Unit]
    red_count: int
    featured: list[ModelCase]
    rectification: Rectification
    research: Research
    notes: list[str] = field(default_factory=list)


def _ranking(*, user: User, campaign: Campaign, rule: LightRule) -> tuple[list[Unit], list[Unit], int]:
    ranked = dashboards.ranking(user=user, campaign=campaign, rule=rule)
    total = ranked.count()
    top = list(ranked[:RANKING_SIZE])
    # The tail of the same ordered list (ties read as on the matrix), never repeating the top.
    bottom = list(ranked[max(total - RANKING_SIZE, RANKING_SIZE) : total]) if total > RANKING_SIZE else []
    return top, bottom, total


def rectification_summary(
    *, user: User, campaign: Campaign, starts_on: date, ends_on: date, today: date
) -> Rectification:
    items = RectificationItem.objects.for_user(user).filter(campaign=campaign)
    counts = items.aggregate(
        opened=_count(Q(created_at__date__gte=starts_on, created_at__date__lte=ends_on)),
        closed=_count(Q(status=RectificationStatus.CLOSED, closed_on__gte=starts_on, closed_on__lte=ends_on)),
        open_now=_count(~Q(status=RectificationStatus.CLOSED)),
        overdue=_count(~Q(status=RectificationStatus.CLOSED) & Q(deadline__lt=today)),
    )
    overdue = (
        items.exclude(status=RectificationStatus.CLOSED)
        .filter(deadline__lt=today)
        .select_related("unit")
        .order_by("deadline", "unit__path", "id")[:LIST_SIZE]
    )
    return Rectification(**counts, overdue_items=list(overdue))


def research_summary(*, user: User, campaign: Campaign, starts_on: date, ends_on: date) -> Research:
    visits = ResearchVisit.objects.for_user(user).filter(campaign=campaign, visited_on__range=(starts_on, ends_on))
    counts = visits.aggregate(visits=_count(Q()), unannounced=_count(Q(unannounced=True)))
    crowded, _ = crowded_sites_page(user=user, campaign=campaign, limit=LIST_SIZE, since=starts_on)
    return Research(**counts, crowded=crowded)


def _count(condition: Q) -> Count:
    return Count("pk", filter=condition)


def briefing_data(
    *, user: User, campaign: Campaign, starts_on: date, ends_on: date, rule: LightRule | None = None
) -> Briefing:
    rule = rule or LightRule.for_campaign(campaign)
    rollups_refresh(campaign=campaign, rule=rule)
    overview = dashboards.overview(user=user, campaign=campaign, rule=rule)
    top, bottom, ranked = _ranking(user=user, campaign=campaign, rule=rule)
    red = dashboards.unit_rollups(user=user, campaign=campaign, rule=rule, filters=UnitFilters(light=Light.RED))
    featured = featured_cases(user=user, campaign=campaign)
    return Briefing(
        campaign=campaign,
        starts_on=starts_on,
        ends_on=ends_on,
        today=rule.today,
        overview=overview,
        top=top,
        bottom=bottom,
        ranked=ranked,
        red=list(red[:LIST_SIZE]),
        red_count=red.count(),
        featured=list(featured[:LIST_SIZE]),
        rectification=rectification_summary(
            user=user, campaign=campaign, starts_on=starts_on, ends_on=ends_on, today=rule.today
        ),
        research=research_summary(user=user, campaign=campaign, starts_on=starts_on, ends_on=ends_on),
    )
