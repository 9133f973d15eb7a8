"""The demo's first batch (第一批): a campaign that ran before today's and is closed with its final numbers.

S2 l.10 "第一批接近尾声，第二批正在进行": the city-level units and some district units went first. Their
campaign is a clone of today's (same required actions, its own dates), run by the units in its
one batch, with progress simulated up to the day it closed; then it is closed, so the switcher
and the comparison page show a real archive beside today's running batch. Built once.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction

from tracker.campaigns.models import Campaign
from tracker.campaigns.services import batch_create, campaign_clone, campaign_close, participation_set
from tracker.orgs.models import RoleAssignment, Unit
from tracker.rollups.services import rollups_invalidate
from tracker.work.instantiation import tasks_generate

FIRST_CODE = "2023-batch1"
FIRST_NAME_ZH = "学习贯彻习近平新时代中国特色社会主义思想主题教育（第一批）"
FIRST_NAME_EN = "Theme education on Xi Jinping Thought (first batch)"
# The first batch: the city-level units and each district's hospital and archives. The units of the
# demo accounts (a district's Party committee office and education bureau) are in the second batch
# only, so their walkthroughs find one task per required action.
FIRST_BATCH_SUFFIXES = ("-hospital", "-archives")
# Its dates, relative to the demo's today: it ran for about five months and closed two months ago.
STARTS_AGO, ENDS_AGO, CLOSED_AGO = 210, 70, 63


def _first_batch_units() -> list[Unit]:
    units = Unit.objects.filter(participates=True, category__isnull=False)
    return [u for u in units if u.code.startswith("city-") or u.code.endswith(FIRST_BATCH_SUFFIXES)]


def demo_first_batch(*, today: date, seed: int = 2023) -> Campaign | None:
    """Build and close the first batch once; None when it exists already or there is nothing to clone."""
    from tracker.demo.builder import _simulate_progress  # the builder calls this module

    if Campaign.objects.filter(code=FIRST_CODE).exists():
        return None
    running = Campaign.objects.filter(is_active=True).exclude(code=FIRST_CODE).order_by("-starts_on").first()
    if running is None:
        return None
    starts_on, ends_on = today - timedelta(days=STARTS_AGO), today - timedelta(days=ENDS_AGO)
    units = _first_batch_units()
    with transaction.atomic():
        campaign = campaign_clone(
            source=running,
            code=FIRST_CODE,
            name_zh=FIRST_NAME_ZH,
            name_en=FIRST_NAME_EN,
            starts_on=starts_on,
            ends_on=ends_on,
            by=None,
        )
        batch = batch_create(
            campaign=campaign,
            code="first",
            name_zh="第一批",
            name_en="First batch",
            starts_on=starts_on,
            ends_on=ends_on,
        )
        participation_set(campaign=campaign, unit_ids=[u.pk for u in units], batch=batch)
    tasks_generate(campaign=campaign)
    people: dict[int, list] = {}
    for assignment in RoleAssignment.objects.filter(unit__in=units).select_related("user").order_by("pk"):
        if assignment.unit_id is not None:
            people.setdefault(assignment.unit_id, []).append(assignment.user)
    closed_on = today - timedelta(days=CLOSED_AGO)
    # Progress as it stood on the day the batch closed: its final numbers.
    _simulate_progress(campaign, units, people, random.Random(seed + 1), closed_on)
    rollups_invalidate(campaign=campaign)
    return campaign_close(campaign=campaign, by=None, on=closed_on)
