"""A phone opens a deed's survey link without logging in, answers, and cannot answer twice; the office sees it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from tests.browser.test_unit_workflow import PHONE, browser, page_for  # noqa: F401 - shared fixtures
from tests.factories import make_ledger_row
from tracker.surveys.models import SurveyResponse
from tracker.surveys.services import survey_open

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_phone_answers_once_and_the_office_sees_it(city, browser, page_for, live_server):  # noqa: F811
    cache.clear()
    deed = make_ledger_row("deeds", unit=city.unit_a, by=city.staff_a, responsible="内部责任人", satisfaction=97)
    survey = survey_open(
        by=city.staff_a, subject=deed, public_title="老旧小区加装电梯", ends_on=timezone.localdate() + timedelta(days=7)
    )
    phone = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    phone.set_default_timeout(10_000)
    url = live_server.url + reverse("surveys:public", args=[survey.token])
    phone.goto(url)
    assert "内部责任人" not in phone.content()
    phone.check("input[name=aware][value=yes]")
    phone.check("input[name=helped][value=yes]")
    phone.check("input[name=score][value='4']")
    phone.fill("textarea[name=comment]", "电梯装好了，出行方便多了")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.click("button.primary")
    phone.wait_for_selector("text=感谢参与")
    phone.goto(url)
    phone.wait_for_selector("text=您已在本设备上参加过本次测评")
    assert phone.locator("button.primary").count() == 0
    assert SurveyResponse.objects.filter(survey=survey).count() == 1

    office = page_for("office_city")
    office.goto(live_server.url + reverse("surveys:results"))
    office.wait_for_selector("text=老旧小区加装电梯")
    assert "100%" in office.content() and "自评" in office.content()
    phone.context.close()
