"""`manage.py bench` runs end to end at the tiny scale and reports what it promises (no timing asserted)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from tracker.bench import scenarios
from tracker.bench.scenarios import FLOOR_VIEW, Scenario
from tracker.work.models import Entry

pytestmark = pytest.mark.django_db

SCENARIO_KEYS = {
    "name",
    "role",
    "method",
    "url",
    "status",
    "bytes",
    "queries",
    "runs",
    "p50_ms",
    "p95_ms",
    "min_ms",
    "max_ms",
    "cpu_p50_ms",
    "peak_mib",
    "maxrss_mib",
    "target_p50_ms",
    "target_p95_ms",
    "target_peak_mib",
    "meets_target",
    "description",
}


def run_bench(*args: str) -> dict:
    out = StringIO()
    call_command("bench", "--scale", "tiny", "--json", *args, stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_bench_json_has_every_scenario_and_the_floor():
    report = run_bench("--runs", "2")
    assert {"scale", "seed", "machine", "database", "generation", "rows", "runs", "scenarios", "floor"} <= set(report)
    assert report["scale"] == "tiny" and report["runs"] == 2 and report["generation"]["generated"]
    # The load average before and after the measurements, three figures each.
    assert len(report["machine"]["load_average"]) == len(report["machine"]["load_average_end"]) == 3
    assert report["rows"]["units"] == 20 and report["rows"]["entries"] > 0 and report["rows"]["ledger_rows"] > 0
    assert set(report["scenarios"]) == {s.name for s in scenarios.SCENARIOS}
    for name, result in report["scenarios"].items():
        assert set(result) == SCENARIO_KEYS, name
        expected_runs = getattr(next(s for s in scenarios.SCENARIOS if s.name == name), "runs", None) or 2
        assert result["runs"] == expected_runs and result["queries"] > 0, name
        assert result["status"] == (200 if result["method"] != "call" else None), name
        assert result["p50_ms"] > 0 and result["p95_ms"] >= result["p50_ms"] * 0.99, name
    floor = report["floor"]
    assert floor["view"] == FLOOR_VIEW and floor["ratio"] > 0
    assert floor["numbers"]["total"] == sum(m["total"] for m in floor["numbers"]["by_measure"].values()) > 0


def test_entry_posts_go_through_the_service():
    report = run_bench("--runs", "2", "--only", "entry_post", "--no-memory")
    assert list(report["scenarios"]) == ["entry_post"]
    posted = Entry.objects.filter(text__startswith="基准测试")
    assert posted.count() == 3  # warm-up + 2 runs
    assert Entry.history.model.objects.filter(id__in=posted.values("id"), history_type="+").count() == 3


def test_a_registered_call_scenario_is_timed(monkeypatch):
    monkeypatch.setattr(scenarios, "SCENARIOS", list(scenarios.SCENARIOS))
    calls = []
    scenarios.register(Scenario(name="job", call=lambda ctx, i: calls.append(i), runs=3))
    report = run_bench("--runs", "2", "--only", "job")
    assert report["scenarios"]["job"]["runs"] == 3 and report["scenarios"]["job"]["method"] == "call"
    assert calls == [0, 1, 2, 3, 4]  # warm-up, three timed runs, the memory run
    with pytest.raises(ValueError):
        scenarios.register(Scenario(name="unit_page", url=lambda ctx, i: "/"))
