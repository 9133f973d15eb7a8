"""The working-day calendar: official holidays and make-up days, office overrides, unknown years."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.utils import timezone

from tracker.core import workdays
from tracker.core.models import WorkdayOverride


def test_official_holidays_and_make_up_workdays():
    assert workdays.is_workday(date(2026, 10, 1)) is False  # National Day
    assert workdays.is_workday(date(2026, 10, 10)) is True  # a Saturday made a working day (调休)
    assert workdays.is_workday(date(2026, 11, 28)) is False  # an ordinary Saturday
    assert workdays.is_workday(date(2026, 11, 25)) is True


def test_years_the_calendar_does_not_know_fall_back_to_weekends():
    assert workdays.is_workday(date(2040, 10, 1)) is True  # a Monday: no published holiday yet
    assert workdays.is_workday(date(2040, 10, 6)) is False  # Saturday


def test_counting_and_skipping_over_the_national_day_week():
    assert workdays.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert workdays.next_workday(date(2026, 10, 3)) == date(2026, 10, 8)
    assert workdays.next_workday(date(2026, 10, 8)) == date(2026, 10, 8)
    # Thu 8, Fri 9, make-up Sat 10, Mon 12
    assert workdays.workdays_between(date(2026, 10, 7), date(2026, 10, 12)) == 4
    assert workdays.workdays_between(date(2026, 10, 12), date(2026, 10, 12)) == 0


@pytest.mark.django_db
def test_office_overrides_win_and_saving_one_takes_effect_at_once():
    saturday, wednesday = date(2026, 11, 28), date(2026, 11, 25)
    WorkdayOverride.objects.create(date=saturday, is_workday=True, note="补班")
    WorkdayOverride.objects.create(date=wednesday, is_workday=False, note="local holiday")
    assert workdays.is_workday(saturday) is True
    assert workdays.is_workday(wednesday) is False
    WorkdayOverride.objects.filter(date=wednesday).get().delete()
    assert workdays.is_workday(wednesday) is True


@pytest.mark.django_db
def test_other_processes_see_an_override_within_the_memo_ttl(django_assert_num_queries):
    WorkdayOverride.objects.create(date=date(2027, 2, 1), is_workday=False)
    with django_assert_num_queries(1):  # loaded once …
        assert workdays.is_workday(date(2027, 2, 1)) is False
        assert workdays.is_workday(date(2027, 2, 2)) is True
    # … and kept; another process's edit (no signal here) shows once the memo expires.
    WorkdayOverride.objects.filter(date=date(2027, 2, 1)).update(is_workday=True)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        workdays.forget_overrides()
        assert workdays.is_workday(date(2027, 2, 1)) is True
        traveller.shift(workdays.OVERRIDES_TTL_SECONDS + 1)
        with django_assert_num_queries(1):
            workdays.is_workday(date(2027, 2, 1))


def test_official_calendar_with_make_up_days():
    assert not workdays.is_workday(date(2025, 10, 1))  # National Day
    assert workdays.is_workday(date(2025, 9, 28))  # a Sunday worked in exchange (调休)
    assert not workdays.is_workday(date(2026, 11, 21))  # Saturday


def test_add_workdays_skips_weekends_forwards_and_backwards():
    assert workdays.add_workdays(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Friday → Monday
    assert workdays.add_workdays(date(2026, 11, 18), 3) == date(2026, 11, 23)
    assert workdays.add_workdays(date(2026, 11, 23), -1) == date(2026, 11, 20)  # Monday → Friday
    assert workdays.add_workdays(date(2026, 10, 8), -1) == date(2026, 9, 30)  # back over National Day
    assert workdays.add_workdays(date(2026, 11, 18), 0) == date(2026, 11, 18)
