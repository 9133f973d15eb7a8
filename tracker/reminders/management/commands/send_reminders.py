"""manage.py send_reminders [--date YYYY-MM-DD] [--dry-run]: the sweep beat runs, by hand."""

from __future__ import annotations

import resource
import time
import tracemalloc
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from tracker.reminders.models import Kind, MailSlice
from tracker.reminders.services import reminders_sweep


class Command(BaseCommand):
    help = "Decide and queue today's reminders (the same sweep beat runs); --dry-run lists who would get what."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to sweep for, YYYY-MM-DD (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="list the mails, record and send nothing")
        parser.add_argument("--measure", action="store_true", help="print time and peak memory of the sweep")
        parser.add_argument(
            "--jobs",
            action="store_true",
            help="as beat runs it: leave a large batch's mails to the workers in slices, and wait for them",
        )

    def handle(
        self,
        *args,
        date: str | None = None,
        dry_run: bool = False,
        measure: bool = False,
        jobs: bool = False,
        **options,
    ):
        day = _parse(date)
        if measure:
            tracemalloc.start()
        started = time.perf_counter()
        result = reminders_sweep(today=day, dry_run=dry_run, fan_out=jobs)
        decided = time.perf_counter() - started
        if result.slices:
            self.stdout.write(f"decided in {decided:.1f} s; {len(result.slices)} mail slices for the workers")
            result.mailed = self._wait(result.slices)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if measure else 0
        if measure:
            tracemalloc.stop()
        if not result.workday:
            self.stdout.write(f"{result.today}: not a working day; nothing is sent (it goes out on the next one).")
            return
        labels = dict(Kind.choices)
        for mail in sorted(result.mails, key=lambda m: m.username):
            what = ", ".join(f"{n} {labels[kind]}" for kind, n in sorted(mail.kinds.items()))
            self.stdout.write(f"{mail.username} <{mail.email or 'no mail: bell and other channels'}>: {what}")
        if result.people > len(result.mails):
            self.stdout.write(f"… and {result.people - len(result.mails)} more people")
        summary = ", ".join(f"{n} {labels[kind]}" for kind, n in sorted(result.kinds.items())) or "nothing new"
        verb = "would queue" if dry_run else "queued"
        self.stdout.write(
            f"{result.today}: {verb} {result.mailed} mails ({summary}); {result.people} people reminded; "
            f"{result.planned} planned; {result.notified} more through notify()."
        )
        if measure:
            rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            self.stdout.write(
                f"sweep took {seconds:.2f} s; peak Python allocations {peak / 2**20:.1f} MiB; max RSS {rss_mb:.0f} MiB"
            )

    def _wait(self, ids: list[int]) -> int:
        """Wait for the workers to compose every slice; the mails they queued."""
        pending = MailSlice.objects.filter(pk__in=ids, done_at=None)
        while left := pending.count():
            self.stderr.write(f"{len(ids) - left}/{len(ids)} mail slices composed")
            time.sleep(2)
        return sum(MailSlice.objects.filter(pk__in=ids).values_list("mails", flat=True))


def _parse(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from exc
