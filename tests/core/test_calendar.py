"""The office's working-day calendar: unknown years are flagged; the office enters a year from the notice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import LADDER_DAY, login, make_ladder, table_counts
from tests.factories import make_user
from tracker.core import workdays
from tracker.core.models import CalendarYear, WorkdayOverride
from tracker.holidays.checks import unknown_calendar_years
from tracker.holidays.notice import parse_csv, parse_notice
from tracker.holidays.services import calendar_year_enter
from tracker.orgs.models import Role
from tracker.reminders.models import OutboxMail
from tracker.reminders.services import reminders_sweep
from tracker.work.models import Task

PAGE = reverse("holidays:calendar")
SAVE = reverse("holidays:calendar_save")
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假调休，共3天。
二、春节：2月6日（农历除夕、周六）至14日（周日）放假调休，共9天。2月20日（周六）上班。
"""


# --- reading the notice and the CSV ------------------------------------------------------------------


def test_the_notice_lines_of_the_state_council_are_read():
    notice = "元旦：1月1日放假，共1天。\n春节：2月15日至23日放假调休，共9天。2月14日（周六）、2月28日（周六）上班。"
    days = parse_notice(notice, year=2026)
    off = [d.day for d in days if not d.is_workday]
    assert off == [date(2026, 1, 1)] + [date(2026, 2, day) for day in range(15, 24)]
    assert [d.day for d in days if d.is_workday] == [date(2026, 2, 14), date(2026, 2, 28)]
    assert {d.note for d in days if not d.is_workday} == {"元旦", "春节"}


def test_a_range_across_months_and_the_notice_title_are_handled():
    days = parse_notice("关于2027年部分节假日安排的通知\n劳动节：4月30日至5月4日放假调休，共5天。", year=2027)
    assert [d.day for d in days] == [date(2027, 4, 30)] + [date(2027, 5, day) for day in range(1, 5)]


@pytest.mark.parametrize(
    "text,message",
    [
        ("随便写点什么", "未找到日期"),
        ("元旦：1月1日至3日放假，共4天。", "共3天"),
        ("元旦：2026年12月31日放假，共1天。", "不在2027年"),
        ("元旦 1月1日放假", "无法识别"),
        ("春节：2月6日放假。2月6日上班。", "既列为放假又列为上班"),
        ("春节：2月31日放假，共1天。", "无法识别"),
    ],
)
def test_bad_pastes_are_refused_with_a_chinese_error(text, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        parse_notice(text, year=2027)
    assert message in " ".join(error.value.messages)


def test_csv_rows_with_header_and_chinese_kinds():
    days = parse_csv("date,kind,note\n2027-02-06,休,春节\n2027-02-20,班,春节调休\n", year=2027)
    assert [(d.day, d.is_workday, d.note) for d in days] == [
        (date(2027, 2, 6), False, "春节"),
        (date(2027, 2, 20), True, "春节调休"),
    ]


# --- telling the office: system check, banner, digest ----------------------------------------------


@pytest.mark.django_db
def test_a_system_check_names_the_campaign_year_nobody_entered(city):
    assert city.campaign.ends_on.year == 2027
    warnings = unknown_calendar_years()
    assert [w.id for w in warnings] == ["holidays.W001"] and "2027" in warnings[0].msg
    calendar_year_enter(year=2027, days=parse_notice(NOTICE_2027, year=2027), by=city.office_city, source=NOTICE_2027)
    assert unknown_calendar_years() == []


@pytest.mark.django_db
def test_the_office_sees_a_banner_until_the_year_is_entered(client, city):
    banner = "2027年的节假日安排尚未录入"
    login(client, city.office_east)
    assert banner in client.get(reverse("dashboards:overview")).content.decode()
    assert banner in client.get(reverse("home:unit_list")).content.decode()
    login(client, city.staff_a)
    assert banner not in client.get(reverse("work:unit_detail", args=[city.unit_a.pk])).content.decode()
    calendar_year_enter(year=2027, days=parse_notice(NOTICE_2027, year=2027), by=city.office_city, source=NOTICE_2027)
    login(client, city.office_east)
    assert banner not in client.get(reverse("dashboards:overview")).content.decode()


@pytest.mark.django_db
def test_the_office_digest_has_a_line_until_the_year_is_entered(city):
    make_ladder(city)
    reminders_sweep(today=LADDER_DAY)
    office = OutboxMail.objects.get(recipient=city.office_city)
    assert "2027年的节假日安排尚未录入" in office.body_text and reverse("holidays:calendar") in office.body_text
    leader = OutboxMail.objects.get(recipient=city.leader_a)
    assert "2027年" not in leader.body_text  # the unit leaders' digest is not the office's business
    calendar_year_enter(year=2027, days=parse_notice(NOTICE_2027, year=2027), by=city.office_city, source=NOTICE_2027)
    OutboxMail.objects.all().delete()
    reminders_sweep(today=LADDER_DAY + timedelta(days=7))
    office = OutboxMail.objects.get(recipient=city.office_city)
    assert "尚未录入" not in office.body_text


# --- the office's page: preview, save, history, errors, access ----------------------------------------


@pytest.mark.django_db
def test_preview_shows_what_moves_and_writes_nothing(client, city):
    task = city.task_a()
    Task.objects.filter(pk=task.pk).update(due_on=date(2027, 1, 1), status="in_progress")  # New Year's Day
    login(client, city.office_city)
    page = client.get(PAGE).content.decode()
    assert 'id="calendar-form"' in page and 'value="2027"' in page  # the missing year is offered first
    before = table_counts()
    html = client.post(PAGE, {"year": 2027, "notice": NOTICE_2027}).content.decode()
    assert table_counts() == before
    moves = html.split('id="calendar-moves"')[1].split("</table>")[0]
    assert "2027-01-01" in moves and "2027-02-08" in moves and "2027-02-20" in moves
    assert "2027-01-02" not in moves  # a Saturday: off already
    tasks = html.split('id="calendar-tasks"')[1].split("</ul>")[0]
    assert reverse("work:task_detail", args=[task.pk]) in tasks
    quiet = html.split('id="calendar-quiet-days"')[1].split("</ul>")[0]
    assert "2027-01-01" in quiet and "2027-01-04" in quiet  # New Year's Day's reminders go out on Monday
    assert f'action="{SAVE}"' in html


@pytest.mark.django_db
def test_saving_writes_the_overrides_with_history_and_the_calendar_follows(client, city):
    assert workdays.is_workday(date(2027, 2, 8)) is True  # a Monday of the Spring Festival, guessed
    login(client, city.office_city)
    response = client.post(SAVE, {"year": 2027, "notice": NOTICE_2027})
    assert response.status_code == 302
    assert WorkdayOverride.objects.filter(date__year=2027).count() == 13
    assert WorkdayOverride.history.filter(history_user=city.office_city).count() == 13
    entry = CalendarYear.objects.get(year=2027)
    assert entry.entered_by == city.office_city and "春节" in entry.source
    assert workdays.is_workday(date(2027, 2, 8)) is False
    assert workdays.is_workday(date(2027, 2, 20)) is True  # make-up Saturday
    assert workdays.add_workdays(date(2027, 2, 5), 1) == date(2027, 2, 15)
    # Saving the year again from a shorter input removes what it no longer lists, in history too.
    client.post(SAVE, {"year": 2027, "notice": "元旦：1月1日放假，共1天。"})
    assert list(WorkdayOverride.objects.filter(date__year=2027).values_list("date", flat=True)) == [date(2027, 1, 1)]
    assert WorkdayOverride.history.filter(history_type="-").count() == 12
    assert CalendarYear.history.count() == 2


@pytest.mark.django_db
def test_a_csv_upload_is_previewed_then_saved(client, city):
    login(client, city.office_city)
    upload = SimpleUploadedFile("2027.csv", "date,kind\n2027-02-08,休\n2027-02-20,班\n".encode(), "text/csv")
    html = client.post(PAGE, {"year": 2027, "upload": upload}).content.decode()
    assert "2027-02-08" in html.split('id="calendar-moves"')[1]
    csv_text = html.split('<textarea name="csv_text" hidden>')[1].split("</textarea>")[0]
    assert csv_text.splitlines() == ["date,kind", "2027-02-08,休", "2027-02-20,班"]
    assert client.post(SAVE, {"year": 2027, "csv_text": csv_text}).status_code == 302
    assert WorkdayOverride.objects.filter(date__year=2027).count() == 2


@pytest.mark.django_db
def test_the_preview_carries_the_pasted_lines_to_the_save_unchanged(client, city):
    login(client, city.office_city)
    html = client.post(PAGE, {"year": 2027, "notice": NOTICE_2027}).content.decode()
    carried = html.split('<textarea name="notice" hidden>')[1].split("</textarea>")[0]
    assert carried.strip().splitlines() == NOTICE_2027.strip().splitlines()
    assert client.post(SAVE, {"year": 2027, "notice": carried}).status_code == 302
    assert WorkdayOverride.objects.filter(date__year=2027).count() == 13


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data,message",
    [
        ({"year": 2027, "notice": "随便写点什么"}, "未找到日期"),
        ({"year": 2027, "notice": "元旦：2026年1月1日放假，共1天。"}, "不在2027年"),
        ({"year": 2027, "notice": ""}, "请粘贴通知"),
        ({"year": 2027, "csv_text": "2027-02-30,休"}, "不是有效日期"),
        ({"year": "abc", "notice": NOTICE_2027}, "整数"),
    ],
)
def test_bad_input_is_a_clear_chinese_error_and_nothing_is_written(client, city, data, message):
    login(client, city.office_city)
    before = table_counts()
    for url in (PAGE, SAVE):
        response = client.post(url, data)
        assert response.status_code == 422
        assert message in response.content.decode()
    assert table_counts() == before


@pytest.mark.django_db
def test_only_the_city_office_edits_a_district_office_reads(client, city):
    login(client, city.office_east)
    page = client.get(PAGE)
    assert page.status_code == 200 and 'id="calendar-form"' not in page.content.decode()
    before = table_counts()
    assert client.post(PAGE, {"year": 2027, "notice": NOTICE_2027}).status_code == 403
    assert client.post(SAVE, {"year": 2027, "notice": NOTICE_2027}).status_code == 403
    assert table_counts() == before
    admin = make_user(Role.OFFICE, unit=city.city, username="root_admin")
    admin.is_superuser = True
    admin.save()
    login(client, admin)
    assert client.post(SAVE, {"year": 2027, "notice": NOTICE_2027}).status_code == 302


@pytest.mark.django_db
def test_the_calendar_page_is_linked_for_offices(client, city):
    login(client, city.office_city)
    assert f'href="{PAGE}"' in client.get(reverse("home")).content.decode()
