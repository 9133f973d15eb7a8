"""A guide reviews on a 375 px phone: filters the queue to one unit, accepts two in a batch,
returns one with a reason and lands on the next waiting task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.test_unit_workflow import PHONE, browser, page_for  # noqa: F401 - shared fixtures
from tests.factories import TaskFactory
from tests.work.test_review_queue import submit
from tracker.work.models import Task

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_guide_filters_batch_accepts_and_returns_on_a_phone(city, page_for, live_server):  # noqa: F811
    now = timezone.now()
    city.unit_a.guidance_groups.get().units.add(city.unit_b)  # so the unit filter has a choice to make
    a1, a2 = (submit(t, city.staff_a, now - timedelta(days=9 - i)) for i, t in enumerate(city.unit_a.tasks.all()))
    a3, a4 = (
        TaskFactory(
            campaign=city.campaign,
            unit=city.unit_a,
            measure=city.org,
            title=f"自选任务{i}",
            status="submitted",
            submitted_at=now - timedelta(days=5 - i),
        )
        for i in range(2)
    )
    submit(city.task_b(), city.staff_b, now - timedelta(days=20))  # B's waits longest, but is filtered out

    guide = page_for("guide")
    guide.goto(f"{live_server.url}/review/")
    guide.select_option("select[name=unit]", str(city.unit_a.pk))
    guide.wait_for_url(lambda url: f"unit={city.unit_a.pk}" in url)  # the filter is in the address bar
    guide.wait_for_function("document.querySelectorAll('#queue .task-row').length === 4")
    assert guide.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    rows = guide.locator("#queue input[name=task]")
    rows.nth(0).check()
    rows.nth(1).check()
    guide.click("text=通过所选任务…")
    guide.wait_for_selector("text=将通过 2 项任务")
    assert guide.locator(".batch-list li").count() == 2
    guide.fill("#id_note", "材料齐全")
    guide.click("text=通过这 2 项任务")
    guide.wait_for_selector("text=已通过 2 项任务")
    assert set(Task.objects.filter(pk__in=[a1.pk, a2.pk]).values_list("status", flat=True)) == {"done"}

    guide.click(f"#queue a[href^='/tasks/{a3.pk}/']")
    guide.fill("#id_reason", "请补充活动照片")
    guide.click("text=退回并说明理由")
    guide.wait_for_url(f"**/tasks/{a4.pk}/?queue=unit%3D{city.unit_a.pk}")
    guide.wait_for_selector("text=已打开下一项待审核任务")
    assert Task.objects.get(pk=a3.pk).status == "returned"
    assert guide.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
