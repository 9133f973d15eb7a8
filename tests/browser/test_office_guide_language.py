"""The rest of the newcomer's paths in a real Chromium on a phone: the office filters the matrix
by category and downloads exactly those rows, a guide raises a problem that lands in the unit's
ledger, anyone switches to English and back, and the office's briefing is built by a worker
while the page polls its progress."""

from __future__ import annotations

import re
from datetime import timedelta

import openpyxl
import pytest
from django.conf import settings
from django.utils import timezone

from tests.browser.test_unit_workflow import browser, page_for  # noqa: F401 - shared fixtures
from tests.conftest import grow_city, require_worker_services
from tracker.ledgers.models import RectificationItem, RectificationStatus
from tracker.orgs.models import Unit, UnitCategory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_office_filters_the_matrix_by_category_and_exports_those_rows(city, page_for, live_server, tmp_path):  # noqa: F811
    grown = grow_city(city, 12)
    school = UnitCategory.objects.get(code="school")
    Unit.objects.filter(pk__in=[u.pk for u in grown[:5]]).update(category=school)

    office = page_for("office_city")
    office.goto(f"{live_server.url}/dashboard/matrix/")
    assert office.locator("#matrix tbody tr").count() == 14  # UnitA, UnitB and 12 grown units
    office.select_option("select[name=category]", "school")
    office.wait_for_url("**category=school**")
    office.wait_for_function("document.querySelectorAll('#matrix tbody tr').length === 5")
    on_screen = [
        [row.locator("td").nth(0).inner_text(), row.locator("th a").first.inner_text()]
        for row in office.locator("#matrix tbody tr").all()
    ]
    assert {name for _, name in on_screen} == {u.name for u in grown[:5]}

    with office.expect_download() as info:
        office.click("#matrix-export")
    path = tmp_path / "matrix.xlsx"
    info.value.save_as(path)
    sheet = openpyxl.load_workbook(path, read_only=True).active
    rows = [[str(row[0]), row[1]] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert rows == on_screen  # same units, same ranks, same order


def test_guide_raises_a_problem_that_appears_in_the_units_ledger(city, page_for, live_server):  # noqa: F811
    guide = page_for("guide")
    guide.goto(f"{live_server.url}/units/{city.unit_a.pk}/ledgers/")
    guide.click("text=反馈问题")
    guide.wait_for_url("**/rectification/raise/")
    assert guide.evaluate("document.documentElement.scrollWidth") <= 375
    guide.fill("#id_problem", "调研走访次数偏少，群众反映的停车难问题未列入清单")
    guide.select_option("#id_category", index=1)
    guide.fill("#id_measures", "列入整改清单，月底前提出方案")
    guide.select_option("#id_kind", "immediate")
    guide.fill("#id_deadline", (timezone.localdate() + timedelta(days=20)).isoformat())
    guide.click("form button.primary")
    guide.wait_for_url(re.compile(r"/ledgers/rectification/\d+/$"))
    item = RectificationItem.objects.get()
    assert (item.unit, item.raised_by, item.status) == (city.unit_a, city.guide, RectificationStatus.OPEN)

    staff = page_for("staff_a")
    staff.goto(f"{live_server.url}/units/{city.unit_a.pk}/ledgers/?tab=rectification")
    assert staff.locator("#book .row-card >> text=调研走访次数偏少").is_visible()


def test_language_switch_to_english_and_back(city, page_for, live_server):  # noqa: F811
    staff = page_for("staff_a")
    staff.goto(f"{live_server.url}/tasks/{city.task_a().pk}/")
    assert staff.locator("html").get_attribute("lang") == "zh-hans"
    staff.click(".menu > summary")  # on a phone the language switch is in the menu
    staff.click("form.lang button")  # "English"
    staff.wait_for_function("document.documentElement.lang === 'en'")
    assert f"/tasks/{city.task_a().pk}/" in staff.url  # the same page, now in English
    assert staff.locator("form.lang button").text_content() == "中文"
    staff.goto(f"{live_server.url}/")  # the choice sticks to the person, page after page
    assert staff.locator("html").get_attribute("lang") == "en"
    staff.click(".menu > summary")
    staff.click("form.lang button")
    staff.wait_for_function("document.documentElement.lang === 'zh-hans'")
    assert staff.locator("form.lang button").text_content() == "English"


def test_office_asks_for_a_briefing_and_downloads_it(city, page_for, live_server, celery_worker_process, tmp_path):  # noqa: F811
    require_worker_services()
    celery_worker_process(MEDIA_ROOT=settings.MEDIA_ROOT)
    office = page_for("office_city")
    office.goto(f"{live_server.url}/dashboard/")
    office.click("text=工作简报（Word）")
    office.wait_for_url("**/briefings/")
    office.click("text=生成简报")
    # htmx swaps in the job panel, which polls every second until the worker has finished.
    link = office.wait_for_selector("#briefing-download", timeout=60_000)
    assert "/briefings/" in office.url and link.get_attribute("href").endswith("/download/")
    with office.expect_download() as info:
        link.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.suffix == ".docx" and path.read_bytes()[:2] == b"PK"
