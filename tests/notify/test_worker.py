"""One mixed batch through a real Celery worker on Redis to mail, WeCom, DingTalk and SMS sinks.

The first worker is killed (SIGKILL, as the OOM killer or a power cut would) in the middle of the
batch; a second worker finishes it. Every delivery must arrive; at most the one send in flight
at the moment of the kill may arrive twice (the provider accepted it, the row never heard).
"""

from __future__ import annotations

import signal
from collections import Counter

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import require_worker_services, wait_for
from tests.factories import make_user
from tracker.notify.models import Delivery, DeliveryStatus, Profile
from tracker.notify.services import notify
from tracker.notify.tasks import relay_deliveries

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PEOPLE = 30
CHANNELS = ("mail", "wecom", "dingtalk", "sms")


def batch_figures(providers, smtp_sink) -> dict[str, int]:
    """What the sinks received against what was queued: sent, retried, duplicated, lost."""
    received = Counter()
    for channel, key in (("wecom", "touser"), ("dingtalk", "userid_list"), ("sms", "PhoneNumbers")):
        received.update((channel, body[key]) for body in providers.received[channel])
    received.update(("mail", str(message["To"])) for message in smtp_sink.messages)
    expected = {(d.channel, d.address) for d in Delivery.objects.all()}
    return {
        "queued": len(expected),
        "sent": Delivery.objects.filter(status=DeliveryStatus.SENT).count(),
        "retried": Delivery.objects.filter(attempts__gt=1).count(),
        "duplicated": sum(n - 1 for n in received.values() if n > 1),
        "lost": len(expected - set(received)),
    }


def test_mixed_batch_is_delivered_once_per_channel_with_a_relay_killed_mid_batch(
    city, providers, smtp_sink, celery_worker_process, settings
):
    require_worker_services()
    # The real clock runs here: no quiet hours for this test (today is declared a working day).
    settings.NOTIFY_QUIET_START = settings.NOTIFY_QUIET_END = "00:00"
    people = []
    for n in range(PEOPLE):
        user = make_user(username=f"p{n:02d}")
        Profile.objects.create(user=user, wecom_id=f"W{n:02d}", dingtalk_id=f"D{n:02d}", mobile=f"1380013{n:04d}")
        Profile.objects.filter(user=user).update(via_sms=True)
        people.append(user)
    providers.delay = 0.05
    providers.rate_limit["wecom"] = 2  # 45009 twice: those two are retried after a pause
    providers.expire("dingtalk")  # the first DingTalk send meets an expired token and refreshes it
    env = {
        **providers.settings(),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": smtp_sink.port,
        "NOTIFY_QUIET_START": "00:00",
        "NOTIFY_QUIET_END": "00:00",
        "NOTIFY_LEASE_SECONDS": 5,
        "REMINDERS_RETRY_BASE_SECONDS": 1,
        "NOTIFY_RATE_LIMIT_PAUSE_SECONDS": 2,  # the rate-limited sends come back within the test
    }
    first = celery_worker_process(**env)
    for name, value in providers.settings().items():
        setattr(settings, name, value)
    result = notify(
        recipients=people, kind="notice", key="notice:1", step="1", subject="关于开展专题学习的通知", url="/"
    )
    assert result.deliveries == PEOPLE * len(CHANNELS)

    wait_for(lambda: Delivery.objects.filter(status=DeliveryStatus.SENT).count() >= 20, what="part of the batch")
    first.send_signal(signal.SIGKILL)
    first.wait()
    sent_before_kill = Delivery.objects.filter(status=DeliveryStatus.SENT).count()
    assert sent_before_kill < PEOPLE * len(CHANNELS), "the batch finished before the kill; slow the sinks down"

    celery_worker_process(**env)

    def all_sent() -> bool:
        relay_deliveries.delay()  # what beat's every-minute relay does
        return not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists()

    wait_for(all_sent, timeout=90, interval=2, what="the second worker to finish the batch")
    figures = batch_figures(providers, smtp_sink)
    print("mixed batch (PostgreSQL + Redis):", figures, "sent before the kill:", sent_before_kill)
    assert figures["sent"] == figures["queued"] == PEOPLE * len(CHANNELS)
    assert figures["lost"] == 0
    assert figures["duplicated"] <= 1  # only a send in flight when the worker died
    assert figures["retried"] >= 2  # the rate-limited WeCom sends
    assert get_user_model().objects.filter(notify_items__key="notice:1").count() == PEOPLE


SETUP = """
from django.utils import timezone
from tests.factories import make_user
from tracker.core.models import WorkdayOverride
from tracker.notify.models import Profile
from tracker.notify.services import notify

WorkdayOverride.objects.get_or_create(date=timezone.localdate(), defaults={"is_workday": True, "note": "test"})
people = []
for n in range(%(people)d):
    user = make_user(username=f"p{n:02d}")
    Profile.objects.create(
        user=user, wecom_id=f"W{n:02d}", dingtalk_id=f"D{n:02d}", mobile=f"1380013{n:04d}", via_sms=True
    )
    people.append(user)
notify(recipients=people, kind="notice", key="notice:1", step="1", subject="关于开展专题学习的通知", url="/")
"""


def test_mixed_batch_on_sqlite_and_the_filesystem_broker_with_two_relays_and_one_killed(
    providers, smtp_sink, celery_worker_process, tmp_path
):
    """The embedded default (no PostgreSQL, no Redis): row locks do not exist, the claim must hold alone."""
    import os
    import sqlite3
    import subprocess
    import sys

    from django.conf import settings

    env = {
        **providers.settings(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "CELERY_FILESYSTEM_FOLDER": str(tmp_path / "broker"),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_sink.port),
        "NOTIFY_QUIET_START": "00:00",
        "NOTIFY_QUIET_END": "00:00",
        "NOTIFY_LEASE_SECONDS": "5",
        "REMINDERS_RETRY_BASE_SECONDS": "1",
        "NOTIFY_RATE_LIMIT_PAUSE_SECONDS": "2",
    }
    run_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tracker.settings", **env}

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=run_env, check=True, capture_output=True
        )

    manage("migrate", "-v0")
    providers.delay = 0.05
    providers.rate_limit["sms"] = 2
    # Two relays at once (two workers), then one of them killed mid-batch.
    first = celery_worker_process(**env)
    celery_worker_process(**env)
    manage("shell", "-c", SETUP % {"people": PEOPLE})
    db = sqlite3.connect(tmp_path / "db.sqlite3", timeout=30)

    def count(where: str) -> int:
        return db.execute(f"select count(*) from notify_delivery where {where}").fetchone()[0]

    # The relay is enqueued on the workers' filesystem broker from here: a `manage.py shell` per
    # kick started Django each time (seconds of CPU per poll).
    from celery import Celery

    folder = tmp_path / "broker"
    kicker = Celery(
        set_as_current=False,  # or every later .delay() in this process would go to this folder
        broker="filesystem://",
        broker_transport_options={
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
            "processed_folder": str(folder / "processed"),
        },
    )

    def kick() -> None:
        for _ in range(2):
            kicker.send_task("tracker.notify.tasks.relay_deliveries")

    kick()
    wait_for(lambda: count("status = 'sent'") >= 20, what="part of the batch")
    first.send_signal(signal.SIGKILL)
    first.wait()

    def all_sent() -> bool:
        kick()
        return count("status != 'sent'") == 0

    wait_for(all_sent, timeout=120, interval=3, what="the surviving worker to finish the batch")
    received = Counter()
    for channel, key in (("wecom", "touser"), ("dingtalk", "userid_list"), ("sms", "PhoneNumbers")):
        received.update((channel, body[key]) for body in providers.received[channel])
    received.update(("mail", str(message["To"])) for message in smtp_sink.messages)
    expected = set(db.execute("select channel, address from notify_delivery").fetchall())
    figures = {
        "queued": len(expected),
        "sent": count("status = 'sent'"),
        "retried": count("attempts > 1"),
        "duplicated": sum(n - 1 for n in received.values() if n > 1),
        "lost": len(expected - set(received)),
    }
    print("mixed batch (SQLite + filesystem broker):", figures)
    assert figures["sent"] == figures["queued"] == PEOPLE * len(CHANNELS)
    assert figures["lost"] == 0 and figures["duplicated"] <= 1
