"""Write a campaign's definition as YAML that `manage.py seed_campaign --file PATH` loads back unchanged."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.campaigns.definition import campaign_export_yaml
from tracker.campaigns.models import Campaign


class Command(BaseCommand):
    help = "Write the campaign's definition (campaign, categories, measures, templates) as YAML."

    def add_arguments(self, parser) -> None:
        parser.add_argument("code", help="the campaign's code")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, code: str, output: str | None = None, **options) -> None:
        campaign = Campaign.objects.filter(code=code).first()
        if campaign is None:
            known = ", ".join(Campaign.objects.order_by("code").values_list("code", flat=True)) or "none"
            raise CommandError(f"no campaign {code!r} (known: {known})")
        text = campaign_export_yaml(campaign=campaign)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stdout.write(f"campaign {code} written to {output}")
        else:
            self.stdout.write(text, ending="")
