"""Pages of the reminder system: the urge box and endpoints, the outbox, mail settings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.conftest import login
from tests.factories import make_outbox_mail, make_user
from tracker.orgs.models import Role
from tracker.reminders.models import Kind, MailStatus, Notification, OutboxMail, ReminderPreference

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
WEDNESDAY = datetime(2026, 11, 25, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
SATURDAY = datetime(2026, 11, 28, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_task_page_offers_urge_to_reviewers_only(client, city):
    task = city.task_a()
    url = reverse("work:task_detail", args=[task.pk])
    urge = reverse("reminders:task_urge", args=[task.pk])
    assert urge in login(client, city.office_east).get(url).content.decode()
    assert urge in login(client, city.guide).get(url).content.decode()
    assert urge not in login(client, city.staff_a).get(url).content.decode()
    assert urge not in login(client, city.leadership).get(url).content.decode()


def test_urge_from_the_task_page_queues_one_mail_per_person_once_a_day(client, city):
    task = city.task_a()
    url = reverse("reminders:task_urge", args=[task.pk])
    with time_machine.travel(WEDNESDAY, tick=False):
        login(client, city.office_city)  # sessions expire: log in on the travelled-to day
        first = client.post(url, {"note": "请于周五前上传佐证材料"}, **HTMX)
        again = client.post(url, {"note": "再次催办"}, **HTMX)
    assert first.status_code == 200 and "1" in first.content.decode()
    assert "已催办" in first.content.decode()
    assert "今天已催办过" in again.content.decode()
    note = Notification.objects.get()
    assert (note.kind, note.recipient, note.task, note.created_by) == (Kind.URGE, city.staff_a, task, city.office_city)
    mail = OutboxMail.objects.get()
    assert "请于周五前上传佐证材料" in mail.body_text and task.display_title in mail.body_html
    assert mail.next_attempt_at == WEDNESDAY  # a working day: now


def test_an_urge_on_a_day_off_waits_for_the_next_working_day(client, city):
    with time_machine.travel(SATURDAY, tick=False):
        login(client, city.office_city)
        client.post(reverse("reminders:task_urge", args=[city.task_a().pk]), {"note": ""})
    assert OutboxMail.objects.get().next_attempt_at == datetime(2026, 11, 30, 8, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_unit_urge_for_dashboards_lists_red_tasks_and_returns_to_next(client, city):
    login(client, city.office_city)
    url = reverse("reminders:unit_urge", args=[city.unit_a.pk])
    back = reverse("home:unit_list") + "?q=Unit"
    response = client.post(url, {"note": "", "next": back})
    assert response.status_code == 302 and response.url == back
    recipients = set(OutboxMail.objects.values_list("recipient__username", flat=True))
    assert recipients == {"staff_a", "leader_a"}
    overdue_plan = city.unit_a.tasks.get(template__code="plan")  # due ten days before the campaign start
    assert overdue_plan.display_title in OutboxMail.objects.first().body_text
    # An outside address is never followed.
    response = client.post(url, {"next": "https://evil.example/"})
    assert response.url == reverse("work:unit_detail", args=[city.unit_a.pk])


def test_an_over_long_note_is_refused_in_the_users_language(client, city):
    login(client, city.office_city)
    url = reverse("reminders:task_urge", args=[city.task_a().pk])
    fragment = client.post(url, {"note": "长" * 501}, **HTMX)
    assert fragment.status_code == 422 and 'class="field-error"' in fragment.content.decode()
    page = client.post(url, {"note": "长" * 501})
    assert page.status_code == 422 and "<html" in page.content.decode()
    assert OutboxMail.objects.count() == 0


def test_urge_endpoints_refuse_get(client, city):
    login(client, city.office_city)
    assert client.get(reverse("reminders:task_urge", args=[city.task_a().pk])).status_code == 405


def test_unit_urge_get_asks_to_confirm_and_shows_who_urged(client, city):
    """A unit is urged as a whole from the matrix, the unit list or its page: GET confirms, POST urges."""
    login(client, city.office_city)
    url = reverse("reminders:unit_urge", args=[city.unit_a.pk])
    page = client.get(url, {"next": reverse("dashboards:matrix")})
    assert page.status_code == 200 and OutboxMail.objects.count() == 0
    assert f'value="{reverse("dashboards:matrix")}"' in page.content.decode()
    client.post(url, {"note": "请抓紧"})
    record = client.get(reverse("reminders:unit_urges", args=[city.unit_a.pk])).content.decode()
    assert "staff_a" in record or "张三" in record
    # Once a day per person: a second urge today reaches nobody again.
    before = OutboxMail.objects.count()
    client.post(url, {"note": ""})
    assert OutboxMail.objects.count() == before


@pytest.mark.parametrize("mails", [1, 30])
def test_outbox_query_count_is_pinned_and_does_not_grow(client, city, django_assert_num_queries, mails):
    for _ in range(mails):
        make_outbox_mail(unit=city.unit_a, recipient=city.staff_a)
    make_outbox_mail(unit=city.unit_b, recipient=city.staff_b, status=MailStatus.SENT)
    login(client, city.office_city)
    client.get(reverse("reminders:outbox"))  # warm the session
    # session, user, scope, counts, page count, page rows
    with django_assert_num_queries(6):
        response = client.get(reverse("reminders:outbox"))
    assert response.status_code == 200
    with django_assert_num_queries(5):  # the htmx fragment has no counts
        client.get(reverse("reminders:outbox"), {"status": "failed"}, **HTMX)


def test_the_outbox_shows_only_mail_about_the_offices_units(client, city):
    make_outbox_mail(unit=city.unit_a, recipient=city.staff_a)
    make_outbox_mail(unit=city.unit_b, recipient=city.staff_b)
    office_west = make_user(Role.OFFICE, unit=city.west, username="office_west")
    east = login(client, city.office_east).get(reverse("reminders:outbox")).content.decode()
    assert "staff_a@example.test" in east and "staff_b@example.test" not in east
    west = login(client, office_west).get(reverse("reminders:outbox")).content.decode()
    assert "staff_b@example.test" in west and "staff_a@example.test" not in west


def test_only_a_failed_mail_can_be_sent_again(client, city):
    sent = make_outbox_mail(unit=city.unit_a, recipient=city.staff_a, status=MailStatus.SENT)
    login(client, city.office_city)
    client.post(reverse("reminders:outbox_retry", args=[sent.pk]))
    sent.refresh_from_db()
    assert sent.status == MailStatus.SENT


def test_preferences_switch_off_digests_and_choose_the_mail_language(client, city):
    login(client, city.leader_a)
    url = reverse("reminders:preferences")
    page = client.get(url)
    assert page.status_code == 200 and 'name="receive_digests"' in page.content.decode()
    assert client.post(url, {"language": "en"}).status_code == 302  # checkbox left unticked
    preference = ReminderPreference.objects.get(user=city.leader_a)
    # One language per person: the mail's and, from the next login, the UI's.
    assert (city.leader_a.preference.language, preference.receive_digests) == ("en", False)
    assert client.post(url, {"language": "fr", "receive_digests": "on"}).status_code == 422
    assert preference.history.count() == 1


def test_only_offices_get_the_outbox_link_on_their_settings_page(client, city):
    outbox = reverse("reminders:outbox")
    assert outbox in login(client, city.office_east).get(reverse("reminders:preferences")).content.decode()
    assert outbox not in login(client, city.staff_a).get(reverse("reminders:preferences")).content.decode()


def test_reminder_forms_refuse_bad_input_in_chinese():
    from tests.badinput import assert_form_refuses
    from tracker.reminders.forms import PreferenceForm, UrgeForm

    assert assert_form_refuses(UrgeForm, valid={"note": "请本周内完成"}) == ["note"]
    assert "language" in assert_form_refuses(PreferenceForm, valid={"language": "en", "receive_digests": "on"})
