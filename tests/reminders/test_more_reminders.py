"""Rectification items, milestones, conversion follow-ups and the guides' and leadership's digests
on the reminder ladder (frozen calendar), and reminders for people without e-mail."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from tests.conftest import LADDER_DAY, login
from tests.factories import make_user
from tests.reminders.test_ladder import SHANGHAI, at
from tracker.core.workdays import add_workdays
from tracker.ledgers.models import (
    ConversionItem,
    ProgressStatus,
    RectificationItem,
    RectificationMilestone,
    RectificationStatus,
)
from tracker.notify.models import Channel, Delivery, Item, Profile
from tracker.orgs.models import Role
from tracker.reminders.models import Kind, Notification, OutboxMail, ReminderPreference
from tracker.reminders.services import reminders_sweep, unit_urge
from tracker.work.models import Task, TaskStatus


def rectification(city, deadline: date, status: str = RectificationStatus.OPEN, unit=None) -> RectificationItem:
    return RectificationItem.objects.create(
        campaign=city.campaign,
        unit=unit or city.unit_a,
        problem="学习笔记流于形式",
        source="self_inspection",
        category="style",
        kind="immediate",
        deadline=deadline,
        status=status,
        closed_on=deadline if status == RectificationStatus.CLOSED else None,
    )


def items(key: str) -> dict[str, set[str]]:
    """Kind → usernames notified about `key`."""
    found: dict[str, set[str]] = {}
    for kind, username in Item.objects.filter(key=key).values_list("kind", "recipient__username"):
        found.setdefault(kind, set()).add(username)
    return found


@pytest.fixture
def quiet_city(city):
    """No task reminds: only the ledger rows each test adds."""
    Task.objects.update(status=TaskStatus.DONE)
    return city


@pytest.mark.django_db
def test_rectification_items_climb_the_ladder_once_per_step(quiet_city):
    city = quiet_city
    soon = rectification(city, add_workdays(LADDER_DAY, 1))
    late = rectification(city, add_workdays(LADDER_DAY, -2))
    escalated = rectification(city, add_workdays(LADDER_DAY, -city.campaign.escalate_after_days))
    waiting = rectification(city, add_workdays(LADDER_DAY, -9), status=RectificationStatus.REQUESTED)
    closed = rectification(city, add_workdays(LADDER_DAY, -9), status=RectificationStatus.CLOSED)
    later = rectification(city, add_workdays(LADDER_DAY, 10))
    with at(LADDER_DAY):
        first = reminders_sweep()
    doers = {"staff_a", "leader_a"}
    assert items(f"rectification:{soon.pk}") == {Kind.DUE_SOON: doers}
    assert items(f"rectification:{late.pk}") == {Kind.OVERDUE: doers}
    # 督办 goes to the unit's leader and every office above unit A (the city's and East's).
    assert items(f"rectification:{escalated.pk}") == {
        Kind.OVERDUE: doers,
        Kind.ESCALATION: {"leader_a", "office_city", "office_east"},
    }
    for quiet in (waiting, closed, later):
        assert items(f"rectification:{quiet.pk}") == {}
    assert Item.objects.filter(key__startswith="rectification:").count() == 2 + 2 + 2 + 3
    assert first.notified >= 9  # with the guide's and leadership's digests of the week
    item = Item.objects.get(key=f"rectification:{escalated.pk}", recipient=city.office_city)
    assert "督办" in item.subject and "学习笔记流于形式" in item.subject
    assert item.url == reverse("ledgers:row_detail", args=["rectification", escalated.pk])
    # The same day again, and the next day (same steps): nothing new.
    with at(LADDER_DAY, hour=15):
        assert reminders_sweep().notified == 0
    with at(add_workdays(LADDER_DAY, 1)):
        reminders_sweep()
    assert Item.objects.filter(key=f"rectification:{escalated.pk}").count() == 5
    assert Item.objects.filter(key=f"rectification:{soon.pk}").count() == 2  # due today: the same step


@pytest.mark.django_db
def test_milestones_and_conversion_follow_ups_are_reminded(quiet_city):
    city = quiet_city
    item = rectification(city, add_workdays(LADDER_DAY, 30))
    due = RectificationMilestone.objects.create(item=item, title="完成第一阶段", due_on=LADDER_DAY)
    reached = RectificationMilestone.objects.create(
        item=item, title="已完成", due_on=add_workdays(LADDER_DAY, -3), reached_on=LADDER_DAY
    )
    follow = ConversionItem.objects.create(
        campaign=city.campaign, unit=city.unit_b, title="回访群众意见", due_on=add_workdays(LADDER_DAY, -1)
    )
    done = ConversionItem.objects.create(
        campaign=city.campaign,
        unit=city.unit_b,
        title="已落实",
        due_on=add_workdays(LADDER_DAY, -1),
        status=ProgressStatus.DONE,
        done_on=LADDER_DAY,
    )
    with at(LADDER_DAY):
        reminders_sweep()
    assert items(f"milestone:{due.pk}") == {Kind.DUE_SOON: {"staff_a", "leader_a"}}
    assert items(f"milestone:{reached.pk}") == {}
    assert items(f"conversion:{follow.pk}") == {Kind.OVERDUE: {"staff_b"}}
    assert items(f"conversion:{done.pk}") == {}
    milestone = Item.objects.get(key=f"milestone:{due.pk}", recipient=city.staff_a)
    assert "完成第一阶段" in milestone.subject
    assert milestone.url == reverse("ledgers:row_detail", args=["rectification", item.pk])


@pytest.mark.django_db
def test_escalation_is_pushed_in_quiet_hours_only_when_the_campaign_says_so(quiet_city):
    city = quiet_city
    city.campaign.escalation_ignores_quiet_hours = True
    city.campaign.save()
    escalated = rectification(city, add_workdays(LADDER_DAY, -city.campaign.escalate_after_days))
    night = datetime(2026, 11, 25, 23, tzinfo=SHANGHAI)
    with time_machine.travel(night, tick=False):
        reminders_sweep()
    mails = Delivery.objects.filter(item__key=f"rectification:{escalated.pk}", channel=Channel.MAIL)
    assert {d.next_attempt_at for d in mails.filter(item__kind=Kind.ESCALATION)} == {night}
    overdue = {d.next_attempt_at for d in mails.filter(item__kind=Kind.OVERDUE)}
    assert overdue == {datetime(2026, 11, 26, 7, 30, tzinfo=SHANGHAI)}


@pytest.mark.django_db
def test_nothing_is_reminded_on_a_day_off(quiet_city):
    rectification(quiet_city, add_workdays(LADDER_DAY, -2))
    assert not reminders_sweep(today=date(2026, 11, 28)).workday
    assert not Item.objects.exists()


@pytest.mark.django_db
def test_guides_and_leadership_get_a_weekly_digest_once(ladder):
    city = ladder.city
    with at(LADDER_DAY):
        reminders_sweep()
    week = "2026-11-23"
    guide = Item.objects.get(recipient=city.guide, kind=Kind.DIGEST)
    assert (guide.key, guide.step) == (f"c{city.campaign.pk}:digest:guide", week)
    assert "1" in guide.subject  # the guide guides unit A only
    assert len(guide.body.splitlines()) == 3 and city.unit_a.name in guide.body
    leadership = Item.objects.get(recipient=city.leadership, kind=Kind.DIGEST)
    assert leadership.step == week and leadership.key.startswith(f"c{city.campaign.pk}:digest:leadership:")
    assert ladder.escalated.display_title in leadership.body  # the city's red task, listed
    assert Delivery.objects.filter(item__in=[guide, leadership], channel=Channel.MAIL).count() == 2
    # Later in the week: no second digest.
    with at(add_workdays(LADDER_DAY, 1)):
        reminders_sweep()
    assert Item.objects.filter(kind=Kind.DIGEST, recipient__in=[city.guide, city.leadership]).count() == 2


@pytest.mark.django_db
def test_a_guide_who_switched_digests_off_gets_none(ladder):
    ReminderPreference.objects.create(user=ladder.city.guide, receive_digests=False)
    with at(LADDER_DAY):
        reminders_sweep()
    assert not Item.objects.filter(recipient=ladder.city.guide, kind=Kind.DIGEST).exists()


# --- people without e-mail ---------------------------------------------------------------------


@pytest.fixture
def wecom_on(settings):
    settings.WECOM_CORP_ID, settings.WECOM_SECRET, settings.WECOM_AGENT_ID = "corp", "secret", "1000002"


@pytest.mark.django_db
def test_the_sweep_reaches_people_without_e_mail_on_their_channels_and_mails_nobody_twice(ladder, wecom_on):
    city = ladder.city
    type(city.staff_a).objects.filter(pk=city.staff_a.pk).update(email="")
    Profile.objects.create(user=city.staff_a, wecom_id="zhangsan")
    Profile.objects.create(user=city.staff_b, wecom_id="lisi", via_mail=False)
    with at(LADDER_DAY):
        result = reminders_sweep()
    plans = {plan.username: plan.email for plan in result.mails}
    assert plans["staff_a"] == "" and plans["staff_b"] == ""
    assert sorted(Notification.objects.filter(recipient=city.staff_a).values_list("kind", flat=True)) == [
        Kind.DUE_SOON,
        Kind.OVERDUE,
    ]
    mailed = set(OutboxMail.objects.values_list("recipient__username", flat=True))
    assert mailed == {"leader_a", "office_city", "office_east"}
    for person in (city.staff_a, city.staff_b):
        pushed = Item.objects.get(recipient=person, key__startswith="reminders:")
        assert list(pushed.deliveries.values_list("channel", flat=True)) == [Channel.WECOM]
    # Mail reaches each person once: the OutboxMail, never also notify's mail channel.
    assert not Delivery.objects.filter(item__key__startswith="reminders:", channel=Channel.MAIL).exists()


@pytest.mark.django_db
def test_someone_only_in_the_app_still_gets_the_reminder_under_the_bell(ladder):
    staff = make_user(Role.STAFF, unit=ladder.city.unit_a, username="clerk", email="")
    with at(LADDER_DAY):
        reminders_sweep()
    assert Notification.objects.filter(recipient=staff).count() == 2
    bell = Item.objects.get(recipient=staff)
    assert not bell.deliveries.exists() and bell.read_at is None
    assert not OutboxMail.objects.filter(recipient=staff).exists()


@pytest.mark.django_db
def test_an_urge_reaches_staff_without_e_mail(client, city, wecom_on):
    type(city.staff_a).objects.filter(pk=city.staff_a.pk).update(email="")
    Profile.objects.create(user=city.staff_a, wecom_id="zhangsan")
    city.staff_a.refresh_from_db()
    with time_machine.travel(datetime(2026, 11, 25, 10, tzinfo=SHANGHAI), tick=False):
        result = unit_urge(unit=city.unit_a, by=city.office_city, note="请尽快上传")
        login(client, city.office_city)
        again = client.post(reverse("reminders:unit_urge", args=[city.unit_a.pk]), {"note": ""})
    assert result.reached == 2 and again.status_code == 302
    assert set(OutboxMail.objects.values_list("recipient__username", flat=True)) == {"leader_a"}
    pushed = Item.objects.get(recipient=city.staff_a, kind="urge")
    assert list(pushed.deliveries.values_list("channel", flat=True)) == [Channel.WECOM]
    assert Notification.objects.filter(recipient=city.staff_a, kind=Kind.URGE).count() == 1


def test_deletes_through_the_orm_still_cascade_to_reminders(ladder, city):
    """Reminders carry no foreign-key constraints in the database (a province's first sweep writes
    two million); every delete goes through the ORM, whose collector cascades to them as before."""
    reminders_sweep(today=LADDER_DAY)
    unit_urge(unit=city.unit_a, by=city.office_city, note="请加快进度")
    about_a_task = Notification.objects.exclude(task=None).first()
    assert about_a_task is not None
    task, recipient = about_a_task.task, about_a_task.recipient
    task_reminders = Notification.objects.filter(task=task).count()
    before = Notification.objects.count()
    Task.objects.filter(pk=task.pk).delete()
    assert not Notification.objects.filter(task_id=task.pk).exists()
    assert Notification.objects.count() == before - task_reminders
    # The office that urged leaves: the urges stay, without their author; a recipient who is
    # deleted takes their reminders along.
    urges = Notification.objects.filter(kind=Kind.URGE, created_by=city.office_city)
    assert urges.exists()
    urge_ids = list(urges.values_list("pk", flat=True))
    city.office_city.delete()
    assert set(Notification.objects.filter(pk__in=urge_ids).values_list("created_by", flat=True)) == {None}
    type(recipient).objects.filter(pk=recipient.pk).delete()
    assert not Notification.objects.filter(recipient_id=recipient.pk).exists()
    # Whatever was deleted, every reminder still points at rows that exist.
    users = type(recipient).objects.values("pk")
    assert not Notification.objects.exclude(recipient_id__in=users).exists()
    assert not Notification.objects.exclude(task=None).exclude(task_id__in=Task.objects.values("pk")).exists()
    assert not Notification.objects.exclude(created_by=None).exclude(created_by_id__in=users).exists()
