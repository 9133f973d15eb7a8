"""The load test's plan replays like a browser: its sessions log in and its POSTs pass the CSRF check."""

from __future__ import annotations

from http.cookies import SimpleCookie
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from tracker.bench.generator import dataset_generate
from tracker.bench.loadplan import LOAD_MIX, load_plan

pytestmark = pytest.mark.django_db


def test_every_request_of_the_plan_succeeds_with_csrf_enforced(tmp_path):
    dataset = dataset_generate(scale="tiny", seed=3, progress=False)
    plan = load_plan(dataset, units=2, per_scenario=2)
    assert {r["name"] for r in plan} == {name for name, _ in LOAD_MIX}
    for request in plan:
        client = Client(enforce_csrf_checks=True)
        cookies = SimpleCookie()
        cookies.load(request["headers"]["Cookie"])
        client.cookies = cookies
        headers = {k: v for k, v in request["headers"].items() if k not in ("Cookie", "Content-Type")}
        if request["method"] == "POST":
            response = client.post(
                request["path"], request["body"], content_type=request["headers"]["Content-Type"], headers=headers
            )
        else:
            response = client.get(request["path"], headers=headers)
        assert response.status_code == 200, (request["name"], request["path"], response.status_code)

    out = tmp_path / "plan.lua"
    call_command(
        "bench_loadplan", "--scale", "tiny", "--seed", "3", "--units", "2", "--out", str(out), stdout=StringIO()
    )
    text = out.read_text(encoding="utf-8")
    assert text.startswith("-- generated") and '["method"] = "POST"' in text and "X-CSRFToken" in text
