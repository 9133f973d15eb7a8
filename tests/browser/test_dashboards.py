"""The dashboards in a real Chromium on a phone: charts drawn under the CSP, htmx sort and filter."""

from __future__ import annotations

import pytest

from tests.browser.test_unit_workflow import browser, page_for  # noqa: F401 - shared fixtures
from tests.conftest import grow_city

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_office_reads_the_overview_and_works_the_matrix_on_a_phone(city, page_for, live_server):  # noqa: F811
    grow_city(city, 60)
    office = page_for("office_city")
    office.click("text=打开工作看板")  # from the landing page
    office.wait_for_url("**/dashboard/")
    errors = []
    office.on("pageerror", lambda exc: errors.append(str(exc)))
    office.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    office.reload()
    # Chart.js drew every chart from the JSON data blocks (no inline script needed).
    office.wait_for_function("document.querySelectorAll('canvas[data-chart][data-drawn]').length === 3")
    assert office.evaluate("Chart.getChart(document.querySelector('canvas[data-chart=chart-trend]')) !== undefined")
    assert errors == []

    office.click("text=单位×措施矩阵")
    office.wait_for_url("**/dashboard/matrix/")
    assert office.locator("#matrix tbody tr").count() == 50
    # Sort by completion (htmx swaps the table and pushes the URL), then filter: the sort stays.
    office.click("#matrix thead a:has-text('完成率')")
    office.wait_for_url("**sort=-percent**")
    office.select_option("select[name=under]", str(city.west.pk))
    office.wait_for_url(f"**under={city.west.pk}**")
    assert "sort=-percent" in office.url
    percents = [int(t.split("%")[0]) for t in office.locator("#matrix tbody td:nth-child(4)").all_inner_texts()]
    assert percents == sorted(percents, reverse=True) and len(percents) == 31  # UnitB + 30 bulk units
    assert office.locator("#matrix-export").get_attribute("href").endswith(f"under={city.west.pk}&sort=-percent")
