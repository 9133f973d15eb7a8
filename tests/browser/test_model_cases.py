"""Model cases on a 375 px phone: a guide proposes from the task's page, the office features it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.test_unit_workflow import PHONE, browser, page_for  # noqa: F401 - shared fixtures
from tests.factories import TaskFactory
from tracker.cases.models import CaseStatus, ModelCase

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_guide_proposes_and_the_office_features_on_a_phone(city, page_for, live_server):  # noqa: F811
    task = TaskFactory(campaign=city.campaign, unit=city.unit_a, measure=city.study, title="红色教育基地共建")
    guide = page_for("guide")
    guide.goto(live_server.url + reverse("work:task_detail", args=[task.pk]))
    guide.click("#propose-case")
    guide.fill("#id_citation", "与社区共建红色教育基地，群众参与度高")
    guide.click("form.card button.primary")
    guide.wait_for_selector("#proposed-cases >> text=与社区共建红色教育基地")
    assert guide.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert guide.locator("#proposed-cases form.decide").count() == 0  # a guide proposes, the office decides

    office = page_for("office_east")
    office.goto(live_server.url + reverse("cases:list"))
    office.click("#proposed-cases button[name=feature][value='1']")
    office.wait_for_selector("#featured-cases >> text=红色教育基地共建")
    assert office.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert ModelCase.objects.get().status == CaseStatus.FEATURED
