"""The reminder ladder on a frozen calendar: who gets what, once, and never on a day off."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.conftest import LADDER_DAY, make_ladder
from tests.factories import make_user
from tracker.core.models import UserPreference, WorkdayOverride
from tracker.orgs.models import Role
from tracker.reminders.ladder import digest_week
from tracker.reminders.models import Kind, MailStatus, Notification, OutboxMail, ReminderPreference
from tracker.reminders.services import reminders_sweep
from tracker.work.models import Task

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 9):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


def kinds_of(username: str) -> list[str]:
    return sorted(Notification.objects.filter(recipient__username=username).values_list("kind", flat=True))


@pytest.mark.django_db
def test_one_mail_per_recipient_listing_all_their_items(ladder):
    with at(LADDER_DAY):
        result = reminders_sweep()
    assert result.workday
    assert sorted(m.username for m in result.mails) == ["leader_a", "office_city", "office_east", "staff_a", "staff_b"]
    assert OutboxMail.objects.filter(status=MailStatus.QUEUED).count() == 5
    assert kinds_of("staff_a") == [Kind.DUE_SOON, Kind.OVERDUE]
    assert kinds_of("staff_b") == [Kind.OVERDUE]
    assert kinds_of("leader_a") == [Kind.DIGEST]  # A's overdue task is 3 days late: not escalated yet
    assert kinds_of("office_city") == [Kind.DIGEST, Kind.ESCALATION]  # B's task, 10 days late
    assert kinds_of("office_east") == [Kind.DIGEST]  # unit B is not in East's subtree
    assert kinds_of("guide") == [] and kinds_of("leadership") == []
    mail = OutboxMail.objects.get(recipient__username="staff_a")
    assert mail.reminders().count() == 2
    for task in (ladder.due_soon, ladder.overdue):
        assert f"http://127.0.0.1:8000/tasks/{task.pk}/" in mail.body_text
        assert f'href="http://127.0.0.1:8000/tasks/{task.pk}/"' in mail.body_html
    assert "已逾期" in mail.body_text and "即将到期" in mail.body_text  # Chinese by default


@pytest.mark.django_db
def test_running_the_sweep_again_the_same_day_sends_nothing_new(ladder):
    with at(LADDER_DAY):
        first = reminders_sweep()
    with at(LADDER_DAY, hour=15):
        second = reminders_sweep()
    assert len(first.mails) == 5
    assert second.mails == [] and second.planned == first.planned
    assert OutboxMail.objects.count() == 5


@pytest.mark.django_db
def test_due_soon_is_sent_once_per_due_date(ladder):
    due_soon = Notification.objects.filter(kind=Kind.DUE_SOON, task=ladder.due_soon, recipient=ladder.city.staff_a)
    reminders_sweep(today=LADDER_DAY - timedelta(days=1))
    reminders_sweep(today=LADDER_DAY)
    reminders_sweep(today=ladder.due_soon.due_on)  # due today: still the same reminder
    assert due_soon.count() == 1
    # A new due date is a new reminder.
    Task.objects.filter(pk=ladder.due_soon.pk).update(due_on=ladder.due_soon.due_on + timedelta(days=1))
    reminders_sweep(today=ladder.due_soon.due_on)
    assert due_soon.count() == 2


@pytest.mark.django_db
def test_overdue_repeats_every_k_working_days(city):
    ladder = make_ladder(city)
    city.campaign.overdue_repeat_workdays = 3
    city.campaign.save()
    Task.objects.filter(pk=ladder.overdue.pk).update(due_on=date(2026, 11, 20))  # a Friday
    day = date(2026, 11, 21)
    while day <= date(2026, 12, 4):
        reminders_sweep(today=day)
        day += timedelta(days=1)
    sent = Notification.objects.filter(kind=Kind.OVERDUE, task=ladder.overdue, recipient=city.staff_a)
    # 1st, 4th, 7th and 10th working day after the due date; nothing on the weekends between.
    steps = [date(2026, 11, 23), date(2026, 11, 26), date(2026, 12, 1), date(2026, 12, 4)]
    assert sorted(sent.values_list("on_date", flat=True)) == steps


@pytest.mark.django_db
def test_escalation_reaches_the_unit_leader_and_offices_above_only(ladder):
    city = ladder.city
    office_west = make_user(Role.OFFICE, unit=city.west, username="office_west")
    # Seven working days late (Monday a week and a half ago): the threshold counts working days.
    Task.objects.filter(pk=ladder.overdue.pk).update(due_on=date(2026, 11, 16))
    reminders_sweep(today=LADDER_DAY)
    escalated = Notification.objects.filter(kind=Kind.ESCALATION, task=ladder.overdue)
    assert sorted(escalated.values_list("recipient__username", flat=True)) == ["leader_a", "office_city", "office_east"]
    assert escalated.first().on_date == LADDER_DAY
    # B's escalation goes to West's office too; staff are reminded (overdue), not escalated to.
    assert Notification.objects.filter(kind=Kind.ESCALATION, task=ladder.escalated, recipient=office_west).exists()
    assert not Notification.objects.filter(kind=Kind.ESCALATION, recipient=city.staff_a).exists()
    # Escalation is once per task: the next days add overdue repeats only.
    reminders_sweep(today=LADDER_DAY + timedelta(days=1))
    assert escalated.count() == 3


@pytest.mark.django_db
def test_escalation_counts_working_days_not_the_national_day_week(ladder):
    """Due the day before the National Day holiday, nine calendar days late but two working days: no 督办."""
    Task.objects.filter(pk=ladder.overdue.pk).update(due_on=date(2026, 9, 30))
    day = date(2026, 10, 9)  # Friday; Oct 1–7 off, Oct 8 and 9 worked
    reminders_sweep(today=day)
    assert not Notification.objects.filter(kind=Kind.ESCALATION, task=ladder.overdue).exists()
    assert Notification.objects.filter(kind=Kind.OVERDUE, task=ladder.overdue).exists()
    # Seven working days after the due date (Oct 8, 9, 10 make-up Saturday, 12, 13, 14, 15) it escalates.
    reminders_sweep(today=date(2026, 10, 15))
    escalated = Notification.objects.filter(kind=Kind.ESCALATION, task=ladder.overdue)
    assert escalated.exists() and escalated.first().on_date == date(2026, 10, 15)


@pytest.mark.django_db
def test_nothing_goes_out_on_a_day_off_and_it_is_sent_the_next_working_day(ladder):
    saturday = date(2026, 11, 28)
    Task.objects.filter(pk=ladder.due_soon.pk).update(due_on=date(2026, 11, 30))
    with at(saturday):
        result = reminders_sweep()
    assert result.workday is False and OutboxMail.objects.count() == 0
    with at(date(2026, 11, 30)):
        reminders_sweep()
    assert Notification.objects.filter(kind=Kind.DUE_SOON, task=ladder.due_soon).exists()


@pytest.mark.django_db
def test_make_up_saturdays_and_office_overrides_are_working_days(ladder):
    assert reminders_sweep(today=date(2026, 10, 10)).workday is True  # 调休 Saturday
    assert reminders_sweep(today=date(2026, 10, 5)).workday is False  # National Day
    WorkdayOverride.objects.create(date=date(2026, 11, 28), is_workday=True, note="补班")
    WorkdayOverride.objects.create(date=date(2026, 11, 27), is_workday=False, note="本地假日")
    assert reminders_sweep(today=date(2026, 11, 28)).workday is True
    assert reminders_sweep(today=date(2026, 11, 27)).workday is False


def test_the_weekly_digest_moves_past_holidays():
    class Campaign:
        digest_weekday = 0  # Monday

    assert digest_week(Campaign, date(2026, 11, 23)) == date(2026, 11, 23)
    assert digest_week(Campaign, date(2026, 11, 27)) == date(2026, 11, 23)
    # Monday 5 October 2026 is in the National Day holiday: that week's digest goes out Thursday 8th.
    assert digest_week(Campaign, date(2026, 10, 8)) == date(2026, 10, 5)
    Campaign.digest_weekday = 4  # Friday
    assert digest_week(Campaign, date(2026, 11, 25)) == date(2026, 11, 16)  # last week's, if it was missed
    assert digest_week(Campaign, date(2026, 11, 27)) == date(2026, 11, 23)


@pytest.mark.django_db
def test_people_can_switch_off_the_digest_but_not_escalations(ladder):
    city = ladder.city
    ReminderPreference.objects.create(user=city.office_city, receive_digests=False)
    ReminderPreference.objects.create(user=city.leader_a, receive_digests=False)
    result = reminders_sweep(today=LADDER_DAY)
    assert kinds_of("office_city") == [Kind.ESCALATION]
    assert "leader_a" not in [m.username for m in result.mails]


@pytest.mark.django_db
def test_mail_is_in_the_recipients_language(ladder):
    UserPreference.objects.create(user=ladder.city.staff_a, language="en")
    reminders_sweep(today=LADDER_DAY)
    english = OutboxMail.objects.get(recipient=ladder.city.staff_a)
    assert english.language == "en"
    assert english.subject == "Campaign Tracker: 1 overdue · 1 due soon"
    assert "Overdue" in english.body_text and ladder.due_soon.template.title_en in english.body_text
    chinese = OutboxMail.objects.get(recipient=ladder.city.staff_b)
    assert chinese.language == "zh-hans" and "逾期" in chinese.subject


@pytest.mark.django_db
def test_people_without_an_address_are_reminded_but_not_mailed(ladder):
    ladder.city.staff_b.email = ""
    ladder.city.staff_b.save()
    result = reminders_sweep(today=LADDER_DAY)
    assert {m.username: m.email for m in result.mails}["staff_b"] == ""
    assert kinds_of("staff_b") == [Kind.OVERDUE]
    assert not OutboxMail.objects.filter(recipient=ladder.city.staff_b).exists()


@pytest.mark.django_db
def test_dry_run_lists_the_mails_and_records_nothing(ladder):
    result = reminders_sweep(today=LADDER_DAY, dry_run=True)
    assert len(result.mails) == 5
    assert Notification.objects.count() == 0 and OutboxMail.objects.count() == 0


@pytest.mark.django_db
def test_a_campaign_with_reminders_off_sends_nothing(ladder):
    ladder.city.campaign.reminders_enabled = False
    ladder.city.campaign.save()
    assert reminders_sweep(today=LADDER_DAY).mails == []


@pytest.mark.django_db
def test_digests_show_the_units_numbers(ladder):
    UserPreference.objects.create(user=ladder.city.leader_a, language="en")
    reminders_sweep(today=LADDER_DAY)
    leader = OutboxMail.objects.get(recipient=ladder.city.leader_a).body_text
    # Unit A: the due-soon, the overdue and the school-only-free template tasks, one of them red.
    assert "Weekly digest: UnitA" in leader
    assert "1 red" in leader and ladder.overdue.template.title_en in leader
    office = OutboxMail.objects.get(recipient=ladder.city.office_city).body_text
    assert "UnitB" in office and ladder.escalated.template.title_zh in office  # on the red list
