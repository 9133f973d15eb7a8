"""Recompute every task's progress, status and counters from entries, ledger rows and events; exit 1 on a difference."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tracker.campaigns.selectors import campaign_named
from tracker.ledgers.progress import progress_differences, progress_repair

FIX_REASON = "check_progress --fix"


class Command(BaseCommand):
    help = (
        "Recount every task of the current campaign from its entries, the ledger rows and its review events, "
        "print each difference and exit 1 if there is any; --fix repairs them through the one progress writer."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--campaign", metavar="CODE", help="the campaign's code (default: the current campaign)")
        parser.add_argument("--fix", action="store_true", help="repair what differs, with a history reason")

    def handle(self, *args, fix: bool = False, **options) -> None:
        campaign = campaign_named(options.get("campaign"))
        if campaign is None:
            raise CommandError("no such campaign" if options.get("campaign") else "no active campaign")
        differences = progress_differences(campaign=campaign)
        for difference in differences:
            self.stdout.write(str(difference))
        if differences and fix:
            repaired = progress_repair(campaign=campaign, by=None, reason=FIX_REASON)
            self.stdout.write(f"{repaired} tasks repaired")
            differences = progress_differences(campaign=campaign)
            for difference in differences:
                self.stdout.write(f"still: {difference}")
        if differences:
            raise CommandError(f"{len(differences)} differences from a recount")
        self.stdout.write(self.style.SUCCESS("every task equals a recount of its entries, ledger rows and events"))
