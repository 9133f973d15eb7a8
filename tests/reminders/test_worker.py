"""End to end on the real services: a Celery worker on Redis, PostgreSQL, and an SMTP sink.

The worker is a separate `celery -A tracker worker` process reading the test database; these
tests commit (transaction=True) so it can see what they write.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from tests.conftest import LADDER_DAY, login, make_ladder, require_worker_services, wait_for
from tracker import celery_app
from tracker.reminders.models import MailSlice, MailStatus, OutboxMail, ReminderPreference
from tracker.reminders.tasks import relay_outbox, send_reminders

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

RECIPIENTS = ["leader_a", "office_city", "office_east", "staff_a", "staff_b"]
# The guide's and the leadership member's weekly digests go by notify()'s own mail channel.
EVERYONE = sorted([*RECIPIENTS, "guide", "leadership"])


def only_reminder_mails(city) -> None:
    """Keep a test on the reminder mail path: the guide and leadership member take no digest."""
    for person in (city.guide, city.leadership):
        ReminderPreference.objects.create(user=person, receive_digests=False)


def sent_mails() -> int:
    return OutboxMail.objects.filter(status=MailStatus.SENT).count()


def test_sweep_twice_on_a_real_worker_delivers_one_mail_per_recipient(city, smtp_sink, celery_worker_process):
    require_worker_services()
    make_ladder(city)
    # Two threads: the two sweeps may run at the same time, as two beats firing together would.
    worker = celery_worker_process(pool="threads", concurrency=2, EMAIL_HOST="127.0.0.1", EMAIL_PORT=smtp_sink.port)
    send_reminders.delay(LADDER_DAY.isoformat())
    send_reminders.delay(LADDER_DAY.isoformat())
    wait_for(lambda: worker.log.read_text().count("send_reminders") >= 4, what="both sweeps to finish")
    wait_for(lambda: len(smtp_sink.messages) >= len(EVERYONE), what="the mails to arrive")
    # Whatever is still queued would go out now: ask the worker to relay once more, then count.
    relay_outbox.delay()
    wait_for(lambda: worker.log.read_text().count("relay_outbox") >= 4, what="the extra relay")
    assert smtp_sink.recipients() == [f"{name}@example.test" for name in EVERYONE]
    assert sent_mails() == len(RECIPIENTS) and OutboxMail.objects.count() == len(RECIPIENTS)
    message = next(m for m in smtp_sink.messages if m["To"] == "staff_a@example.test")
    assert message.get_content_type() == "multipart/alternative"
    assert {part.get_content_type() for part in message.iter_parts()} == {"text/plain", "text/html"}
    assert "逾期" in message["Subject"]


def test_a_large_sweep_is_composed_in_slices_by_the_workers(city, smtp_sink, celery_worker_process):
    """Beat's sweep leaves a large batch's mails to the workers (two people a slice here)."""
    require_worker_services()
    make_ladder(city)
    celery_worker_process(
        pool="threads", concurrency=2, EMAIL_HOST="127.0.0.1", EMAIL_PORT=smtp_sink.port, REMINDERS_COMPOSE_SLICE=2
    )
    send_reminders.delay(LADDER_DAY.isoformat())
    wait_for(lambda: len(smtp_sink.messages) >= len(EVERYONE), what="the mails to arrive")
    assert MailSlice.objects.count() == 3 and not MailSlice.objects.filter(done_at=None).exists()
    assert sum(MailSlice.objects.values_list("mails", flat=True)) == len(RECIPIENTS)
    relay_outbox.delay()
    wait_for(lambda: sent_mails() == len(RECIPIENTS), what="every slice's mail to be sent")
    assert smtp_sink.recipients() == [f"{name}@example.test" for name in EVERYONE]


def test_a_refusing_mail_server_is_retried_with_backoff_until_it_accepts(city, smtp_sink, celery_worker_process):
    require_worker_services()
    make_ladder(city)
    only_reminder_mails(city)
    smtp_sink.refuse = 2  # "451 try again later", twice
    celery_worker_process(EMAIL_HOST="127.0.0.1", EMAIL_PORT=smtp_sink.port, REMINDERS_RETRY_BASE_SECONDS=1)
    send_reminders.delay(LADDER_DAY.isoformat())
    wait_for(lambda: sent_mails() == len(RECIPIENTS), what="every mail to be sent after the retries")
    assert smtp_sink.refused == 2
    assert smtp_sink.recipients() == [f"{name}@example.test" for name in RECIPIENTS]
    retried = OutboxMail.objects.filter(attempts__gt=1)
    assert retried.count() >= 1 and all("451" in mail.last_error for mail in retried)


@pytest.fixture
def broker_down():
    """Point this process's Celery at a port where nothing listens, as when Redis is down."""
    good = celery_app.conf.broker_url

    def switch(url):
        celery_app.conf.broker_url = url
        # Drop the app's cached pools, so the next publish dials the URL now configured.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    from tests.conftest import free_port

    switch(f"redis://127.0.0.1:{free_port()}/{settings.REDIS_URL.rsplit('/', 1)[-1] or 0}")
    yield lambda: switch(good)
    switch(good)


def test_urge_survives_redis_being_down_and_is_mailed_once_it_is_back(
    client, city, smtp_sink, celery_worker_process, broker_down
):
    require_worker_services()
    task = city.task_a()
    login(client, city.office_city)
    # A past working day, so the worker (on the real clock) finds the mail due at once.
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai"))):
        response = client.post(reverse("reminders:task_urge", args=[task.pk]), {"note": "本周五前完成"})
    assert response.status_code == 302  # the request succeeded although nothing could be enqueued
    mail = OutboxMail.objects.get()
    assert mail.status == MailStatus.QUEUED and mail.to_email == "staff_a@example.test"

    broker_down()  # Redis is back
    celery_worker_process(EMAIL_HOST="127.0.0.1", EMAIL_PORT=smtp_sink.port)
    relay_outbox.delay()  # what beat's every-minute relay does
    wait_for(lambda: sent_mails() == 1, what="the urge mail to be relayed")
    assert smtp_sink.recipients() == ["staff_a@example.test"]
    assert "本周五前完成" in smtp_sink.messages[0].get_body(("plain",)).get_content()


def test_without_redis_the_embedded_filesystem_broker_delivers(city, smtp_sink, celery_worker_process, tmp_path):
    """`make run` on a laptop: no REDIS_URL, kombu's filesystem transport between the processes."""
    from django.db import connection

    from tests.conftest import database_url, require_service

    require_service("PostgreSQL", connection.vendor == "postgresql", "a worker cannot see SQLite's test database")
    make_ladder(city)
    only_reminder_mails(city)
    env = {"REDIS_URL": "", "CELERY_FILESYSTEM_FOLDER": str(tmp_path / "broker")}
    celery_worker_process(EMAIL_HOST="127.0.0.1", EMAIL_PORT=smtp_sink.port, **env)
    # The sweep runs in its own process too (as beat's job or the command would), enqueuing the relay on commit.
    subprocess.run(
        [sys.executable, "manage.py", "send_reminders", "--date", LADDER_DAY.isoformat()],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tracker.settings", "DATABASE_URL": database_url(), **env},
        check=True,
        capture_output=True,
    )
    wait_for(lambda: sent_mails() == len(RECIPIENTS), what="the mails to go through the filesystem broker")
    assert smtp_sink.recipients() == [f"{name}@example.test" for name in RECIPIENTS]
