"""Reviewing from the queue: the next item opens after each decision, batch accept, the return reason on top."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from tests.conftest import login, table_counts
from tests.work.test_review_queue import submit
from tracker.work import services
from tracker.work.models import EventKind, Task, TaskEvent

QUEUE = reverse("work:review_queue")
BATCH = reverse("work:review_batch")
BATCH_ACCEPT = reverse("work:review_batch_accept")
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def waiting(city) -> list[Task]:
    """All four tasks submitted, oldest first: A's two, then B's two."""
    now = timezone.now()
    a1, a2 = Task.objects.filter(unit=city.unit_a).order_by("id")
    b1, b2 = Task.objects.filter(unit=city.unit_b).order_by("id")
    return [
        submit(a1, city.staff_a, now - timedelta(days=4)),
        submit(a2, city.staff_a, now - timedelta(days=3)),
        submit(b1, city.staff_b, now - timedelta(days=2)),
        submit(b2, city.staff_b, now - timedelta(days=1)),
    ]


def task_url(task: Task, queue: str) -> str:
    return reverse("work:task_detail", args=[task.pk]) + "?" + urlencode({"queue": queue})


def review(client, task: Task, queue: str | None, decision: str = "accept", reason: str = "", **headers):
    data = {"version": task.version, "decision": decision, "reason": reason}
    if queue is not None:
        data["queue"] = queue
    return client.post(reverse("work:task_review", args=[task.pk]), data, **headers)


def batch_data(tasks: list[Task], note: str = "", queue: str = "") -> dict:
    return {"task": [f"{t.pk}:{t.version}" for t in tasks], "note": note, "queue": queue}


def test_queue_links_carry_the_filters_and_the_task_page_keeps_them(client, city, waiting):
    login(client, city.office_city)
    unit_filter = urlencode({"unit": city.unit_b.pk})
    html = client.get(QUEUE, {"unit": city.unit_b.pk}).content.decode()
    assert f'href="{task_url(waiting[2], unit_filter)}"' in html.replace("&amp;", "&")
    page = client.get(task_url(waiting[2], unit_filter)).content.decode()
    assert f'<input type="hidden" name="queue" value="{unit_filter}">' in page
    assert f'href="{QUEUE}?{unit_filter}"' in page  # back to the same filtered queue


def test_accept_opens_the_next_waiting_task_of_the_same_filtered_queue(client, city, waiting):
    _a1, _a2, b1, b2 = waiting
    login(client, city.office_city)
    response = review(client, b1, queue=f"unit={city.unit_b.pk}")
    assert response.status_code == 302
    assert response.url == task_url(b2, f"unit={city.unit_b.pk}")  # B's next, not A's older ones
    assert "已打开下一项待审核任务" in client.get(response.url).content.decode()
    b1.refresh_from_db()
    assert b1.status == "done"


def test_with_htmx_the_next_task_opens_by_client_redirect(client, city, waiting):
    a1, a2, _b1, _b2 = waiting
    login(client, city.office_city)
    response = review(client, a1, queue="", **HX)
    assert response.status_code == 200 and response["HX-Redirect"] == task_url(a2, "")


def test_return_with_a_reason_then_the_next_opens(client, city, waiting):
    a1, a2, _b1, _b2 = waiting
    login(client, city.office_city)
    response = review(client, a2, queue="", decision="return", reason="缺少签到表")
    assert response.url == task_url(a1, "")
    a2.refresh_from_db()
    assert a2.status == "returned"


def test_a_refused_decision_stays_on_the_task_with_the_queue_kept(client, city, waiting):
    login(client, city.office_city)
    response = review(client, waiting[0], queue="unit=1", decision="return", reason="")
    assert response.status_code == 422
    assert '<input type="hidden" name="queue" value="unit=1">' in response.content.decode()


def test_the_last_decision_goes_back_to_the_queue_saying_it_is_empty(client, city, waiting):
    a1, a2, b1, b2 = waiting
    login(client, city.office_city)
    queue = f"unit={city.unit_b.pk}"
    review(client, b1, queue=queue)
    b2.refresh_from_db()
    response = review(client, b2, queue=queue)
    assert response.url == f"{QUEUE}?{queue}"
    assert "此队列中已没有待审核的任务" in client.get(response.url).content.decode()
    response = review(client, a1, queue="", **HX)  # the unfiltered queue still has A's second task
    assert response["HX-Redirect"] == task_url(a2, "")


def test_the_next_task_is_only_ever_one_in_the_reviewers_scope(client, city, waiting):
    a1, a2, b1, _b2 = waiting
    login(client, city.office_east)  # reviews East (unit A), not West (unit B)
    review(client, a1, queue="")
    a2.refresh_from_db()
    response = review(client, a2, queue="")
    assert response.url == QUEUE  # B's waiting tasks are not offered
    assert review(client, b1, queue="").status_code == 404
    assert Task.objects.get(pk=b1.pk).status == "submitted"


def test_without_the_queue_a_decision_stays_on_the_task(client, city, waiting):
    login(client, city.office_city)
    response = review(client, waiting[0], queue=None)
    assert response.url == reverse("work:task_detail", args=[waiting[0].pk])


def test_the_queue_parameter_is_rebuilt_not_echoed(client, city, waiting):
    login(client, city.office_city)
    page = client.get(task_url(waiting[0], 'unit=abc&q=<b>"x"</b>&evil=1')).content.decode()
    assert 'name="queue" value="q=%3Cb%3E%22x%22%3C%2Fb%3E"' in page


# --- batch accept: the service ---------------------------------------------------------------------------


def test_batch_service_accepts_all_with_the_common_note(city, waiting):
    a1, a2, _b1, _b2 = waiting
    accepted = services.tasks_accept_batch(items=[(a2, a2.version), (a1, a1.version)], by=city.office_city, note="好")
    assert sorted(t.pk for t in accepted) == [a1.pk, a2.pk]
    assert set(Task.objects.filter(pk__in=[a1.pk, a2.pk]).values_list("status", flat=True)) == {"done"}
    assert list(TaskEvent.objects.filter(kind=EventKind.ACCEPTED).values_list("note", flat=True)) == ["好", "好"]


def test_batch_service_is_all_or_nothing_and_names_the_stale_task(city, waiting):
    a1, _a2, b1, _b2 = waiting
    before = table_counts()
    with pytest.raises(services.BatchStale) as refused:
        services.tasks_accept_batch(items=[(a1, a1.version), (b1, b1.version - 1)], by=city.office_city)
    assert refused.value.task == b1
    assert table_counts() == before and Task.objects.get(pk=a1.pk).status == "submitted"


def test_batch_service_refuses_a_task_no_longer_submitted_naming_it(city, waiting):
    a1, a2, _b1, _b2 = waiting
    services.task_return(task=a2, by=city.office_city, reason="再补充", expected_version=a2.version)
    a2.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.tasks_accept_batch(items=[(a1, a1.version), (a2, a2.version)], by=city.office_city)
    assert a2.display_title in refused.value.messages[0] and "UnitA" in refused.value.messages[0]
    assert Task.objects.get(pk=a1.pk).status == "submitted"


def test_batch_service_refuses_empty_and_oversized_batches(city, waiting):
    with pytest.raises(ValidationError):
        services.tasks_accept_batch(items=[], by=city.office_city)
    with pytest.raises(ValidationError):
        services.tasks_accept_batch(items=[(waiting[0], 1)] * 101, by=city.office_city)


def test_batch_service_checks_the_right_to_review(city, waiting):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.tasks_accept_batch(items=[(waiting[0], waiting[0].version)], by=city.leader_a)


# --- batch accept: the pages ----------------------------------------------------------------------------


def test_queue_page_offers_a_tick_box_per_task_and_one_batch_button(client, city, waiting):
    login(client, city.office_city)
    html = client.get(QUEUE).content.decode()
    for task in waiting:
        assert f'name="task" value="{task.pk}:{task.version}"' in html
    assert f'action="{BATCH}"' in html and "通过所选" in html


def test_confirmation_lists_count_titles_and_units_then_accepts_and_returns_to_the_queue(client, city, waiting):
    a1, a2, b1, _b2 = waiting
    login(client, city.office_city)
    queue = f"unit={city.unit_a.pk}"
    page = client.get(BATCH, {**batch_data([a1, a2]), "queue": queue})
    html = page.content.decode()
    assert page.status_code == 200
    assert "将通过 2 项任务" in html and a1.display_title in html and a2.display_title in html and "UnitA" in html
    assert Task.objects.get(pk=a1.pk).status == "submitted"  # nothing happens before the confirmation
    response = client.post(BATCH_ACCEPT, batch_data([a1, a2], note="材料齐全", queue=queue))
    assert response.status_code == 302 and response.url == f"{QUEUE}?{queue}"
    assert "已通过 2 项任务" in client.get(response.url).content.decode()
    assert set(Task.objects.filter(pk__in=[a1.pk, a2.pk]).values_list("status", flat=True)) == {"done"}
    response = client.post(BATCH_ACCEPT, batch_data([b1], queue=""), **HX)
    assert response["HX-Redirect"] == QUEUE


def test_a_stale_task_refuses_the_whole_batch_with_a_409_naming_it(client, city, waiting):
    a1, _a2, b1, _b2 = waiting
    login(client, city.office_city)
    data = batch_data([a1, b1])
    Task.objects.filter(pk=b1.pk).update(version=b1.version + 1)  # someone changed it meanwhile
    before = table_counts()
    response = client.post(BATCH_ACCEPT, data)
    assert response.status_code == 409
    html = response.content.decode()
    assert b1.display_title in html and "UnitB" in html and "均未通过" in html
    assert table_counts() == before


def test_a_task_outside_the_scope_makes_the_batch_404(client, city, waiting):
    a1, _a2, b1, _b2 = waiting
    login(client, city.office_east)
    assert client.get(BATCH, batch_data([a1, b1])).status_code == 404
    before = table_counts()
    assert client.post(BATCH_ACCEPT, batch_data([a1, b1])).status_code == 404
    assert table_counts() == before


def test_malformed_or_oversized_batches_are_a_400(client, city, waiting):
    login(client, city.office_city)
    assert client.get(BATCH, {"task": "1:x"}).status_code == 400
    assert client.post(BATCH_ACCEPT, {"task": [f"{n}:1" for n in range(1, 102)]}).status_code == 400


def test_an_empty_selection_goes_back_to_the_queue(client, city, waiting):
    login(client, city.office_city)
    response = client.get(BATCH, {"queue": "waiting=1"})
    assert response.status_code == 302 and response.url == f"{QUEUE}?waiting=1"


# --- the return reason, where the unit sees it ------------------------------------------------------------


def test_the_reviewers_reason_is_at_the_top_of_the_returned_task_and_in_the_unit_list(client, city, waiting):
    a1 = waiting[0]
    services.task_return(task=a1, by=city.office_city, reason="缺少会议记录", expected_version=a1.version)
    services.entry_add(task=a1, by=city.staff_a, text="第二条记录")
    login(client, city.staff_a)
    html = client.get(reverse("work:task_detail", args=[a1.pk])).content.decode()
    reason = html.index("缺少会议记录")
    assert reason < html.index("task-head") + html[html.index("task-head") :].index("</section>")  # in the head card
    assert reason < html.index("第二条记录") and reason < html.index('id="entries"')
    unit_page = client.get(reverse("work:unit_detail", args=[city.unit_a.pk])).content.decode()
    row = unit_page.split(reverse("work:task_detail", args=[a1.pk]))[1].split("</li>")[0]
    assert "审核退回：" in row and "缺少会议记录" in row
    other = unit_page.split(reverse("work:task_detail", args=[waiting[1].pk]))[1].split("</li>")[0]
    assert "returned-reason" not in other
