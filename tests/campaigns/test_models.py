from datetime import date

import pytest

from tests.factories import CampaignFactory, TemplateFactory


@pytest.fixture
def campaign(db):
    return CampaignFactory(starts_on=date(2026, 9, 15), ends_on=date(2027, 1, 10))


def test_one_off_template_due_relative_to_start(campaign):
    template = TemplateFactory(campaign=campaign, due_anchor="start", due_offset_days=20)
    [period] = template.periods()
    assert period.due_on == date(2026, 10, 5)
    assert period.index == 0


def test_due_relative_to_end_and_clipped_into_the_campaign(campaign):
    assert TemplateFactory(campaign=campaign, due_anchor="end", due_offset_days=-10).periods()[0].due_on == date(
        2026, 12, 31
    )
    assert TemplateFactory(campaign=campaign, due_anchor="end", due_offset_days=30).periods()[0].due_on == date(
        2027, 1, 10
    )
    assert TemplateFactory(campaign=campaign, due_anchor="start", due_offset_days=-5).periods()[0].due_on == date(
        2026, 9, 15
    )


def test_monthly_template_gives_one_period_per_calendar_month(campaign):
    periods = TemplateFactory(campaign=campaign, recurrence="monthly").periods()
    assert [p.index for p in periods] == [0, 1, 2, 3, 4]
    assert (periods[0].starts_on, periods[0].due_on) == (date(2026, 9, 15), date(2026, 9, 30))
    assert (periods[3].starts_on, periods[3].due_on) == (date(2026, 12, 1), date(2026, 12, 31))
    assert (periods[4].starts_on, periods[4].due_on) == (date(2027, 1, 1), date(2027, 1, 10))


def test_campaign_clock(campaign):
    assert campaign.total_days == 118
    assert campaign.days_elapsed(date(2026, 9, 15)) == 1
    assert campaign.days_elapsed(date(2026, 9, 1)) == 0
    assert campaign.days_elapsed(date(2027, 3, 1)) == 118


def test_bilingual_title_follows_language(campaign):
    from django.utils import translation

    template = TemplateFactory(campaign=campaign, title_zh="读书班", title_en="Reading class")
    with translation.override("en"):
        assert template.title == "Reading class"
    with translation.override("zh-hans"):
        assert template.title == "读书班"
