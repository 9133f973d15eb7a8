"""Quick record: a new study session or visit starts from today and the unit's last values, offers
the names the unit used before (most used first), and shows words, not "---------", in its choices."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from tests.conftest import login
from tests.factories import make_ledger_row
from tracker.ledgers.remembered import quick_start


def new_form(client, city, ledger: str) -> str:
    login(client, city.staff_a)
    return client.get(reverse("ledgers:row_create", args=[city.unit_a.pk, ledger])).content.decode()


def test_a_units_first_study_session_starts_from_today_offline_two_hours(city):
    start = quick_start(unit=city.unit_a, ledger="study")
    assert start.initial == {"held_on": timezone.localdate(), "mode": "offline", "hours": 2}
    assert start.chips == {}


def test_the_last_values_are_remembered_and_names_used_most_come_first(city):
    today = timezone.localdate()
    for days, attendees, kind in ((9, "张三、李四", "lecture"), (5, "张三，王五", "reading_class")):
        make_ledger_row(
            "study",
            unit=city.unit_a,
            by=city.staff_a,
            kind=kind,
            mode="online",
            topic="专题学习",
            held_on=today - timedelta(days=days),
            hours=Decimal("1.5"),
            attendees=attendees,
        )
    start = quick_start(unit=city.unit_a, ledger="study")
    assert start.initial["held_on"] == today
    assert (start.initial["kind"], start.initial["mode"], start.initial["hours"]) == ("reading_class", "online", 1.5)
    assert start.initial["attendees"] == "张三，王五"
    assert start.chips["attendees"].mode == "add"
    assert start.chips["attendees"].values[0] == "张三" and set(start.chips["attendees"].values) == {
        "张三",
        "李四",
        "王五",
    }
    assert quick_start(unit=city.unit_b, ledger="study").chips == {}, "another unit's names are never offered"


def test_a_visit_offers_the_leaders_the_unit_went_with(client, city):
    make_ledger_row(
        "visits",
        unit=city.unit_a,
        by=city.staff_a,
        site="东关村",
        leader_name="王书记",
        participants="赵六",
        visited_on=timezone.localdate() - timedelta(days=60),
    )
    html = new_form(client, city, "visits")
    assert 'data-chip-for="id_leader_name" data-chip-mode="set">王书记</button>' in html
    assert 'value="王书记"' in html and f'value="{timezone.localdate().isoformat()}"' in html
    assert "---------" not in html and "（无）" in html  # the optional research topic


def test_choices_have_words_not_dashes(client, city):
    html = new_form(client, city, "rectification")
    assert "---------" not in html and "请选择…" in html


def test_row_titles_give_the_date_in_chinese(client, city):
    row = make_ledger_row("study", unit=city.unit_a, by=city.staff_a, held_on=timezone.localdate().replace(day=1))
    login(client, city.staff_a)
    html = client.get(row.get_absolute_url()).content.decode()
    day = row.held_on
    assert f"<title>{day.year}年{day.month}月1日" in html and day.isoformat() not in html.split("</title>")[0]
