from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tracker.campaigns.seeding import DEFAULT_DEFINITION, campaign_seed
from tracker.work.instantiation import tasks_generate


class Command(BaseCommand):
    help = "Load the campaign definition (seeds/campaign.yaml) idempotently and generate missing tasks."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEFAULT_DEFINITION))
        parser.add_argument("--starts-on", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--ends-on", type=date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *args, **options):
        from pathlib import Path

        try:
            result = campaign_seed(
                path=Path(options["file"]), starts_on=options["starts_on"], ends_on=options["ends_on"]
            )
        except (ValidationError, FileNotFoundError, KeyError) as exc:
            raise CommandError(f"seed not loaded: {exc}") from exc
        c = result.campaign
        self.stdout.write(
            f"campaign {c.code} ({c.starts_on} – {c.ends_on}): {result.categories} categories, "
            f"{result.measures} measures, {result.templates} templates"
        )
        # After the seed has committed: units that exist already get the tasks they are missing.
        self.stdout.write(f"{tasks_generate(campaign=c)} tasks created")
