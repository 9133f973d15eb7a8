"""manage.py send_reminders [--date YYYY-MM-DD] [--dry-run]: the sweep beat runs, by hand."""

from __future__ import annotations

import resource
import time
import tracemalloc
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from tracker.reminders.models import Kind, MailSlice
from tracker.reminders.services import reminders_sweep

WAIT_MINUTES = 30.0
POLL_SECONDS = 2.0


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
        parser.add_argument(
            "--wait",
            type=float,
            default=WAIT_MINUTES,
            metavar="MINUTES",
            help=f"with --jobs: stop waiting for the workers after this many minutes (default {WAIT_MINUTES:g})",
        )

    def handle(
        self,
        *args,
        date: str | None = None,
        dry_run: bool = False,
        measure: bool = False,
        jobs: bool = False,
        wait: float = WAIT_MINUTES,
        **options,
    ):
        day = _parse(date)
        if not wait > 0:
            raise CommandError("--wait must be a number of minutes above 0")
        if measure:
            tracemalloc.start()
        started = time.perf_counter()
        result = reminders_sweep(today=day, dry_run=dry_run, fan_out=jobs)
        decided = time.perf_counter() - started
        if result.slices:
            self.stdout.write(f"decided in {decided:.1f} s; {len(result.slices)} mail slices for the workers")
            result.mailed = self._wait(result.slices, minutes=wait)
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

    def _wait(self, ids: list[int], *, minutes: float) -> int:
        """Wait for the workers to compose every slice; the mails they queued.

        Without a worker nothing ever moves: after `minutes` the command stops waiting and says
        so. The decisions are committed and the slices stay pending; the next sweep (or the
        next `send_reminders`) enqueues them again once a worker runs.
        """
        pending = MailSlice.objects.filter(pk__in=ids, done_at=None)
        deadline = time.monotonic() + minutes * 60
        while left := pending.count():
            if time.monotonic() >= deadline:
                raise CommandError(
                    f"{left} of {len(ids)} mail slices are still pending after {minutes:g} min: is a worker "
                    "running (celery -A tracker worker)? The reminders are recorded; the slices stay "
                    "pending and the next sweep enqueues them again."
                )
            self.stderr.write(f"{len(ids) - left}/{len(ids)} mail slices composed")
            time.sleep(min(POLL_SECONDS, max(deadline - time.monotonic(), 0)))
        return sum(MailSlice.objects.filter(pk__in=ids).values_list("mails", flat=True))


def _parse(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from exc
