"""The directives' list pages and the board cost the same number of queries with 1 row or 6."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import login
from tracker.directives import lines, services

pytestmark = pytest.mark.django_db

PAGES = [
    "directives:assignment_list",
    "directives:notice_list",
    "directives:thread_list",
    "directives:extension_list",
    "home",
]


def add_rows(city, n: int) -> None:
    for i in range(n):
        services.assignment_issue(
            by=city.office_city,
            campaign=city.campaign,
            measure=city.org,
            units=[city.unit_a, city.unit_b],
            title=f"交办{i}",
            text="请落实",
            due_on=timezone.localdate() + timedelta(days=3),
        )
        services.notice_publish(by=city.office_city, root=city.city, title=f"通知{i}", body="请阅")
        thread = lines.thread_open(
            unit=city.unit_a, by=city.staff_a, kind="question", addressee="guide", subject=f"问{i}", text="?"
        )
        lines.thread_post(thread=thread, by=city.guide, text="答")
        lines.instruction_write(unit=city.unit_a, by=city.leadership, text=f"批示{i}")
    free = city.unit_a.tasks.exclude(extension_requests__status="pending").order_by("id")
    for task in free[:n]:
        due = max(task.due_on, timezone.localdate()) + timedelta(days=2)
        lines.extension_request(task=task, by=city.staff_a, new_due_on=due, reason="忙")


def counts(client, user) -> dict[str, int]:
    login(client, user)
    client.get(reverse("home"))  # warm the session
    result = {}
    for name in PAGES:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(name)).status_code == 200
        result[name] = len(ctx)
    return result


@pytest.mark.parametrize("role", ["staff_a", "guide", "office_city"])
def test_list_pages_do_not_grow_with_the_data(client, city, role):
    add_rows(city, 1)
    small = counts(client, getattr(city, role))
    add_rows(city, 5)
    assert counts(client, getattr(city, role)) == small
