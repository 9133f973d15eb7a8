"""Stale edits are refused with the newer change shown; entries are deleted softly and can be restored."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.conftest import login
from tests.factories import make_user
from tracker.orgs.models import Role
from tracker.work import services
from tracker.work.models import Entry

HX = {"HTTP_HX_REQUEST": "true"}


def test_stale_save_is_409_and_shows_who_changed_what_and_when(client, city):
    task = city.task_a()
    seen = services.entry_add(task=task, by=city.staff_a, text="完成").task.version
    # The leader changes the owner, then submits, while staff_a still has the page after the entry open.
    task = services.task_change_owner(task=task, by=city.leader_a, owner=city.leader_a, expected_version=seen)
    services.task_submit(task=task, by=city.leader_a, expected_version=task.version, note="请审核")
    login(client, city.staff_a)
    response = client.post(
        reverse("work:task_owner", args=[task.pk]), {"version": seen, "owner": city.staff_a.pk}, **HX
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "您的修改未保存" in html
    start = html.index('class="conflict"')
    notice = html[start : html.index("</ol>", start)]
    assert notice.count('class="history-meta"') == 2 and notice.count("<strong>leader_a</strong>") == 2  # by whom
    assert "<del>—</del> → <ins>leader_a</ins>" in notice  # owner: nobody → leader_a
    assert "<del>进行中</del> → <ins>待审核</ins>" in notice  # status
    assert timezone.localtime().strftime("%Y") in notice  # when
    task.refresh_from_db()
    assert task.owner == city.leader_a and task.status == "submitted"


def test_stale_save_without_htmx_is_409_with_the_full_page(client, city):
    task = city.task_a()
    services.task_change_owner(task=task, by=city.leader_a, owner=city.leader_a, expected_version=1)
    login(client, city.staff_a)
    response = client.post(reverse("work:task_owner", args=[task.pk]), {"version": 1, "owner": ""})
    assert response.status_code == 409 and "<html" in response.content.decode()


@pytest.fixture
def entries(city):
    task = city.task_a()
    first = services.entry_add(
        task=task, by=city.staff_a, text="一", percent=30, occurred_on=timezone.localdate() - timedelta(days=3)
    )
    second = services.entry_add(task=task, by=city.leader_a, text="二", percent=60)
    return second.task, first, second


def test_delete_recounts_the_task_and_restore_brings_it_back(city, entries):
    task, first, second = entries
    services.entry_delete(entry=second, by=city.leader_a)
    task.refresh_from_db()
    assert (task.entry_count, task.progress, task.last_activity_on) == (1, 30, first.occurred_on)
    assert list(task.entries.all()) == [first]  # the default manager hides deleted entries
    assert Entry.all_objects.filter(task=task).count() == 2  # nothing removed
    services.entry_delete(entry=first, by=city.staff_a)
    task.refresh_from_db()
    assert (task.entry_count, task.progress, task.status) == (0, 0, "todo")
    services.entry_restore(entry=second, by=city.leader_a)
    task.refresh_from_db()
    assert (task.entry_count, task.progress, task.status) == (1, 60, "in_progress")
    second.refresh_from_db()
    assert [r.history_type for r in second.history.all()] == ["~", "~", "+"]


def test_who_may_delete(city, entries):
    _task, first, _second = entries
    other_staff = make_user(Role.STAFF, unit=city.unit_a, username="staff_a2")
    for user in (other_staff, city.office_city, city.guide):
        with pytest.raises(PermissionDenied):
            services.entry_delete(entry=first, by=user)  # not the author, not the leader
    services.entry_delete(entry=first, by=city.leader_a)  # the leader may
    services.entry_restore(entry=first, by=city.staff_a)  # the author may
    services.entry_delete(entry=first, by=city.staff_a)
    assert services.entry_delete(entry=first, by=city.staff_a).is_deleted  # twice is harmless


def test_no_deletes_once_submitted_or_after_the_campaign(city, entries):
    task, first, _second = entries
    services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    with pytest.raises(ValidationError):
        services.entry_delete(entry=first, by=city.staff_a)
    task_b = city.task_b()
    entry_b = services.entry_add(task=task_b, by=city.staff_b, text="b")
    with time_machine.travel(city.campaign.ends_on + timedelta(days=2)), pytest.raises(ValidationError):
        services.entry_delete(entry=entry_b, by=city.staff_b)


def test_delete_and_restore_through_the_page(client, city, entries):
    task, first, second = entries
    login(client, city.staff_a)
    page = client.get(reverse("work:task_detail", args=[task.pk])).content.decode()
    assert reverse("work:entry_delete", args=[first.pk]) in page  # own entry
    assert reverse("work:entry_delete", args=[second.pk]) not in page  # the leader's
    response = client.post(reverse("work:entry_delete", args=[first.pk]), **HX)
    html = response.content.decode()
    assert response.status_code == 200 and "已删除的进展记录" in html
    assert reverse("work:entry_restore", args=[first.pk]) in html
    response = client.post(reverse("work:entry_restore", args=[first.pk]))
    assert response.status_code == 302
    assert Entry.objects.filter(pk=first.pk).exists()


def test_refused_delete_on_a_closed_task_is_422_with_the_reason(client, city, entries):
    task, first, _second = entries
    services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    login(client, city.staff_a)
    response = client.post(reverse("work:entry_delete", args=[first.pk]), **HX)
    assert response.status_code == 422 and "待审核或已完成" in response.content.decode()
