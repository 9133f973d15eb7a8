"""The bell, the list, read receipts, channel settings and the office's outbox of every channel."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.conftest import LADDER_DAY, login
from tests.factories import make_delivery, make_notify_item, make_user
from tracker.campaigns.models import Campaign
from tracker.notify.models import Delivery, DeliveryStatus, Item, Profile
from tracker.notify.services import click_url, notify
from tracker.reminders.services import reminders_sweep, task_urge
from tracker.work import services as work
from tracker.work.models import Task

pytestmark = pytest.mark.django_db


def test_every_page_loads_the_bell_which_counts_unread_in_one_query(client, city, django_assert_num_queries):
    login(client, city.staff_a)
    for n in range(3):
        make_notify_item(recipient=city.staff_a, key=f"k{n}")
    make_notify_item(recipient=city.staff_b)
    page = client.get(reverse("home")).content.decode()
    assert f'hx-get="{reverse("notify:bell")}"' in page and 'hx-trigger="load"' in page
    with django_assert_num_queries(3):  # session, user, the COUNT
        response = client.get(reverse("notify:bell"), HTTP_HX_REQUEST="true")
    assert '<span class="bell-count">3</span>' in response.content.decode()
    assert 'hx-trigger="every 60s"' in response.content.decode()


def test_list_query_count_is_pinned_and_does_not_grow(client, city, django_assert_num_queries):
    login(client, city.staff_a)
    make_notify_item(recipient=city.staff_a, key="first")
    with django_assert_num_queries(6):
        client.get(reverse("notify:list"))
    for n in range(40):
        make_notify_item(recipient=city.staff_a, key=f"k{n}", kind="review" if n % 2 else "urge")
    with django_assert_num_queries(6):
        response = client.get(reverse("notify:list"))
    assert response.status_code == 200
    with django_assert_num_queries(5):  # the htmx fragment: no kinds
        client.get(reverse("notify:list") + "?show=unread&kind=review", HTTP_HX_REQUEST="true")


def test_filters_mark_read_and_mark_all_read(client, city):
    login(client, city.staff_a)
    first = make_notify_item(recipient=city.staff_a, key="a", url=reverse("work:task_detail", args=[city.task_a().pk]))
    make_notify_item(recipient=city.staff_a, key="b", kind="review", subject="已通过：学习任务")
    response = client.get(reverse("notify:list") + "?kind=review")
    results = response.content.decode().split('id="results"')[1]
    assert "已通过：学习任务" in results and "催办" not in results
    # Opening an item marks it read and goes to its page.
    response = client.post(reverse("notify:read", args=[first.pk]))
    assert response.url == reverse("work:task_detail", args=[city.task_a().pk])
    first.refresh_from_db()
    assert first.read_at and first.read_via == "app"
    unread = client.get(reverse("notify:list") + "?show=unread").content.decode()
    assert "已通过" in unread and f'id="item-{first.pk}"' not in unread
    client.post(reverse("notify:read_all"))
    assert not Item.objects.filter(recipient=city.staff_a, read_at__isnull=True).exists()


def test_the_signed_link_records_the_click_then_asks_for_login_as_usual(client, city):
    item = make_notify_item(recipient=city.staff_a, by=city.office_city, url=reverse("home"))
    link = click_url(item)
    response = client.get(urlparse(link).path)
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(response.url).url.startswith(reverse("login"))
    item.refresh_from_db()
    assert item.read_via == "link"
    # A forged or truncated token records nothing.
    other = make_notify_item(recipient=city.staff_a, key="other")
    assert client.get(reverse("notify:click", args=[f"{other.pk}:forged"])).url == reverse("home")
    other.refresh_from_db()
    assert other.read_at is None
    # The issuer sees who has seen it, and how.
    login(client, city.office_city)
    page = client.get(reverse("notify:sent")).content.decode()
    assert "通过链接" in page or "through the link" in page


def test_an_urge_lands_under_the_bell_and_its_issuer_sees_who_has_read_it(client, city):
    task = city.task_a()
    task_urge(task=task, by=city.office_city, note="本周五前完成")
    item = Item.objects.get(recipient=city.staff_a)
    assert item.kind == "urge" and item.created_by == city.office_city and "本周五前完成" in item.body
    assert item.url == reverse("work:task_detail", args=[task.pk])
    login(client, city.office_city)
    page = client.get(reverse("notify:sent") + f"?kind=urge&key={item.key}").content.decode()
    assert "尚未" in page or "not yet" in page


def test_the_sweep_puts_each_persons_reminders_under_their_bell_once(ladder):
    Campaign.objects.update(escalation_ignores_quiet_hours=True)
    with time_machine.travel(datetime(2026, 11, 25, 10, tzinfo=ZoneInfo("Asia/Shanghai"))):
        reminders_sweep(today=LADDER_DAY)
        reminders_sweep(today=LADDER_DAY)
    # The city office got the 督办 (unit B's task is ten days late), and it may go through quiet hours.
    reminders = Item.objects.filter(key__startswith="reminders:")
    assert sorted(reminders.values_list("recipient__username", "kind", "urgent")) == [
        ("leader_a", "digest", False),
        ("office_city", "escalation", True),
        ("office_east", "digest", False),
        ("staff_a", "overdue", False),
        ("staff_b", "overdue", False),
    ]
    assert not Delivery.objects.filter(item__in=reminders, channel="mail").exists()  # the reminder mail is its own
    # The guide and the leadership member get their weekly digest through notify() alone, mail included.
    digests = Item.objects.exclude(key__startswith="reminders:")
    assert sorted(digests.values_list("recipient__username", "kind")) == [("guide", "digest"), ("leadership", "digest")]
    assert Delivery.objects.filter(item__in=digests, channel="mail").count() == 2


def test_review_results_notify_the_submitter_and_owner(city):
    task = city.task_a()
    work.task_change_owner(task=task, by=city.staff_a, owner=city.leader_a, expected_version=task.version)
    task.refresh_from_db()
    work.entry_add(task=task, by=city.staff_a, text="已完成")
    task.refresh_from_db()
    task = work.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    work.task_return(task=task, by=city.guide, reason="请补充照片", expected_version=task.version)
    items = Item.objects.filter(kind="review").order_by("recipient__username")
    assert [i.recipient.username for i in items] == ["leader_a", "staff_a"]
    assert [(i.body, i.subject) for i in items] == [("请补充照片", f"已退回修改：{task.display_title}")] * 2


def test_settings_page_saves_addresses_and_channels_and_rejects_a_bad_mobile(client, city):
    login(client, city.staff_a)
    data = {"channels": ["wecom", "sms"], "wecom_id": "ZhangSan", "dingtalk_id": "", "mobile": "138 0013 8000"}
    assert client.post(reverse("notify:settings"), data).status_code == 302
    profile = Profile.objects.get(user=city.staff_a)
    assert (profile.wecom_id, profile.mobile, profile.via_mail, profile.via_wecom, profile.via_sms) == (
        "ZhangSan",
        "13800138000",
        False,
        True,
        True,
    )
    response = client.post(reverse("notify:settings"), {**data, "mobile": "12345"})
    assert response.status_code == 422 and "11" in response.content.decode()
    assert Profile.objects.get(user=city.staff_a).mobile == "13800138000"


def test_outbox_shows_failures_with_the_answer_and_resends_to_the_current_address(client, city, settings):
    delivery = make_delivery(recipient=city.staff_a)
    Profile.objects.create(user=city.staff_a, wecom_id="NewId")
    outsider = make_delivery(recipient=make_user(username="nobody"))
    login(client, city.office_east)
    page = client.get(reverse("notify:outbox")).content.decode()
    assert "81013" in page and f'action="{reverse("notify:resend", args=[delivery.pk])}"' in page
    assert reverse("notify:resend", args=[outsider.pk]) not in page  # not in the office's scope
    client.post(reverse("notify:resend", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.address, delivery.attempts) == (DeliveryStatus.QUEUED, "NewId", 0)
    # Only a failed one can be resent.
    response = client.post(reverse("notify:resend", args=[delivery.pk]), follow=True)
    assert "失败" in response.content.decode() or "failed" in response.content.decode()


def test_outbox_query_count_is_pinned(client, city, django_assert_num_queries):
    login(client, city.office_city)
    make_delivery(recipient=city.staff_a)
    with django_assert_num_queries(5):
        client.get(reverse("notify:outbox"))
    for _ in range(10):
        make_delivery(recipient=city.staff_b)
    with django_assert_num_queries(5):
        client.get(reverse("notify:outbox"))


def test_notify_with_no_recipients_or_inactive_people_queues_nothing(city, providers):
    city.staff_b.is_active = False
    city.staff_b.save()
    Profile.objects.create(user=city.staff_b, wecom_id="B")
    assert notify(recipients=[], kind="x", key="k", step="1", subject="s").created == []
    result = notify(recipients=[city.staff_b], kind="x", key="k", step="1", subject="s")
    assert len(result.created) == 1 and result.deliveries == 0


def test_submissions_waiting_for_review_remind_their_reviewers_once_a_week(city):
    from tracker.reminders.review_wait import review_waiting_notify

    task = city.task_a()
    work.entry_add(task=task, by=city.staff_a, text="已完成")
    task.refresh_from_db()
    work.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    Task.objects.filter(pk=task.pk).update(submitted_at=datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert review_waiting_notify(today=LADDER_DAY) == 3  # the unit's guide, the district and the city office
    assert review_waiting_notify(today=LADDER_DAY) == 0
    reviewers = set(Item.objects.filter(kind="review_wait").values_list("recipient__username", flat=True))
    assert reviewers == {"guide", "office_east", "office_city"}
    assert Item.objects.filter(kind="review_wait").first().subject == "1 项提交等待您审核"
