"""The crowding warning on a 375 px phone: it names who visited, and "save anyway" needs a reason."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser.test_unit_workflow import PHONE, browser, page_for  # noqa: F401 - shared fixtures
from tests.factories import make_ledger_row
from tracker.ledgers.models import ResearchVisit

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_visit_to_a_crowded_site_names_the_visitors_and_asks_for_a_reason(city, page_for, live_server):  # noqa: F811
    today = timezone.localdate()
    make_ledger_row(
        "visits", unit=city.unit_a, by=city.staff_a, site="幸福社区", leader_name="赵副局长", visited_on=today
    )
    staff = page_for("staff_a")
    staff.goto(live_server.url + reverse("ledgers:row_create", args=[city.unit_a.pk, "visits"]))
    staff.fill("#id_site", "幸福社区")
    staff.fill("#id_visited_on", today.isoformat())
    staff.fill("#id_leader_name", "王局长")
    staff.fill("#id_findings", "群众反映停车难")
    staff.click("button.primary")
    staff.wait_for_selector("#crowding-warning >> text=赵副局长")
    assert staff.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    button = staff.locator("#crowding-warning button[name=confirm_crowding]")
    box = button.bounding_box()
    assert box is not None and box["width"] > PHONE["width"] * 0.7  # one wide, thumb-sized button

    button.click()  # no reason yet
    staff.wait_for_selector("#crowding-warning .field-error")
    assert staff.input_value("#id_findings") == "群众反映停车难"
    assert not ResearchVisit.objects.filter(leader_name="王局长").exists()
    assert staff.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    staff.fill("#id_crowding_reason", "调研事项不同，已与赵副局长沟通")
    staff.click("#crowding-warning button[name=confirm_crowding]")
    staff.wait_for_url(lambda url: "/new/" not in url)
    staff.wait_for_selector("text=调研事项不同，已与赵副局长沟通")
    visit = ResearchVisit.objects.get(leader_name="王局长")
    assert visit.crowding_confirmed and visit.crowding_reason == "调研事项不同，已与赵副局长沟通"
