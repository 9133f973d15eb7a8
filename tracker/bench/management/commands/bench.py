"""`manage.py bench`: generate (or reuse) a synthetic dataset and time the app against it.

    manage.py bench --scale city                 # readable table
    manage.py bench --scale city --json          # one JSON object on stdout
    manage.py bench --scale province --generate-only
    manage.py bench --scale tiny --runs 2 --json # what the test suite runs

Progress goes to stderr. Entry POST scenarios really add entries (through the service, with
history), spread over the bench unit's open tasks; the dataset stays consistent.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings

from tracker.bench import jobs_scenarios, scenarios  # noqa: F401 (jobs_scenarios registers its scenarios)
from tracker.bench.generator import SCALES, dataset_generate, dataset_rows
from tracker.bench.harness import BenchError, measure, measure_floor
from tracker.bench.scenarios import FLOOR_VIEW, BenchContext


class Command(BaseCommand):
    help = "Generate a synthetic city or province (once) and measure pages and jobs against it."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="city")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--runs", type=int, default=20, help="timed runs per scenario (default 20)")
        parser.add_argument("--regenerate", action="store_true", help="delete and rebuild the dataset")
        parser.add_argument("--generate-only", action="store_true", help="build the dataset, measure nothing")
        parser.add_argument("--only", default="", help="comma-separated scenario names")
        parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--list", action="store_true", help="list the scenarios and exit")

    def handle(self, *args, **options):
        if options["list"]:
            for s in scenarios.SCENARIOS:
                self.stdout.write(f"{s.name:<24} {s.role or '-':<16} {s.description}")
            return
        if options["runs"] < 1:
            raise CommandError("--runs must be at least 1")
        wanted = {n.strip() for n in options["only"].split(",") if n.strip()}
        unknown = wanted - {s.name for s in scenarios.SCENARIOS}
        if unknown:
            raise CommandError(f"unknown scenarios: {', '.join(sorted(unknown))} (see --list)")
        interactive = sys.stderr.isatty() and options["verbosity"] > 0
        dataset = dataset_generate(
            scale=options["scale"],
            seed=options["seed"],
            regenerate=options["regenerate"],
            progress=options["verbosity"] > 0,
            log=lambda message: self.stderr.write(message) if options["verbosity"] > 0 else None,
        )
        report = {
            "scale": options["scale"],
            "seed": options["seed"],
            "machine": _machine(),
            "database": _database(),
            "generation": {"generated": dataset.generated, "seconds": _round(dataset.seconds)},
            "rows": dataset_rows(dataset),
            "runs": options["runs"],
            "scenarios": {},
            "floor": None,
        }
        if not options["generate_only"]:
            # DEBUG off as in production: no query log, no debug template engine.
            with override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
                self._measure(report, dataset, wanted, options, interactive)
            # `load_average` is the machine before the measurements; this, after them.
            report["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
        else:
            self._table(report)

    def _measure(self, report, dataset, wanted, options, interactive) -> None:
        ctx = BenchContext.build(dataset)
        for scenario in scenarios.SCENARIOS:
            if wanted and scenario.name not in wanted:
                continue
            if options["verbosity"] > 0:
                self.stderr.write(f"measuring {scenario.name} …", ending="\r" if interactive else "\n")
            try:
                result = measure(scenario, ctx, runs=options["runs"], memory=not options["no_memory"])
            except BenchError as exc:
                raise CommandError(str(exc)) from exc
            report["scenarios"][scenario.name] = result.as_dict()
        timing, numbers = measure_floor(ctx, runs=options["runs"])
        view = report["scenarios"].get(FLOOR_VIEW)
        report["floor"] = {
            "scope": ctx.city.name,
            **vars(timing),
            "view": FLOOR_VIEW,
            "ratio": round(view["p50_ms"] / timing.p50_ms, 2) if view and timing.p50_ms else None,
            "numbers": numbers,
        }
        if dataset.root.pk != ctx.city.pk:
            # A province: the floor of the whole province says whether live aggregation can stay
            # under the province target at all, or rollup tables are needed.
            timing, numbers = measure_floor(ctx, runs=max(3, options["runs"] // 4), scope=dataset.root)
            report["floor_root"] = {"scope": dataset.root.name, **vars(timing), "numbers": numbers}

    def _table(self, report) -> None:
        out = self.stdout.write
        gen = report["generation"]
        out(f"scale {report['scale']} (seed {report['seed']}) on {report['database']['vendor']}")
        out(
            f"dataset: {'generated in ' + str(gen['seconds']) + ' s' if gen['generated'] else 'reused'}; "
            + ", ".join(f"{k} {v:,}" for k, v in report["rows"].items())
        )
        if report["database"].get("size_mib") is not None:
            size, load = report["database"]["size_mib"], report["machine"]["load_average"]
            after = report["machine"].get("load_average_end")
            out(f"database size: {size:,} MiB; load average {load}" + (f" before, {after} after" if after else ""))
        if not report["scenarios"]:
            return
        out("")
        header = (
            f"{'scenario':<24}{'p50 ms':>9}{'p95 ms':>9}{'cpu ms':>9}{'queries':>9}{'peak MiB':>10}{'target':>9}  ok"
        )
        out(header)
        out("-" * len(header))
        for name, s in report["scenarios"].items():
            peak = "-" if s["peak_mib"] is None else f"{s['peak_mib']:.1f}"
            target = "-" if s["target_p50_ms"] is None else f"{s['target_p50_ms']:g}"
            ok = {True: "yes", False: "NO", None: ""}[s["meets_target"]]
            cpu = "-" if s["cpu_p50_ms"] is None else f"{s['cpu_p50_ms']:.1f}"
            out(f"{name:<24}{s['p50_ms']:>9.1f}{s['p95_ms']:>9.1f}{cpu:>9}{s['queries']:>9}{peak:>10}{target:>9}  {ok}")
        floor = report["floor"]
        ratio = "-" if floor["ratio"] is None else f"{floor['ratio']:g}"
        out(f"{'floor (one SQL)':<24}{floor['p50_ms']:>9.1f}{floor['p95_ms']:>9.1f}{'-':>9}{1:>9}")
        out(f"\nratio {floor['view']} / floor: {ratio}  (scope {floor['scope']}, runs {report['runs']})")
        if report.get("floor_root"):
            root = report["floor_root"]
            out(f"floor for the whole {root['scope']}: p50 {root['p50_ms']:.1f} ms, p95 {root['p95_ms']:.1f} ms")


def _round(value):
    return None if value is None else round(value, 1)


def _machine() -> dict:
    memory = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 2**20, 1)
    return {
        "cpus": os.cpu_count(),
        # Other work on the machine skews the figures; the load average says how much there was.
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "memory_gib": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def _database() -> dict:
    info: dict[str, Any] = {
        "vendor": connection.vendor,
        "name": str(connection.settings_dict["NAME"]),
        "size_mib": None,
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database()), current_setting('server_version')")
            size, version = cursor.fetchone()
        info.update(size_mib=round(size / 2**20, 1), version=version)
    elif Path(info["name"]).exists():
        info["size_mib"] = round(Path(info["name"]).stat().st_size / 2**20, 1)
    return info
