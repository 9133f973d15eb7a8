"""Compare the roll-up tables with a full recount; exit 1 on any difference."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from tracker.campaigns.selectors import campaign_named
from tracker.rollups.check import rollups_check
from tracker.rollups.models import DirtyUnit
from tracker.rollups.services import rollups_refresh
from tracker.work.lights import LightRule


class Command(BaseCommand):
    help = "Recount tasks, entries and events and compare with the roll-up tables (exit 1 on a difference)."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", metavar="CODE", help="the campaign's code (default: the current campaign)")
        parser.add_argument(
            "--no-refresh", action="store_true", help="compare as stored, without folding in pending changes first"
        )

    def handle(self, *args, no_refresh: bool = False, **options):
        campaign = campaign_named(options.get("campaign"))
        if campaign is None:
            raise CommandError("no such campaign" if options.get("campaign") else "no active campaign")
        rule = LightRule.for_campaign(campaign)
        started = time.perf_counter()
        if not no_refresh:
            rollups_refresh(campaign=campaign, rule=rule)
        refreshed = time.perf_counter()
        differences = rollups_check(campaign=campaign, rule=rule)
        checked = time.perf_counter()
        bad = [d for d in differences if d.missing or d.extra]
        for d in differences:
            status = "ok" if not (d.missing or d.extra) else f"{d.missing} missing, {d.extra} extra"
            self.stdout.write(f"{d.table:24} {d.span:8} {status}")
            for example in d.examples:
                self.stdout.write(f"    {example}")
        pending = DirtyUnit.objects.filter(campaign_id=campaign.pk).count()
        self.stdout.write(
            f"refresh {refreshed - started:.2f} s, check {checked - refreshed:.2f} s; "
            f"{pending} changed units not yet folded in"
        )
        if bad:
            raise CommandError(f"{len(bad)} roll-up tables differ from a recount")
        self.stdout.write(self.style.SUCCESS("roll-ups equal a full recount"))
