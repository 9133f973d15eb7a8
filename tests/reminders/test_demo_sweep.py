"""The sweep over the demo city: everyone reached once, the clerk without e-mail included."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tracker.core import workdays
from tracker.demo.reach import LIAISON
from tracker.notify.models import Delivery, Item
from tracker.reminders.models import Notification, OutboxMail
from tracker.reminders.services import reminders_sweep


@pytest.fixture
def demo(demo_city, db):
    """The module's one demo city; each test's writes are rolled back."""


def test_the_demo_sweep_reaches_the_clerk_without_mail_and_mails_nobody_twice(demo):
    day = workdays.next_workday(timezone.localdate())
    first = reminders_sweep(today=day)
    plans = {plan.username: plan.email for plan in first.mails}
    assert plans[LIAISON] == ""
    assert Notification.objects.filter(recipient__username=LIAISON).exists()
    assert not OutboxMail.objects.filter(recipient__username=LIAISON).exists()
    assert Item.objects.filter(recipient__username=LIAISON, key__startswith="reminders:").count() == 1
    # The demo's overdue rectification item is escalated to the city office; its follow-up item reminded.
    assert Item.objects.filter(recipient__username="office", key__startswith="rectification:", kind="escalation")
    assert Item.objects.filter(recipient__username=LIAISON, key__startswith="conversion:").exists()
    assert OutboxMail.objects.count() == sum(1 for plan in first.mails if plan.email)
    assert not Delivery.objects.filter(item__key__startswith="reminders:", channel="mail").exists()
    counts = (OutboxMail.objects.count(), Item.objects.count(), Delivery.objects.count())
    again = reminders_sweep(today=day)
    assert again.mails == [] and again.notified == 0
    assert (OutboxMail.objects.count(), Item.objects.count(), Delivery.objects.count()) == counts
