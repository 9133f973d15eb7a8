"""Time scenarios: p50/p95 over repeated runs, SQL queries of one run, peak Python memory of one run.

Each scenario runs once to warm up (templates compiled, connection open), with its queries
counted, after the roll-ups have caught up with earlier scenarios' writes as the minute job
would have (`rollups_refresh`); then `runs` timed runs; then, when memory is asked for, once more under tracemalloc
(which slows Python down, so it never overlaps the timed runs).
"""

from __future__ import annotations

import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.db import connection
from django.test import Client

from tracker.bench.floor import floor_numbers
from tracker.bench.scenarios import BenchContext, Scenario
from tracker.rollups.services import rollups_refresh


class QueryCounter:
    """Counts SQL statements on a connection (an execute wrapper: immune to the query log's resets)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class BenchError(Exception):
    """A scenario did not do what it should (wrong status): its timings would mean nothing."""


@dataclass
class Timing:
    runs: int
    p50_ms: float
    p95_ms: float
    min_ms: float
    max_ms: float
    # CPU time of this process (Python, not the database) per run: steadier than wall time
    # when other work shares the machine.
    cpu_p50_ms: float | None = None

    @classmethod
    def of(cls, seconds: list[float], cpu_seconds: list[float] | None = None) -> Timing:
        ms = sorted(s * 1000 for s in seconds)
        p95 = statistics.quantiles(ms, n=20, method="inclusive")[18] if len(ms) > 1 else ms[0]
        cpu = round(statistics.median(cpu_seconds) * 1000, 2) if cpu_seconds else None
        return cls(len(ms), round(statistics.median(ms), 2), round(p95, 2), round(ms[0], 2), round(ms[-1], 2), cpu)


@dataclass
class Measurement:
    name: str
    role: str | None
    method: str
    url: str | None
    status: int | None
    bytes: int | None
    queries: int
    timing: Timing
    peak_mib: float | None
    maxrss_mib: float
    target_p50_ms: float | None
    target_peak_mib: float | None
    description: str
    target_p95_ms: float | None = None

    @property
    def meets_target(self) -> bool | None:
        checks = []
        if self.target_p50_ms is not None:
            checks.append(self.timing.p50_ms <= self.target_p50_ms)
        if self.target_p95_ms is not None:
            checks.append(self.timing.p95_ms <= self.target_p95_ms)
        if self.target_peak_mib is not None and self.peak_mib is not None:
            checks.append(self.peak_mib <= self.target_peak_mib)
        return all(checks) if checks else None

    def as_dict(self) -> dict:
        data = asdict(self)
        timing = data.pop("timing")
        return {**data, **timing, "meets_target": self.meets_target}


def _runner(scenario: Scenario, ctx: BenchContext) -> Callable[[int], tuple[int | None, int | None]]:
    """A function doing the scenario's run number i, returning (status, response bytes)."""
    if (action := scenario.call) is not None:

        def call(i: int) -> tuple[None, None]:
            action(ctx, i)
            return None, None

        return call

    client = Client()
    if scenario.role is not None:
        user = ctx.users.get(scenario.role)
        if user is None:
            raise BenchError(f"{scenario.name}: the dataset has no user with role {scenario.role!r}")
        client.force_login(user)
    headers = {"HX-Request": "true"} if scenario.htmx else {}
    send = getattr(client, scenario.method)

    make_data, url_of = scenario.data, scenario.url
    if url_of is None:
        raise BenchError(f"{scenario.name}: a scenario has either a url or a call")

    def run(i: int) -> tuple[int, int]:
        url = url_of(ctx, i)
        data = make_data(ctx, i) if make_data else None
        response = send(url, data, headers=headers) if data is not None else send(url, headers=headers)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if response.status_code != scenario.expect:
            raise BenchError(f"{scenario.name}: {scenario.method.upper()} {url} gave {response.status_code}")
        return response.status_code, len(body)

    return run


def measure(scenario: Scenario, ctx: BenchContext, *, runs: int, memory: bool = True) -> Measurement:
    run = _runner(scenario, ctx)
    runs = scenario.runs or runs
    # Earlier scenarios' entry POSTs marked units; the minute job folds them in, not this page.
    rollups_refresh(campaign=ctx.campaign, rule=ctx.rule)
    if scenario.setup is not None:
        scenario.setup(ctx)
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        status, size = run(0)
    seconds, cpu = [], []
    for i in range(1, runs + 1):
        started, cpu_started = time.perf_counter(), time.process_time()
        run(i)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    peak = None
    if memory:
        tracemalloc.start()
        try:
            run(runs + 1)
            peak = round(tracemalloc.get_traced_memory()[1] / 2**20, 2)
        finally:
            tracemalloc.stop()
    return Measurement(
        name=scenario.name,
        role=scenario.role,
        method=scenario.method if scenario.url else "call",
        url=scenario.url(ctx, 0) if scenario.url else None,
        status=status,
        bytes=size,
        queries=counter.count,
        timing=Timing.of(seconds, cpu),
        peak_mib=peak,
        maxrss_mib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        description=scenario.description,
        **scenario.targets(ctx.dataset.scale),
    )


def measure_floor(ctx: BenchContext, *, runs: int, scope=None) -> tuple[Timing, dict]:
    """Time the hand-written overview statement for the city scope (or another unit's)."""
    scope = scope or ctx.city
    numbers = floor_numbers(scope=scope, campaign=ctx.campaign, rule=ctx.rule)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        floor_numbers(scope=scope, campaign=ctx.campaign, rule=ctx.rule)
        seconds.append(time.perf_counter() - started)
    return Timing.of(seconds), numbers.as_dict()
