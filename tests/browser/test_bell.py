"""The bell: its unread count arrives after the page loads; opening an item marks it read."""

from __future__ import annotations

import pytest

from tests.browser.test_unit_workflow import PHONE, browser, page_for  # noqa: F401 - shared fixtures
from tests.factories import make_notify_item
from tracker.notify.models import Item

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_bell_shows_unread_count_and_the_list_marks_read(city, page_for, live_server):  # noqa: F811
    make_notify_item(recipient=city.staff_a, key="a", subject="催办：请尽快完成学习任务", url="/")
    make_notify_item(recipient=city.staff_a, key="b", subject="已审核通过：读书班")
    page = page_for("staff_a")
    page.goto(f"{live_server.url}/")
    page.locator("#bell .bell-count").wait_for()
    assert page.locator("#bell .bell-count").inner_text() == "2"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("#bell").click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    page.get_by_role("button", name="标为已读", exact=True).first.click()  # htmx: the row is swapped in place
    page.locator(".notify-item:not(.unread)").first.wait_for()
    assert Item.objects.filter(read_at__isnull=False).count() == 1
    page.get_by_role("button", name="催办：请尽快完成学习任务").click()  # open: read, then its page
    page.wait_for_url(f"{live_server.url}/")
    page.locator("#bell").wait_for()
    assert page.locator("#bell .bell-count").count() == 0
