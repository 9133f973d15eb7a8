"""The outbox relay against a real SMTP sink: backoff, a bounded number of tries, failures shown."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.conftest import login
from tracker.reminders.models import MailStatus, OutboxMail
from tracker.reminders.services import outbox_relay, reminders_sweep, retry_delay

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEDNESDAY = datetime(2026, 11, 25, 10, tzinfo=SHANGHAI)


@pytest.fixture
def smtp_settings(settings, smtp_sink):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_sink.port
    settings.REMINDERS_MAX_ATTEMPTS = 3
    settings.REMINDERS_RETRY_BASE_SECONDS = 60
    return smtp_sink


def test_backoff_doubles_and_is_capped(settings):
    settings.REMINDERS_RETRY_BASE_SECONDS = 60
    settings.REMINDERS_RETRY_MAX_SECONDS = 300
    assert [retry_delay(n) for n in (1, 2, 3, 4, 5)] == [60, 120, 240, 300, 300]


@pytest.mark.django_db
def test_a_mail_is_retried_after_its_backoff_and_then_given_up_visibly(client, ladder, smtp_settings):
    sink = smtp_settings
    sink.refuse = 100  # the mail server keeps answering 451
    with time_machine.travel(WEDNESDAY, tick=False) as clock:
        reminders_sweep()
        mail = OutboxMail.objects.get(recipient=ladder.city.staff_a)
        outbox_relay(ids=[mail.pk])
        mail.refresh_from_db()
        assert (mail.status, mail.attempts) == (MailStatus.QUEUED, 1)
        assert "451" in mail.last_error
        assert mail.next_attempt_at == timezone.now() + timedelta(seconds=60)

        outbox_relay(ids=[mail.pk])  # not due yet: no attempt
        mail.refresh_from_db()
        assert mail.attempts == 1

        clock.shift(61)
        outbox_relay(ids=[mail.pk])
        mail.refresh_from_db()
        assert mail.attempts == 2 and mail.next_attempt_at == timezone.now() + timedelta(seconds=120)

        clock.shift(121)
        result = outbox_relay(ids=[mail.pk])
        mail.refresh_from_db()
        assert (mail.status, mail.attempts, result.failed) == (MailStatus.FAILED, 3, 1)
        assert sink.messages == [] and sink.refused == 3

        # The office sees it, with the server's answer, and sends it again once the server is fixed.
        login(client, ladder.city.office_city)
        page = client.get(reverse("reminders:outbox"), {"status": "failed"})
        assert page.status_code == 200
        assert "451" in page.content.decode() and "staff_a@example.test" in page.content.decode()
        sink.refuse = 0
        assert client.post(reverse("reminders:outbox_retry", args=[mail.pk])).status_code == 302
        outbox_relay()
    mail.refresh_from_db()
    assert mail.status == MailStatus.SENT and [m["To"] for m in sink.messages].count("staff_a@example.test") == 1


@pytest.mark.django_db
def test_one_connection_carries_the_batch_and_a_failure_does_not_stop_the_others(ladder, smtp_settings):
    sink = smtp_settings
    sink.refuse = 1
    with time_machine.travel(WEDNESDAY, tick=False):
        reminders_sweep()
        result = outbox_relay()
    assert (result.sent, result.retrying) == (4, 1)
    assert len(sink.messages) == 4
    assert result.next_in is not None and 0 < result.next_in <= 60


@pytest.mark.django_db
def test_nothing_is_relayed_on_a_day_off(ladder, smtp_settings):
    with time_machine.travel(datetime(2026, 11, 27, 17, tzinfo=SHANGHAI), tick=False):  # Friday
        reminders_sweep()
    with time_machine.travel(datetime(2026, 11, 28, 10, tzinfo=SHANGHAI), tick=False):  # Saturday
        assert outbox_relay().sent == 0
    with time_machine.travel(datetime(2026, 11, 30, 9, tzinfo=SHANGHAI), tick=False):  # Monday
        assert outbox_relay().sent == 5
    assert len(smtp_settings.messages) == 5
