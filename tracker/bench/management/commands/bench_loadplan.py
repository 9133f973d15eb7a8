"""`manage.py bench_loadplan`: sessions and a request list for wrk (see scripts/loadtest.sh)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.bench.generator import SCALES, dataset_find
from tracker.bench.loadplan import load_plan, write_lua_plan


class Command(BaseCommand):
    help = "Write the load test's requests (a Lua table for wrk) for an existing bench dataset."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="city")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--units", type=int, default=40, help="district bureaus whose staff take part")
        parser.add_argument("--out", default="var/loadtest/plan.lua")

    def handle(self, *args, **options):
        dataset = dataset_find(scale=options["scale"], seed=options["seed"])
        if dataset is None:
            raise CommandError(f"no {options['scale']} dataset: run manage.py bench --scale {options['scale']} first")
        requests = load_plan(dataset, units=options["units"])
        write_lua_plan(requests, Path(options["out"]))
        mix = Counter(r["name"] for r in requests)
        self.stdout.write(
            f"{len(requests)} requests → {options['out']}: " + ", ".join(f"{k} {v}" for k, v in mix.items())
        )
