"""notify() and the relay: exactly once per recipient, item, step and channel; claims, retries, quiet hours."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from tests.factories import make_user
from tracker.core.models import UserPreference
from tracker.notify import channels, quiet, services
from tracker.notify.models import Delivery, DeliveryStatus, Item, Profile

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEDNESDAY_10 = datetime(2026, 11, 25, 10, tzinfo=SHANGHAI)
FRIDAY_23 = datetime(2026, 11, 27, 23, tzinfo=SHANGHAI)


def person(name: str, **profile) -> object:
    user = make_user(username=name)
    if profile:
        Profile.objects.create(user=user, **profile)
    return user


def everyone():
    """Four people, one on each channel (mail is on for all of them unless switched off)."""
    return [
        person("mailonly"),
        person("wecomer", wecom_id="WeComer", via_mail=False),
        person("dinger", dingtalk_id="dinger01", via_mail=False),
        person("texter", mobile="13800138000", via_sms=True, via_mail=False),
    ]


def send(people, **extra):
    return services.notify(
        recipients=people,
        kind="urge",
        key="task:1",
        step="2026-11-25",
        subject="催办：请尽快完成",
        body="本周五前完成。",
        url="/tasks/1/",
        **extra,
    )


@pytest.mark.django_db
def test_notify_decides_once_per_recipient_and_step_and_queues_each_chosen_channel(providers):
    people = everyone()
    first = send(people)
    assert len(first.created) == 4 and first.already == 0
    assert sorted(Delivery.objects.values_list("channel", "address")) == [
        ("dingtalk", "dinger01"),
        ("mail", "mailonly@example.test"),
        ("sms", "13800138000"),
        ("wecom", "WeComer"),
    ]
    again = send(people)
    assert again.created == [] and again.already == 4
    assert Item.objects.count() == 4 and Delivery.objects.count() == 4
    # A new step of the same thing is news again.
    services.notify(recipients=people[:1], kind="urge", key="task:1", step="2026-11-26", subject="again")
    assert Item.objects.count() == 5


@pytest.mark.django_db
def test_skip_and_channels_without_settings_queue_nothing_there(providers, settings):
    people = everyone()
    settings.DINGTALK_APP_KEY = ""  # DingTalk is off on this site
    send(people, skip=("mail",))
    assert sorted(Delivery.objects.values_list("channel", flat=True)) == ["sms", "wecom"]
    assert Item.objects.count() == 4  # the bell gets it regardless


@pytest.mark.django_db
def test_a_lazy_subject_is_written_in_each_recipients_language(channels_off):
    zh, en = person("zh"), person("en")
    UserPreference.objects.create(user=en, language="en")
    services.notify(
        recipients=[zh, en], kind="notice", key="n:1", step="1", subject=format_lazy("{}", gettext_lazy("Overdue"))
    )
    assert dict(Item.objects.values_list("recipient__username", "subject")) == {"zh": "已逾期", "en": "Overdue"}


@pytest.mark.django_db
def test_quiet_hours_hold_pushes_until_the_next_working_morning(settings):
    # Friday 23:00 → Monday 07:30 (the weekend is not a working day); urgent goes now.
    assert quiet.push_time(FRIDAY_23) == datetime(2026, 11, 30, 7, 30, tzinfo=SHANGHAI)
    assert quiet.push_time(FRIDAY_23, urgent=True) == FRIDAY_23
    # Before the end of quiet on a working morning: that same morning.
    assert quiet.push_time(datetime(2026, 11, 25, 6, tzinfo=SHANGHAI)) == datetime(2026, 11, 25, 7, 30, tzinfo=SHANGHAI)
    assert quiet.push_time(WEDNESDAY_10) == WEDNESDAY_10
    settings.NOTIFY_QUIET_START, settings.NOTIFY_QUIET_END = "20:00", "08:00"
    assert quiet.is_quiet(datetime(2026, 11, 25, 21, tzinfo=SHANGHAI))


@pytest.mark.django_db(transaction=True)
def test_relay_sends_every_channel_once_and_a_second_relay_sends_nothing(providers):
    with time_machine.travel(WEDNESDAY_10, tick=True):
        send(everyone())
        result = services.deliveries_relay()
        assert (result.sent, result.retrying, result.failed) == (4, 0, 0)
        assert services.deliveries_relay().sent == 0
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert [m.to for m in mail.outbox] == [["mailonly@example.test"]]
    assert (
        len(providers.received["wecom"]) == len(providers.received["dingtalk"]) == len(providers.received["sms"]) == 1
    )
    # The link in the message is the signed click link, not the bare page.
    assert "/n/" in providers.received["wecom"][0]["textcard"]["url"]


@pytest.mark.django_db(transaction=True)
def test_retry_with_backoff_permanent_failure_not_retried_rate_limit_pauses_the_channel(providers, settings):
    settings.REMINDERS_RETRY_BASE_SECONDS = 60
    providers.unknown.add("WeComer")
    providers.rate_limit["sms"] = 1
    with time_machine.travel(WEDNESDAY_10, tick=True):
        texter2 = person("texter2", mobile="13800138001", via_sms=True, via_mail=False)
        send([*everyone(), texter2])
        result = services.deliveries_relay()
    wecom = Delivery.objects.get(channel="wecom")
    assert wecom.status == DeliveryStatus.FAILED and "81013" in wecom.last_error and wecom.attempts == 1
    sms = Delivery.objects.filter(channel="sms").order_by("pk")
    # The first SMS met the rate limit; the second was not tried in the same run (channel paused).
    assert [d.status for d in sms] == [DeliveryStatus.QUEUED, DeliveryStatus.QUEUED]
    assert [d.attempts for d in sms] == [1, 0]
    assert sms[0].next_attempt_at >= WEDNESDAY_10 + timedelta(seconds=60)
    assert result.failed == 1 and result.retrying == 1
    # Later, both go; the failed WeCom one stays failed (never retried by the relay).
    with time_machine.travel(WEDNESDAY_10 + timedelta(minutes=5), tick=True):
        assert services.deliveries_relay().sent == 2
    assert Delivery.objects.get(channel="wecom").attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_second_relay_during_a_send_does_not_send_the_claimed_row(providers, monkeypatch):
    """The claim commits before the provider is called: a concurrent relay sees `sending` and leaves it."""
    with time_machine.travel(WEDNESDAY_10, tick=True):
        send([person("wecomer", wecom_id="W1", via_mail=False)])
        wecom = channels.adapter("wecom")
        real_send = wecom.send
        other: dict = {}

        def send_while_another_relay_runs(address, message):
            thread = threading.Thread(target=lambda: other.update(result=services.deliveries_relay()))
            thread.start()
            thread.join()
            from django.db import connections

            connections.close_all()
            return real_send(address, message)

        monkeypatch.setattr(wecom, "send", send_while_another_relay_runs)
        assert services.deliveries_relay().sent == 1
    assert other["result"].sent == 0
    assert len(providers.received["wecom"]) == 1


@pytest.mark.django_db(transaction=True)
def test_a_relay_killed_after_its_claim_frees_the_row_when_the_lease_ends(providers, settings):
    with time_machine.travel(WEDNESDAY_10, tick=True):
        send([person("wecomer", wecom_id="W1", via_mail=False)])
        # What a killed relay leaves: claimed, lease running.
        Delivery.objects.update(status=DeliveryStatus.SENDING, lease_until=timezone.now() + timedelta(seconds=120))
        assert services.deliveries_relay().sent == 0
    with time_machine.travel(WEDNESDAY_10 + timedelta(seconds=180), tick=True):
        assert services.deliveries_relay().sent == 1
    assert len(providers.received["wecom"]) == 1


@pytest.mark.django_db(transaction=True)
def test_quiet_hours_hold_all_but_urgent_items_in_the_relay(providers):
    with time_machine.travel(FRIDAY_23, tick=True):
        people = [person("a", wecom_id="A", via_mail=False), person("b", wecom_id="B", via_mail=False)]
        send(people[:1])
        services.notify(recipients=people[1:], kind="escalation", key="t:1", step="1", subject="督办", urgent=True)
        Delivery.objects.update(next_attempt_at=timezone.now())  # even if due now, quiet hours hold it
        assert services.deliveries_relay().sent == 1
    assert [m["touser"] for m in providers.received["wecom"]] == ["B"]


def test_the_relay_refuses_to_run_inside_a_transaction(db):
    with pytest.raises(RuntimeError):
        services.deliveries_relay()


@pytest.mark.django_db
def test_notify_each_writes_a_slice_in_a_fixed_number_of_statements(providers, django_assert_num_queries):
    """The sweep's path: many people, each their own text, in the same few statements for 4 or 40."""
    english = person("english")
    UserPreference.objects.create(user=english, language="en")
    few = [*everyone(), english, *[make_user(username=f"p{i}") for i in range(3)]]
    many = [make_user(username=f"q{i}") for i in range(40)]
    subject = format_lazy("{}", gettext_lazy("E-mail"))  # rendered in each recipient's language

    def notes(people, step):
        return [services.Note(u.pk, "overdue", f"task:{u.pk}", step, subject, f"正文 {u.pk}", "/") for u in people]

    # savepoint, languages, items, users with profiles, deliveries, release
    with django_assert_num_queries(6):
        small = services.notify_each(notes(few, "s1"))
    with django_assert_num_queries(6):
        big = services.notify_each(notes(many, "s1"))
    assert len(small.created) == len(few) and len(big.created) == 40
    assert Delivery.objects.count() == len(few) + 40  # one chosen channel each
    assert Item.objects.get(recipient=english).subject == "E-mail"
    assert Item.objects.get(recipient=few[0]).subject == "电子邮箱"
    assert Item.objects.get(recipient=many[3]).body == f"正文 {many[3].pk}"
    # Repeats, within one call or a second run, add nothing and are counted.
    again = services.notify_each([*notes(many[:2], "s1"), *notes(many[:2], "s1"), *notes(many[2:3], "s2")])
    assert len(again.created) == 1 and again.already == 4
    assert Item.objects.count() == len(few) + 41


@pytest.mark.django_db
def test_notify_each_urgent_notes_skip_quiet_hours_and_the_rest_wait(providers):
    people = everyone()
    with time_machine.travel(FRIDAY_23, tick=False):
        services.notify_each(
            services.Note(u.pk, "escalation", "task:9", "d", "督办", urgent=(i % 2 == 0)) for i, u in enumerate(people)
        )
        now = timezone.now()
    urgent = Delivery.objects.filter(item__urgent=True)
    assert urgent.count() == 2 and all(d.next_attempt_at == now for d in urgent)
    later = Delivery.objects.filter(item__urgent=False)
    assert later.count() == 2 and all(d.next_attempt_at > now for d in later)
    assert later.first().next_attempt_at == quiet.push_time(now, urgent=False)
