"""Back after an htmx filter restores the whole page (header, styles), not the swapped fragment."""

from __future__ import annotations

import pytest

from tests.browser.test_unit_workflow import browser, page_for  # noqa: F401 - shared fixtures

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _assert_whole_page(page) -> None:
    assert page.locator("header.topbar").count() == 1
    assert page.locator("link[rel=stylesheet]").count() >= 1
    # The stylesheet applies: the header is laid out by app.css, not the browser's defaults.
    assert page.evaluate("getComputedStyle(document.querySelector('header.topbar')).display") != "inline"
    assert page.locator("#task-list, #book, #matrix").count() == 1


def test_back_after_filtering_the_unit_page_shows_the_page(city, page_for, live_server):  # noqa: F811
    staff = page_for("staff_a")
    staff.goto(f"{live_server.url}/units/{city.unit_a.pk}/")
    staff.select_option("select[name=measure]", "study")
    staff.wait_for_url("**measure=study**")
    staff.click("#task-list a.task-title >> nth=0")
    staff.wait_for_url("**/tasks/**")
    staff.go_back()
    staff.wait_for_url("**measure=study**")
    staff.wait_for_selector("#task-list")
    _assert_whole_page(staff)
    assert staff.locator("select[name=measure]").input_value() == "study"


def test_back_to_a_ledger_tab_shows_the_page(city, page_for, live_server):  # noqa: F811
    staff = page_for("staff_a")
    staff.goto(f"{live_server.url}/units/{city.unit_a.pk}/ledgers/")
    staff.click("nav.tabs a.tab >> nth=1")
    staff.wait_for_url("**tab=**")
    tab_url = staff.url
    staff.click(".crumbs a")  # away to the unit page
    staff.wait_for_url(lambda url: url != tab_url)
    staff.go_back()
    staff.wait_for_url(tab_url)
    staff.wait_for_selector("#book")
    _assert_whole_page(staff)


def test_back_to_the_sorted_matrix_shows_the_page(city, page_for, live_server):  # noqa: F811
    office = page_for("office_city")
    office.goto(f"{live_server.url}/dashboard/matrix/")
    office.click("#matrix thead a:has-text('完成率')")
    office.wait_for_url("**sort=**")
    sorted_url = office.url
    office.click("#matrix tbody th a >> nth=0")
    office.wait_for_url(lambda url: url != sorted_url)
    office.go_back()
    office.wait_for_url(sorted_url)
    office.wait_for_selector("#matrix")
    _assert_whole_page(office)
